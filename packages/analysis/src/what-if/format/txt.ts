/** A what-if report as text, for a terminal or a CI log. */
import { isEmptyProtoPorts, type LateralMovementDiff, type PairChange } from '@lateral/core';
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
    `${s.pathsOpened} route${s.pathsOpened === 1 ? '' : 's'} to crown jewels opened, ${s.pathsShortened} shortened, ${s.pathsClosed} closed`,
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

const hops = (n: number | null) => (n === null ? 'none' : `${n} move${n === 1 ? '' : 's'}`);

function routeLine(p: LateralMovementDiff['paths'][number]): string {
  const moves = p.newMoves.length ? `; new: ${p.newMoves.map((m) => `${m.from} -> ${m.to}`).join(', ')}` : '';
  const route = p.path.length - 1 !== (p.change === 'closed' ? p.hopsBefore : p.hopsAfter) ? `; this route ${hops(p.path.length - 1)}` : '';
  return `${p.change.toUpperCase().padEnd(10)}${p.path.join(' -> ')} (via ${p.entryPoint} to ${p.to}: fewest moves before ${hops(p.hopsBefore)}, after ${hops(p.hopsAfter)}${route}${moves})`;
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
    (r.brokenFlows ?? []).map((f) => `BROKEN  ${f.from} -> ${f.to} ${f.protocol} ${f.port} (${f.count} record${f.count === 1 ? '' : 's'}): denied by ${f.deniedBy.join(', ') || '-'}: ${f.reason}`),
  );
  section('Blast radius (workloads reached)', r.lateral.blastRadius.map((b) => `${b.id}: ${b.before ?? 'absent'} -> ${b.after ?? 'absent'}`));
  section('Routes from the internet to crown jewels (per entry point)', r.lateral.paths.map(routeLine));
  if (r.diff.unexplained > 0) lines.push('', `(${r.diff.unexplained} changes listed without explanation: past the explanation limit)`);
  return lines.join('\n');
}
