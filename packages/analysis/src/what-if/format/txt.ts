/** A what-if report as text, for a terminal or a CI log. */
import { isEmptyProtoPorts, type PairChange } from '@lateral/core';
import type { WhatIfReport } from '../what-if-report.js';
import { portsText, whatIfSummary, why } from './summary.js';

function summaryLine(r: WhatIfReport): string {
  const s = whatIfSummary(r);
  const parts = [
    `${s.newlyAllowed} connection${s.newlyAllowed === 1 ? '' : 's'} newly allowed`,
    `${s.newlyDenied} newly denied`,
    `${s.changed} with changed ports`,
    `${s.newExposure} new exposure${s.newExposure === 1 ? '' : 's'}`,
    `blast radius changed for ${s.blastRadiusChanged} workload${s.blastRadiusChanged === 1 ? '' : 's'}`,
    `${s.pathsOpened} path${s.pathsOpened === 1 ? '' : 's'} to crown jewels opened, ${s.pathsClosed} closed`,
  ];
  if (s.brokenFlows !== undefined) parts.push(`${s.brokenFlows} observed flow${s.brokenFlows === 1 ? '' : 's'} would break`);
  return parts.join(', ');
}

function changeLine(c: PairChange): string {
  const tag = c.change === 'allowed' ? 'ALLOWED' : c.change === 'denied' ? 'DENIED' : 'CHANGED';
  const delta =
    c.change === 'allowed'
      ? portsText(c.added)
      : c.change === 'denied'
        ? portsText(c.removed)
        : [isEmptyProtoPorts(c.added) ? '' : `+${portsText(c.added)}`, isEmptyProtoPorts(c.removed) ? '' : `-${portsText(c.removed)}`].filter(Boolean).join(' ');
  const w = why(c);
  return `${tag.padEnd(8)}${c.from} -> ${c.to}: ${delta}${w ? `\n          ${w}` : ''}`;
}

export function whatIfText(r: WhatIfReport): string {
  const lines = [`What-if (${r.label}): ${summaryLine(r)}`];
  const section = (title: string, body: string[]) => {
    if (body.length) lines.push('', `${title}:`, ...body.map((b) => `  ${b}`));
  };
  section('Connections', r.diff.changes.map(changeLine));
  section('New exposure', r.newExposure.map((c) => `${c.from} -> ${c.to}: ${portsText(c.added)}`));
  section(
    'Observed flows that would break',
    (r.brokenFlows ?? []).map((f) => `BROKEN  ${f.from} -> ${f.to} ${f.protocol} ${f.port} (${f.count} flows): denied by ${f.deniedBy.join(', ') || '-'}: ${f.reason}`),
  );
  section('Blast radius (workloads reached)', r.lateral.blastRadius.map((b) => `${b.id}: ${b.before ?? 'absent'} -> ${b.after ?? 'absent'}`));
  section('Paths from the internet to crown jewels', r.lateral.paths.map((p) => `${p.change.toUpperCase()}  ${p.path.join(' -> ')}`));
  if (r.diff.unexplained > 0) lines.push('', `(${r.diff.unexplained} changes listed without explanation: past the explanation limit)`);
  return lines.join('\n');
}
