import { formatProtoPorts, isWorkloadEndpoint, type Connection, type ProtoPorts, type WorkloadReachability } from '@lateral/core';

export type ReachFormat = 'txt' | 'json' | 'csv' | 'md' | 'dot';
export const REACH_FORMATS: readonly ReachFormat[] = ['txt', 'json', 'csv', 'md', 'dot'];

function portsText(c: Connection): string {
  const certain = c.all ? 'All' : formatProtoPorts(c.ports as ProtoPorts);
  // Ports a domainNames rule may allow: neither allowed nor denied (docs/tiers.md).
  if (!c.unknown) return certain;
  const unknown = `unknown: ${formatProtoPorts(c.unknown as ProtoPorts)}`;
  return certain ? `${certain} (${unknown})` : unknown;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The stable JSON contract documented in the README: endpoints and connections, nothing else,
 * laid out as the README shows it — one endpoint or connection per line. In pieces of many
 * lines: all pairs of a large cluster is tens of megabytes, written as it is made rather than
 * held as one string (and indenting every field of 300,000 connections tripled the size).
 */
export function* reachJsonPieces(r: WorkloadReachability, warnings: readonly string[] = [], linesPerPiece = 4096): Generator<string> {
  yield '{\n  "endpoints": [';
  yield* listPieces(r.endpoints, linesPerPiece);
  yield '],\n  "connections": [';
  yield* listPieces(r.connections, linesPerPiece, connectionJson());
  yield `],\n  "warnings": ${JSON.stringify(warnings)}\n}\n`;
}

function* listPieces<T>(items: readonly T[], linesPerPiece: number, json: (item: T) => string = JSON.stringify): Generator<string> {
  for (let start = 0; start < items.length; start += linesPerPiece) {
    let piece = '';
    const end = Math.min(items.length, start + linesPerPiece);
    for (let i = start; i < end; i++) piece += `${i === 0 ? '' : ','}\n    ${json(items[i]!)}`;
    yield end === items.length ? `${piece}\n  ` : piece;
  }
}

/**
 * JSON.stringify of a connection, byte for byte, with each port set's text made once: the
 * connections of one class pair share their port objects (workloadReachability), and all pairs
 * of a large cluster repeats a few hundred sets over hundreds of thousands of connections.
 * A connection with other fields than these (in this order) goes to JSON.stringify whole.
 */
function connectionJson(): (c: Connection) => string {
  const portsText = new Map<object, string>();
  const cached = (p: object) => {
    let t = portsText.get(p);
    if (t === undefined) portsText.set(p, (t = JSON.stringify(p)));
    return t;
  };
  return (c) => {
    const keys = Object.keys(c);
    const unknown = keys.length === 5 && keys[4] === 'unknown';
    if (
      !(keys.length === 4 || unknown) || keys[0] !== 'from' || keys[1] !== 'to' || keys[2] !== 'all' || keys[3] !== 'ports' ||
      typeof c.all !== 'boolean' || typeof c.from !== 'string' || typeof c.to !== 'string'
    ) {
      return JSON.stringify(c);
    }
    return `{"from":${JSON.stringify(c.from)},"to":${JSON.stringify(c.to)},"all":${c.all},"ports":${cached(c.ports)}${unknown ? `,"unknown":${cached(c.unknown!)}` : ''}}`;
  };
}

export function reachJson(r: WorkloadReachability): string {
  return [...reachJsonPieces(r)].join('');
}

export function formatReach(r: WorkloadReachability, format: ReachFormat): string {
  switch (format) {
    case 'json':
      return reachJson(r);
    case 'txt':
      return r.connections.map((c) => `${c.from} => ${c.to} : ${portsText(c)}`).join('\n');
    case 'csv':
      return ['from,to,ports', ...r.connections.map((c) => [c.from, c.to, portsText(c)].map(csvCell).join(','))].join('\n');
    case 'md': {
      const rows = r.connections.map((c) => `| ${mdCell(c.from)} | ${mdCell(c.to)} | ${mdCell(portsText(c))} |`);
      return [
        `**${r.connections.length}** allowed connection${r.connections.length === 1 ? '' : 's'} between **${r.endpoints.length}** endpoints`,
        '',
        '| from | to | ports |',
        '| --- | --- | --- |',
        ...rows,
      ].join('\n');
    }
    case 'dot': {
      const lines = ['digraph reachability {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
      const byNs = new Map<string, string[]>();
      for (const e of r.endpoints) {
        const ns = isWorkloadEndpoint(e) ? e.namespace : '';
        const list = byNs.get(ns) ?? [];
        list.push(e.id);
        byNs.set(ns, list);
      }
      let k = 0;
      for (const [ns, ids] of [...byNs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (ns === '') {
          for (const id of ids) lines.push(`  ${dotId(id)} [shape=ellipse];`);
          continue;
        }
        lines.push(`  subgraph cluster_${k++} {`, `    label=${dotId(ns)};`);
        for (const id of ids) lines.push(`    ${dotId(id)};`);
        lines.push('  }');
      }
      for (const c of r.connections) lines.push(`  ${dotId(c.from)} -> ${dotId(c.to)} [label=${dotId(portsText(c))}];`);
      lines.push('}');
      return lines.join('\n');
    }
  }
}
