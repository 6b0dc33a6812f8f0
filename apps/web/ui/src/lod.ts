/**
 * Level of detail for the map's labels: namespace titles stay readable at any zoom (their font
 * grows as the map zooms out), workload labels appear once they would be legible, and where
 * labels would overlap the most important win (namespaces before workloads, larger before
 * smaller) and the rest are left off until the user zooms in. Pure geometry on screen boxes.
 */

export interface LabelCandidate {
  readonly id: string;
  /** Label centre on screen (px). */
  readonly x: number;
  readonly y: number;
  /** Label size on screen (px). */
  readonly width: number;
  readonly height: number;
  /** Higher first. */
  readonly priority: number;
}

/** Font size on screen (px) of namespace titles at every zoom. */
export const NAMESPACE_FONT_PX = 12;
/** Width per character at 1 px of font size, roughly, for a sans-serif label. */
export const CHAR_EM = 0.58;
const GAP = 2;

/** Ids of the labels to draw: greedily by priority, skipping any that would overlap one already placed. */
export function placeLabels(candidates: readonly LabelCandidate[], viewport?: { width: number; height: number }): Set<string> {
  const cell = 64;
  const grid = new Map<string, { x1: number; y1: number; x2: number; y2: number }[]>();
  const shown = new Set<string>();
  const sorted = [...candidates].sort((a, b) => b.priority - a.priority || (a.id < b.id ? -1 : 1));
  for (const c of sorted) {
    const box = { x1: c.x - c.width / 2 - GAP, y1: c.y - c.height / 2 - GAP, x2: c.x + c.width / 2 + GAP, y2: c.y + c.height / 2 + GAP };
    // Off screen: drawn (it costs nothing to keep) but takes no room from those on screen.
    if (viewport && (box.x2 < 0 || box.y2 < 0 || box.x1 > viewport.width || box.y1 > viewport.height)) {
      shown.add(c.id);
      continue;
    }
    const cells: string[] = [];
    for (let gx = Math.floor(box.x1 / cell); gx <= Math.floor(box.x2 / cell); gx++) for (let gy = Math.floor(box.y1 / cell); gy <= Math.floor(box.y2 / cell); gy++) cells.push(`${gx},${gy}`);
    const hit = cells.some((k) => (grid.get(k) ?? []).some((o) => o.x1 < box.x2 && box.x1 < o.x2 && o.y1 < box.y2 && box.y1 < o.y2));
    if (hit) continue;
    shown.add(c.id);
    for (const k of cells) {
      const l = grid.get(k);
      if (l) l.push(box);
      else grid.set(k, [box]);
    }
  }
  return shown;
}
