/** A what-if report as Markdown for a pull-request comment: counts first, tables folded in <details>. */
import type { PairChange } from '@lateral/core';
import type { WhatIfReport } from '../what-if-report.js';
import { portsText, whatIfSummary, why } from './summary.js';

function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function whatIfMarkdown(r: WhatIfReport): string {
  const s = whatIfSummary(r);
  const lines = [`### Lateral what-if: ${mdCell(r.label)}`, ''];
  if (r.failed.length) lines.push(`:x: **--fail-on: ${r.failed.join(', ')}**`, '');
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
  details('Newly allowed', ['from', 'to', 'ports', 'allowed by'], byKind('allowed').map((c) => [`\`${c.from}\``, `\`${c.to}\``, portsText(c.added), (c.allowedBy ?? []).join('; ')]));
  details('Newly denied', ['from', 'to', 'ports', 'denied by'], byKind('denied').map((c) => [`\`${c.from}\``, `\`${c.to}\``, portsText(c.removed), (c.deniedBy ?? []).join('; ')]));
  details('Changed ports', ['from', 'to', 'added', 'removed', 'why'], byKind('changed').map((c) => [`\`${c.from}\``, `\`${c.to}\``, portsText(c.added), portsText(c.removed), why(c)]));
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
