import { describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.js';
import { formatRange, parseIp } from '../semantics/ip.js';
import { IpAtoms, ipBlockRanges } from './ip-atoms.js';

describe('ipBlock ranges', () => {
  it('subtract excepts of the same family only', () => {
    expect(ipBlockRanges({ cidr: '10.0.0.0/8', except: ['10.1.0.0/16', 'fd00::/8'] }).map(formatRange)).toEqual([
      '10.0.0.0-10.0.255.255',
      '10.2.0.0-10.255.255.255',
    ]);
    expect(ipBlockRanges({ cidr: '10.0.0.7/24' }).map(formatRange)).toEqual(['10.0.0.0-10.0.0.255']);
    expect(ipBlockRanges({ cidr: '10.0.0.0/24', except: ['10.0.0.0/16'] })).toEqual([]);
  });

  it('reject a malformed CIDR as an input error', () => {
    expect(() => ipBlockRanges({ cidr: '10.0.0.0' })).toThrow(InputError);
    expect(() => ipBlockRanges({ cidr: '10.0.0.0/8', except: ['x'] })).toThrow(/invalid CIDR "x"/);
  });
});

describe('external groups', () => {
  const blocks = [
    ipBlockRanges({ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }),
    ipBlockRanges({ cidr: '10.0.0.0/8' }),
    ipBlockRanges({ cidr: '203.0.113.0/24' }),
    ipBlockRanges({ cidr: '2001:db8::/32' }),
  ];
  const atoms = new IpAtoms(blocks);
  const group = (ip: string) => atoms.groupOf(parseIp(ip));

  it('put addresses inside the same ipBlocks together, across gaps', () => {
    // {0}, {1}, {0,2}, {3}, {} (the rest of IPv6).
    expect(atoms.groups).toHaveLength(5);
    expect(group('1.2.3.4')).toBe(group('200.0.0.1'));
    expect(atoms.groupBlocks[group('1.2.3.4')]).toEqual([0]);
    expect(atoms.groupBlocks[group('10.20.30.40')]).toEqual([1]);
    expect(atoms.groupBlocks[group('203.0.113.9')]).toEqual([0, 2]);
    expect(atoms.groupBlocks[group('2001:db8::1')]).toEqual([3]);
    expect(atoms.groupBlocks[group('::1')]).toEqual([]);
    expect(atoms.groups[group('1.2.3.4')]!.ranges.map(formatRange)).toEqual([
      '0.0.0.0-9.255.255.255',
      '11.0.0.0-203.0.112.255',
      '203.0.114.0-255.255.255.255',
    ]);
  });

  it('keep IPv4 before IPv6 in a group that spans both', () => {
    const none = new IpAtoms([]);
    expect(none.groups).toHaveLength(1);
    expect(none.groups[0]!.ranges.map((r) => r.family)).toEqual([4, 6]);
  });
});
