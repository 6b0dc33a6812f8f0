import { describe, expect, it } from 'vitest';
import { ALL_PROTO_PORTS, EMPTY_PROTO_PORTS, formatProtoPorts, protoPortsEqual, subtractProtoPorts, subtractRanges } from './port-set.js';

describe('port-set subtraction', () => {
  it('cuts ranges where the other set has ports, in one pass', () => {
    expect(subtractRanges([[1, 100]], [[10, 20], [50, 50]])).toEqual([[1, 9], [21, 49], [51, 100]]);
    expect(subtractRanges([[1, 10], [20, 30]], [[5, 25]])).toEqual([[1, 4], [26, 30]]);
    expect(subtractRanges([[80, 80]], [[80, 80]])).toEqual([]);
    expect(subtractRanges([[80, 90]], [])).toEqual([[80, 90]]);
    // Single ports side by side (as observed flows give them) cut like one range.
    expect(subtractRanges([[1, 10]], [[3, 3], [4, 4], [5, 5]])).toEqual([[1, 2], [6, 10]]);
  });

  it('works per protocol', () => {
    const web = { TCP: [[80, 80], [443, 443]] as const, UDP: [], SCTP: [] };
    const rest = subtractProtoPorts(ALL_PROTO_PORTS, web);
    expect(formatProtoPorts(rest)).toBe('TCP 1-79,81-442,444-65535; UDP all; SCTP all');
    expect(protoPortsEqual(subtractProtoPorts(web, ALL_PROTO_PORTS), EMPTY_PROTO_PORTS)).toBe(true);
    expect(protoPortsEqual(subtractProtoPorts(web, EMPTY_PROTO_PORTS), web)).toBe(true);
  });
});
