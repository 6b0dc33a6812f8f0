/**
 * The blast-radius picture, worked out before anything is drawn: which reached nodes to draw
 * (a cap per ring, crown jewels and pinned path nodes always), a "+N more" node per ring for
 * the rest, the edges among what is drawn, and every position — the foothold in the centre,
 * each hop count one circle further out. Plain arithmetic over at most a few hundred nodes, so
 * the page hands cytoscape a preset layout and draws: a blast radius of thousands of workloads
 * costs what its capped picture costs.
 */
import type { AttackPort, BlastRadius } from './types.js';

/** Nodes drawn per ring before a "+N more" node stands for the rest. */
export const RING_CAP = 48;
/** How many more a click on "+N more" draws. */
export const RING_STEP = 150;
/** Incoming edges drawn per node (the attack graph's `via`): enough to show where it is reached from. */
export const EDGES_PER_NODE = 3;
const SPACING = 44;
const RING_GAP = 110;

export interface RingNode {
  readonly id: string;
  readonly label: string;
  readonly hop: number;
  readonly classes: string;
  readonly x: number;
  readonly y: number;
  /** "+N more" nodes: how many they stand for. */
  readonly more?: number;
}

export interface RingEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly ports: string;
}

export interface RingPicture {
  readonly nodes: RingNode[];
  readonly edges: RingEdge[];
  /** Reached nodes not drawn, all rings together. */
  readonly hidden: number;
}

export const moreId = (hop: number) => `more:${hop}`;

function portText(p: AttackPort): string {
  return `${p.protocol} ${p.port}${p.endPort ? `-${p.endPort}` : ''}${p.name ? ` (${p.name})` : ''}`;
}

/**
 * `caps`: per hop, how many to draw (RING_CAP when absent); `pinned`: nodes drawn whatever the
 * cap (the nodes of the attack paths on show).
 */
export function ringPicture(b: BlastRadius, caps: ReadonlyMap<number, number> = new Map(), pinned: ReadonlySet<string> = new Set()): RingPicture {
  const byHop = new Map<number, BlastRadius['reached']>();
  for (const r of b.reached) {
    const l = byHop.get(r.hops);
    if (l) l.push(r);
    else byHop.set(r.hops, [r]);
  }
  const drawn = new Set<string>([b.from]);
  const nodes: RingNode[] = [{ id: b.from, label: b.from, hop: 0, classes: 'foothold', x: 0, y: 0 }];
  let hidden = 0;
  let radius = 0;
  for (const hop of [...byHop.keys()].sort((x, y) => x - y)) {
    const ring = byHop.get(hop)!;
    const cap = caps.get(hop) ?? RING_CAP;
    // Crown jewels and pinned nodes first, then by id, which keeps a namespace's workloads together.
    const ranked = [...ring].sort((x, y) => Number(y.crownJewel) - Number(x.crownJewel) || Number(pinned.has(y.id)) - Number(pinned.has(x.id)) || (x.id < y.id ? -1 : 1));
    const chosen = ranked.filter((r, i) => i < cap || r.crownJewel || pinned.has(r.id)).sort((x, y) => (x.id < y.id ? -1 : 1));
    const rest = ring.length - chosen.length;
    hidden += rest;
    const slots = chosen.length + (rest > 0 ? 1 : 0);
    radius = Math.max(radius + RING_GAP, (slots * SPACING) / (2 * Math.PI));
    const at = (i: number) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / slots + (hop % 2) * (Math.PI / slots);
      return { x: Math.round(radius * Math.cos(a)), y: Math.round(radius * Math.sin(a)) };
    };
    chosen.forEach((r, i) => {
      drawn.add(r.id);
      nodes.push({ id: r.id, label: r.id, hop, classes: `${r.kind}${r.crownJewel ? ' crown' : ''}`, ...at(i) });
    });
    if (rest > 0) nodes.push({ id: moreId(hop), label: `+${rest} more at hop ${hop}`, hop, classes: 'more', more: rest, ...at(chosen.length) });
  }
  const edges: RingEdge[] = [];
  for (const r of b.reached) {
    if (!drawn.has(r.id)) continue;
    let n = 0;
    for (const v of r.via) {
      if (!drawn.has(v.from)) continue;
      // Path nodes keep every drawn incoming edge, so a highlighted path is never missing a hop.
      if (n >= EDGES_PER_NODE && !(pinned.has(r.id) && pinned.has(v.from))) continue;
      n++;
      edges.push({ id: `${v.from}->${r.id}`, source: v.from, target: r.id, ports: v.ports.map(portText).join(', ') || v.kind });
    }
  }
  return { nodes, edges, hidden };
}
