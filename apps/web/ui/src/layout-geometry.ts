/**
 * Plain geometry the layouts finish with (no DOM, no cytoscape, so it runs in the layout worker
 * and in unit tests): boxes pushed apart until none overlaps, and points snapped to free grid
 * cells. Force-directed layouts make no promise about either; these do.
 */

export interface Point {
  x: number;
  y: number;
}

/** An axis-aligned box: a namespace box, or a top-level node with its label. */
export interface Box {
  readonly id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function overlap(a: Box, b: Box, gap: number): { dx: number; dy: number } | undefined {
  const dx = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + gap;
  const dy = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + gap;
  return dx > 0 && dy > 0 ? { dx, dy } : undefined;
}

function shift(b: Box, dx: number, dy: number): void {
  b.x1 += dx;
  b.x2 += dx;
  b.y1 += dy;
  b.y2 += dy;
}

/** Whether any two boxes are closer than `gap` (overlapping when gap is 0). */
export function anyOverlap(boxes: readonly Box[], gap = 0): boolean {
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i]!, boxes[j]!, gap)) return true;
  return false;
}

/**
 * Moves boxes (in place) so that no two are closer than `gap`, keeping each near where the
 * layout put it: overlapping pairs are pushed apart along the axis that needs the smaller move,
 * half each, until none overlaps. If that has not settled after `rounds` (rare: a crowd pushing
 * in a circle), the boxes are tiled in rows in their reading order instead, which cannot
 * overlap. Returns each box's translation.
 */
export function separateBoxes(boxes: Box[], gap = 24, rounds = 200): Map<string, Point> {
  const start = new Map(boxes.map((b) => [b.id, { x: b.x1, y: b.y1 }]));
  let settled = false;
  for (let r = 0; r < rounds && !settled; r++) {
    settled = true;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const o = overlap(a, b, gap);
        if (!o) continue;
        settled = false;
        if (o.dx <= o.dy) {
          const dir = a.x1 + a.x2 <= b.x1 + b.x2 ? 1 : -1;
          shift(a, (-dir * o.dx) / 2, 0);
          shift(b, (dir * o.dx) / 2, 0);
        } else {
          const dir = a.y1 + a.y2 <= b.y1 + b.y2 ? 1 : -1;
          shift(a, 0, (-dir * o.dy) / 2);
          shift(b, 0, (dir * o.dy) / 2);
        }
      }
    }
  }
  if (!settled) tile(boxes, gap);
  const moves = new Map<string, Point>();
  for (const b of boxes) {
    const s = start.get(b.id)!;
    moves.set(b.id, { x: b.x1 - s.x, y: b.y1 - s.y });
  }
  return moves;
}

/** Rows of boxes, in reading order of where they were, about as wide as they are tall overall. */
function tile(boxes: Box[], gap: number): void {
  const area = boxes.reduce((s, b) => s + (b.x2 - b.x1 + gap) * (b.y2 - b.y1 + gap), 0);
  const rowWidth = Math.max(Math.sqrt(area) * 1.3, ...boxes.map((b) => b.x2 - b.x1));
  const order = [...boxes].sort((a, b) => a.y1 - b.y1 || a.x1 - b.x1);
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const b of order) {
    const w = b.x2 - b.x1;
    const h = b.y2 - b.y1;
    if (x > 0 && x + w > rowWidth) {
      x = 0;
      y += rowHeight + gap;
      rowHeight = 0;
    }
    shift(b, x - b.x1, y - b.y1);
    x += w + gap;
    rowHeight = Math.max(rowHeight, h);
  }
}

/**
 * Snaps points to the cells of a square grid, one point per cell, each to the free cell nearest
 * its own position (centre outwards, so the middle of the picture keeps its shape). Turns a
 * spectral layout — fast, and good at putting related nodes near each other, but apt to stack
 * alike nodes on one spot — into one where every node is visible.
 */
export function snapToGrid(points: ReadonlyMap<string, Point>, cell: number): Map<string, Point> {
  const ids = [...points.keys()];
  const n = ids.length;
  const out = new Map<string, Point>();
  if (n === 0) return out;
  const xs = ids.map((id) => points.get(id)!.x);
  const ys = ids.map((id) => points.get(id)!.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const w = Math.max(...xs) - minX || 1;
  const hgt = Math.max(...ys) - minY || 1;
  // About twice as many cells as points: room to keep the shape, little empty space.
  const side = Math.ceil(Math.sqrt(2 * n));
  const aspect = Math.min(3, Math.max(1 / 3, w / hgt));
  const cols = Math.max(1, Math.round(side * Math.sqrt(aspect)));
  const rows = Math.max(1, Math.ceil((2 * n) / cols));
  const taken = new Set<number>();
  const cx = (minX + w / 2);
  const cy = (minY + hgt / 2);
  const order = ids.map((id, i) => ({ id, i, d: (xs[i]! - cx) ** 2 + (ys[i]! - cy) ** 2 })).sort((a, b) => a.d - b.d);
  for (const { id, i } of order) {
    const gx = Math.min(cols - 1, Math.floor(((xs[i]! - minX) / w) * cols));
    const gy = Math.min(rows - 1, Math.floor(((ys[i]! - minY) / hgt) * rows));
    // Rings of cells around the wanted one until a free one turns up (beyond the grid is fine).
    let placed = false;
    for (let r = 0; !placed; r++) {
      let best: [number, number] | undefined;
      let bestD = Infinity;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
          const x = gx + dx;
          const y = gy + dy;
          if (taken.has(y * 100_000 + x)) continue;
          const d = dx * dx + dy * dy;
          if (d < bestD) (bestD = d), (best = [x, y]);
        }
      }
      if (best) {
        taken.add(best[1] * 100_000 + best[0]);
        out.set(id, { x: best[0] * cell, y: best[1] * cell });
        placed = true;
      }
    }
  }
  return out;
}
