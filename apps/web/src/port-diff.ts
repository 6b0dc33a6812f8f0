/**
 * Port-set difference (a minus b), which core's port-set does not offer: a what-if needs
 * "newly allowed" and "newly denied" ports, not only equality.
 */
import { PROTOCOLS, type PortRange, type PortRanges, type ProtoPorts } from '@lateral/core';

function minusRanges(a: PortRanges, b: PortRanges): PortRanges {
  const out: PortRange[] = [];
  for (const [s, e] of a) {
    let start = s;
    for (const [bs, be] of b) {
      if (be < start || bs > e) continue;
      if (bs > start) out.push([start, bs - 1]);
      start = Math.max(start, be + 1);
      if (start > e) break;
    }
    if (start <= e) out.push([start, e]);
  }
  return out;
}

export function minusProtoPorts(a: ProtoPorts, b: ProtoPorts): ProtoPorts {
  const r = {} as Record<(typeof PROTOCOLS)[number], PortRanges>;
  for (const p of PROTOCOLS) r[p] = minusRanges(a[p], b[p]);
  return r;
}
