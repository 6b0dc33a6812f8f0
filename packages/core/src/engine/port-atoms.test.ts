import { describe, expect, it } from 'vitest';
import { AtomSets, PortCuts } from './port-atoms.js';
import { formatProtoPorts } from '../semantics/port-set.js';

describe('port atoms', () => {
  const cuts = new PortCuts();
  cuts.addRange('TCP', 80, 80);
  cuts.addRange('TCP', 8000, 8010);
  cuts.addRange('UDP', 53, 53);
  cuts.addRange('SCTP', 1, 65535);
  const atoms = cuts.build();

  it('split each protocol only where policies draw a boundary', () => {
    // TCP: 1-79, 80, 81-7999, 8000-8010, 8011-65535; UDP: 1-52, 53, 54-65535; SCTP: whole.
    expect(atoms.count).toBe(5 + 3 + 1);
    expect(atoms.atomOf('TCP', 80)).toBe(1);
    expect(atoms.atomOf('TCP', 8005)).toBe(atoms.atomOf('TCP', 8000));
    expect(atoms.atomOf('TCP', 8011)).not.toBe(atoms.atomOf('TCP', 8010));
    expect(atoms.atomOf('UDP', 1)).toBe(5);
    expect(atoms.atomOf('SCTP', 65535)).toBe(8);
    expect(atoms.atomOf('TCP', 0)).toBe(-1);
    expect(atoms.atomOf('TCP', 65536)).toBe(-1);
  });

  it('turn atom sets back into merged port ranges', () => {
    const set = atoms.empty();
    atoms.addRange(set, 'TCP', 80, 80);
    atoms.addRange(set, 'TCP', 81, 7999);
    atoms.addRange(set, 'TCP', 8000, 8010);
    atoms.addRange(set, 'UDP', 53, 53);
    atoms.addProtocol(set, 'SCTP');
    expect(formatProtoPorts(atoms.toProtoPorts(set))).toBe('TCP 80-8010; UDP 53; SCTP all');
    expect(formatProtoPorts(atoms.toProtoPorts(atoms.all()))).toBe('All');
  });

  it('intern equal sets once', () => {
    const sets = new AtomSets(atoms);
    const a = atoms.empty();
    atoms.addRange(a, 'UDP', 53, 53);
    const b = atoms.empty();
    atoms.addRange(b, 'UDP', 53, 53);
    expect(sets.intern(a)).toBe(sets.intern(b));
    expect(sets.intern(atoms.empty())).not.toBe(sets.intern(a));
    expect(sets.isEmpty(sets.intern(atoms.empty()))).toBe(true);
    expect(formatProtoPorts(sets.toProtoPorts(sets.intern(a)))).toBe('UDP 53');
  });
});
