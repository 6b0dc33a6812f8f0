/**
 * Truth tables, upstream's way (test/e2e/network/netpol/truthtable.go): rows are sources,
 * columns are destinations, `.` is allowed and `X` is denied. A node is a pod (`x/a`) or an
 * address outside the cluster (`203.0.113.5`).
 *
 * Two cells are not up to any policy and are always allowed: a pod to itself (upstream ignores
 * loopback; Lateral defines it as allowed) and an address to an address (no policy applies).
 */
import { NAMESPACES, POD_NAMES } from './to-model.js';

export type Cells = boolean[][];

export function isPodNode(node: string): boolean {
  return node.includes('/');
}

/** The cells no policy decides: the diagonal, and external to external. */
export function isUnpoliced(src: string, dst: string): boolean {
  return src === dst || (!isPodNode(src) && !isPodNode(dst));
}

/**
 * One side of a `src -> dst` pattern: `*` (every node), `*\/*` (every pod), `x/*`, `*\/a`,
 * `x/a`, or one of the step's external addresses written exactly as listed.
 */
function sidePredicate(side: string, nodes: readonly string[]): (node: string) => boolean {
  if (side === '*') return () => true;
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(side);
  if (m) {
    const [, ns, pod] = m as unknown as [string, string, string];
    if (ns !== '*' && !(NAMESPACES as readonly string[]).includes(ns)) throw new Error(`unknown namespace in "${side}"`);
    if (pod !== '*' && !(POD_NAMES as readonly string[]).includes(pod)) throw new Error(`unknown pod in "${side}"`);
    return (node) => {
      if (!isPodNode(node)) return false;
      const [nns, npod] = node.split('/');
      return (ns === '*' || ns === nns) && (pod === '*' || pod === npod);
    };
  }
  if (!nodes.includes(side)) throw new Error(`"${side}" is neither a pod pattern nor one of the step's externals`);
  return (node) => node === side;
}

function patternCells(pattern: string, nodes: readonly string[]): [number, number][] {
  const parts = pattern.split('->');
  if (parts.length !== 2) throw new Error(`expected "src -> dst", got "${pattern}"`);
  const from = sidePredicate(parts[0]!.trim(), nodes);
  const to = sidePredicate(parts[1]!.trim(), nodes);
  const out: [number, number][] = [];
  nodes.forEach((s, i) => nodes.forEach((d, j) => from(s) && to(d) && out.push([i, j])));
  return out;
}

/**
 * The compact notation: every cell starts at `default`, then every `deny` pattern sets its
 * cells denied, then every `allow` pattern sets its cells allowed (allow wins, as in
 * NetworkPolicy). Unpoliced cells stay allowed whatever the patterns say.
 */
export function cellsFromPatterns(
  nodes: readonly string[],
  defaultAllow: boolean,
  deny: readonly string[],
  allow: readonly string[],
): Cells {
  const cells = nodes.map(() => nodes.map(() => defaultAllow));
  for (const p of deny) for (const [i, j] of patternCells(p, nodes)) cells[i]![j] = false;
  for (const p of allow) for (const [i, j] of patternCells(p, nodes)) cells[i]![j] = true;
  nodes.forEach((s, i) => nodes.forEach((d, j) => isUnpoliced(s, d) && (cells[i]![j] = true)));
  return cells;
}

/**
 * The full notation: a header line of destination names, then one line per source: its name
 * and one `.` or `X` per column. Every node appears once as a row and once as a column, in
 * any order; unpoliced cells must be `.`.
 */
export function cellsFromTable(nodes: readonly string[], text: string): Cells {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const [header, ...rows] = lines;
  if (header === undefined) throw new Error('empty table');
  const columns = header.split(/\s+/);
  // The header may start with a corner marker such as `-` (upstream prints one).
  if (columns.length === nodes.length + 1) columns.shift();
  const sameSet = (names: string[]) => names.length === nodes.length && nodes.every((n) => names.includes(n));
  if (!sameSet(columns)) throw new Error(`table columns must be exactly: ${nodes.join(' ')}`);
  const cells = nodes.map(() => nodes.map(() => true));
  const seen: string[] = [];
  for (const row of rows) {
    const [src, ...marks] = row.split(/\s+/) as [string, ...string[]];
    const i = nodes.indexOf(src);
    if (i < 0 || seen.includes(src)) throw new Error(`table row "${src}": unknown or repeated source`);
    seen.push(src);
    if (marks.length !== columns.length) throw new Error(`table row "${src}": ${marks.length} cells for ${columns.length} columns`);
    marks.forEach((mark, k) => {
      if (mark !== '.' && mark !== 'X') throw new Error(`table row "${src}": cell "${mark}" is neither . nor X`);
      const dst = columns[k]!;
      if (isUnpoliced(src, dst) && mark !== '.') throw new Error(`table cell ${src} -> ${dst} is always allowed`);
      cells[i]![nodes.indexOf(dst)] = mark === '.';
    });
  }
  if (!sameSet(seen)) throw new Error(`table rows must be exactly: ${nodes.join(' ')}`);
  return cells;
}

/** Upstream's printout; `?` marks a cell that was not evaluated. */
export function formatCells(nodes: readonly string[], cells: readonly (readonly (boolean | undefined)[])[]): string {
  const rowWidth = Math.max(1, ...nodes.map((n) => n.length));
  const header = ['-'.padEnd(rowWidth), ...nodes].join(' ');
  const rows = nodes.map((src, i) =>
    [
      src.padEnd(rowWidth),
      ...nodes.map((dst, j) => {
        const v = cells[i]![j];
        return (v === undefined ? '?' : v ? '.' : 'X').padEnd(dst.length);
      }),
    ]
      .join(' ')
      .trimEnd(),
  );
  return [header, ...rows].join('\n');
}

/** `x/a -> y/b: expected allow, got deny` for every differing cell. */
export function differingCells(
  nodes: readonly string[],
  expected: Cells,
  actual: readonly (readonly (boolean | undefined)[])[],
): string[] {
  const out: string[] = [];
  const word = (v: boolean | undefined) => (v === undefined ? 'nothing' : v ? 'allow' : 'deny');
  nodes.forEach((s, i) =>
    nodes.forEach((d, j) => {
      if (expected[i]![j] !== actual[i]![j]) out.push(`${s} -> ${d}: expected ${word(expected[i]![j])}, got ${word(actual[i]![j])}`);
    }),
  );
  return out;
}
