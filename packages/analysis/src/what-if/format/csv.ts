/** A what-if report as CSV: one finding per row, for a spreadsheet or a script. */
import type { WhatIfReport } from '../what-if-report.js';
import { portsText, why } from './summary.js';

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function whatIfCsv(r: WhatIfReport): string {
  const rows: string[][] = [['finding', 'from', 'to', 'before', 'after', 'added', 'removed', 'reason']];
  for (const c of r.diff.changes) rows.push([`newly-${c.change}`, c.from, c.to, portsText(c.before), portsText(c.after), portsText(c.added), portsText(c.removed), why(c)]);
  for (const c of r.newExposure) rows.push(['new-exposure', c.from, c.to, portsText(c.before), portsText(c.after), portsText(c.added), '-', '']);
  for (const f of r.brokenFlows ?? []) rows.push(['broken-flow', f.from, f.to, `${f.protocol} ${f.port}`, '-', '-', `${f.protocol} ${f.port}`, `${f.deniedBy.join(' ')}: ${f.reason}`]);
  for (const b of r.lateral.blastRadius) rows.push(['blast-radius', b.id, '', String(b.before ?? ''), String(b.after ?? ''), '', '', '']);
  for (const p of r.lateral.paths) rows.push([`path-${p.change}`, p.entryPoint, p.to, String(p.hopsBefore ?? ''), String(p.hopsAfter ?? ''), '', '', p.path.join(' -> ')]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\n');
}
