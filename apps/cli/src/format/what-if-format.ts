/**
 * A what-if report as text (terminal, CI log), JSON (stable), CSV (one finding per row) and
 * Markdown (a pull-request comment: counts first, tables folded in <details>).
 */
import { formatProtoPorts, isEmptyProtoPorts, type LateralMovementDiff, type PairChange, type Protocol, type ProtoPorts, type ReachDiff } from '@lateral/core';

export interface BrokenFlow {
  readonly from: string;
  readonly to: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** Records observed. */
  readonly count: number;
  readonly lastSeen?: string;
  /** Policies (namespace/name) isolating the side that denies it after the change. */
  readonly deniedBy: readonly string[];
  readonly reason: string;
}

export interface WhatIfReport {
  readonly label: string;
  readonly diff: ReachDiff;
  readonly lateral: LateralMovementDiff;
  /** Changes that open ports into a workload from outside the cluster or another namespace. */
  readonly newExposure: readonly PairChange[];
  /** Absent without --flows. */
  readonly brokenFlows?: readonly BrokenFlow[];
  readonly failOn: readonly string[];
  readonly failed?: readonly string[];
}

const ports = (p: ProtoPorts) => (isEmptyProtoPorts(p) ? '-' : formatProtoPorts(p));

function summary(r: WhatIfReport) {
  const count = (c: string) => r.lateral.paths.filter((p) => p.change === c).length;
  return {
    newlyAllowed: r.diff.counts.allowed,
    newlyDenied: r.diff.counts.denied,
    changed: r.diff.counts.changed,
    newExposure: r.newExposure.length,
    blastRadiusChanged: r.lateral.blastRadius.length,
    pathsOpened: count('opened'),
    pathsShortened: count('shortened'),
    pathsClosed: count('closed'),
    ...(r.brokenFlows ? { brokenFlows: r.brokenFlows.length } : {}),
  };
}

function summaryLine(r: WhatIfReport): string {
  const s = summary(r);
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

function why(c: PairChange): string {
  const parts: string[] = [];
  if (c.allowedBy) parts.push(`allowed: ${c.allowedBy.join('; ')}`);
  if (c.deniedBy) parts.push(`denied: ${c.deniedBy.join('; ')}`);
  return parts.join(' | ');
}

function changeLine(c: PairChange): string {
  const tag = c.change === 'allowed' ? 'ALLOWED' : c.change === 'denied' ? 'DENIED' : 'CHANGED';
  const delta =
    c.change === 'allowed'
      ? ports(c.added)
      : c.change === 'denied'
        ? ports(c.removed)
        : [isEmptyProtoPorts(c.added) ? '' : `+${ports(c.added)}`, isEmptyProtoPorts(c.removed) ? '' : `-${ports(c.removed)}`].filter(Boolean).join(' ');
  const w = why(c);
  return `${tag.padEnd(8)}${c.from} -> ${c.to}: ${delta}${w ? `\n          ${w}` : ''}`;
}

const hops = (n: number | null) => (n === null ? 'none' : `${n} move${n === 1 ? '' : 's'}`);

function routeLine(p: LateralMovementDiff['paths'][number]): string {
  const moves = p.newMoves.length ? `; new: ${p.newMoves.map((m) => `${m.from} -> ${m.to}`).join(', ')}` : '';
  const route = p.path.length - 1 !== (p.change === 'closed' ? p.hopsBefore : p.hopsAfter) ? `; this route ${hops(p.path.length - 1)}` : '';
  return `${p.change.toUpperCase().padEnd(10)}${p.path.join(' -> ')} (via ${p.entryPoint} to ${p.to}: fewest moves before ${hops(p.hopsBefore)}, after ${hops(p.hopsAfter)}${route}${moves})`;
}

function text(r: WhatIfReport): string {
  const lines = [`What-if (${r.label}): ${summaryLine(r)}`];
  const section = (title: string, body: string[]) => {
    if (body.length) lines.push('', `${title}:`, ...body.map((b) => `  ${b}`));
  };
  section('Connections', r.diff.changes.map(changeLine));
  section('New exposure', r.newExposure.map((c) => `${c.from} -> ${c.to}: ${ports(c.added)}`));
  section(
    'Observed flows that would break',
    (r.brokenFlows ?? []).map((f) => `BROKEN  ${f.from} -> ${f.to} ${f.protocol} ${f.port} (${f.count} record${f.count === 1 ? '' : 's'}): denied by ${f.deniedBy.join(', ') || '-'}: ${f.reason}`),
  );
  section('Blast radius (workloads reached)', r.lateral.blastRadius.map((b) => `${b.id}: ${b.before ?? 'absent'} -> ${b.after ?? 'absent'}`));
  section('Routes from the internet to crown jewels (per entry point)', r.lateral.paths.map(routeLine));
  if (r.diff.unexplained > 0) lines.push('', `(${r.diff.unexplained} changes listed without explanation: past the explanation limit)`);
  return lines.join('\n');
}

function json(r: WhatIfReport): string {
  return JSON.stringify(
    {
      change: r.label,
      summary: summary(r),
      changes: r.diff.changes.map((c) => ({ ...c, before: c.before, after: c.after })),
      newExposure: r.newExposure.map((c) => ({ from: c.from, to: c.to, ports: c.added })),
      ...(r.brokenFlows ? { brokenFlows: r.brokenFlows } : {}),
      blastRadius: r.lateral.blastRadius,
      paths: r.lateral.paths,
      crownJewels: r.lateral.crownJewels,
      endpoints: r.diff.endpoints,
      scope: r.diff.scope,
      failOn: r.failOn,
      failed: r.failed ?? [],
    },
    null,
    2,
  );
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(r: WhatIfReport): string {
  const rows: string[][] = [['finding', 'from', 'to', 'before', 'after', 'added', 'removed', 'reason']];
  for (const c of r.diff.changes) rows.push([`newly-${c.change === 'changed' ? 'changed' : c.change}`, c.from, c.to, ports(c.before), ports(c.after), ports(c.added), ports(c.removed), why(c)]);
  for (const c of r.newExposure) rows.push(['new-exposure', c.from, c.to, ports(c.before), ports(c.after), ports(c.added), '-', '']);
  for (const f of r.brokenFlows ?? []) rows.push(['broken-flow', f.from, f.to, `${f.protocol} ${f.port}`, '-', '-', `${f.protocol} ${f.port}`, `${f.deniedBy.join(' ')}: ${f.reason}`]);
  for (const b of r.lateral.blastRadius) rows.push(['blast-radius', b.id, '', String(b.before ?? ''), String(b.after ?? ''), '', '', '']);
  for (const p of r.lateral.paths) rows.push([`path-${p.change}`, p.entryPoint, p.to, String(p.hopsBefore ?? ''), String(p.hopsAfter ?? ''), '', '', p.path.join(' -> ')]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\n');
}

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function md(r: WhatIfReport): string {
  const s = summary(r);
  const lines = [`### Lateral what-if: ${mdCell(r.label)}`, ''];
  if (r.failed?.length) lines.push(`:x: **--fail-on: ${r.failed.join(', ')}**`, '');
  lines.push(
    '| | count |',
    '| --- | ---: |',
    `| connections newly allowed | ${s.newlyAllowed} |`,
    `| connections newly denied | ${s.newlyDenied} |`,
    `| connections with changed ports | ${s.changed} |`,
    `| new exposure (from outside or another namespace) | ${s.newExposure} |`,
    ...(s.brokenFlows !== undefined ? [`| observed flows that would break | ${s.brokenFlows} |`] : []),
    `| workloads whose blast radius changed | ${s.blastRadiusChanged} |`,
    `| routes to crown jewels opened / shortened / closed | ${s.pathsOpened} / ${s.pathsShortened} / ${s.pathsClosed} |`,
    '',
  );
  const details = (title: string, head: string[], body: string[][], open = false) => {
    if (body.length === 0) return;
    lines.push(`<details${open ? ' open' : ''}><summary>${title} (${body.length})</summary>`, '');
    lines.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`);
    for (const b of body) lines.push(`| ${b.map(mdCell).join(' | ')} |`);
    lines.push('', '</details>', '');
  };
  details(
    'Observed flows that would break',
    ['from', 'to', 'port', 'records', 'denied by', 'why'],
    (r.brokenFlows ?? []).map((f) => [`\`${f.from}\``, `\`${f.to}\``, `${f.protocol} ${f.port}`, String(f.count), f.deniedBy.map((x) => `\`${x}\``).join(', '), f.reason]),
    true,
  );
  const byKind = (k: PairChange['change']) => r.diff.changes.filter((c) => c.change === k);
  details('Newly allowed', ['from', 'to', 'ports', 'allowed by'], byKind('allowed').map((c) => [`\`${c.from}\``, `\`${c.to}\``, ports(c.added), (c.allowedBy ?? []).join('; ')]));
  details('Newly denied', ['from', 'to', 'ports', 'denied by'], byKind('denied').map((c) => [`\`${c.from}\``, `\`${c.to}\``, ports(c.removed), (c.deniedBy ?? []).join('; ')]));
  details('Changed ports', ['from', 'to', 'added', 'removed', 'why'], byKind('changed').map((c) => [`\`${c.from}\``, `\`${c.to}\``, ports(c.added), ports(c.removed), why(c)]));
  details('Blast radius', ['workload', 'reached before', 'reached after'], r.lateral.blastRadius.map((b) => [`\`${b.id}\``, String(b.before ?? 'absent'), String(b.after ?? 'absent')]));
  details(
    'Routes from the internet to crown jewels',
    ['change', 'entry point', 'crown jewel', 'moves before → after', 'route'],
    r.lateral.paths.map((p) => [p.change, `\`${p.entryPoint}\``, `\`${p.to}\``, `${p.hopsBefore ?? '–'} → ${p.hopsAfter ?? '–'}`, p.path.map((x) => `\`${x}\``).join(' → ')]),
    true,
  );
  if (r.diff.changes.length === 0 && !r.brokenFlows?.length) lines.push('No connection changes.');
  return lines.join('\n');
}

export function formatWhatIf(r: WhatIfReport, format: 'txt' | 'json' | 'csv' | 'md'): string {
  switch (format) {
    case 'json':
      return json(r);
    case 'csv':
      return csv(r);
    case 'md':
      return md(r);
    default:
      return text(r);
  }
}
