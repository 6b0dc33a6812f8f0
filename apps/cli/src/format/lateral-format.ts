/** Text and Markdown renderings of blast radius, attack paths and risk findings. */
import { formatAttackPort, type AttackMetrics, type AttackPath, type AttackPort, type BlastRadius, type RiskReport } from '@lateral/core';

function portsText(ports: readonly AttackPort[]): string {
  const seen = [...new Set(ports.map(formatAttackPort))];
  return seen.join(', ');
}

export function metricsLine(m: AttackMetrics): string {
  const paths = `${m.paths.capped ? '≥ ' : ''}${m.paths.count.toLocaleString('en-US')} path${m.paths.count === 1 ? '' : 's'} to crown jewels within ${m.paths.hopLimit} hops`;
  const jewels =
    m.crownJewels === 0
      ? 'no crown jewels (use --target or the lateral.dev/crown-jewel annotation)'
      : `${m.crownJewelsReached} of ${m.crownJewels} crown jewel${m.crownJewels === 1 ? '' : 's'} reached` +
        (m.minHopsToCrownJewel !== null ? `, the first in ${m.minHopsToCrownJewel} hop${m.minHopsToCrownJewel === 1 ? '' : 's'}` : '');
  const extra = [
    m.nodesReached ? `${m.nodesReached} node${m.nodesReached === 1 ? '' : 's'}` : '',
    m.identitiesReached ? `${m.identitiesReached} identit${m.identitiesReached === 1 ? 'y' : 'ies'}` : '',
  ].filter(Boolean);
  return `reached ${m.reached} of ${m.workloads} workload${m.workloads === 1 ? '' : 's'} (${m.reachedPercent}%)${extra.length ? ` and ${extra.join(' and ')}` : ''}; ${jewels}; ${paths}`;
}

export function formatBlast(b: BlastRadius, format: 'txt' | 'md'): string {
  const lines: string[] = [];
  const md = format === 'md';
  lines.push(md ? `### Blast radius from \`${b.from}\`` : `blast radius from ${b.from}${b.maxHops !== null ? ` (up to ${b.maxHops} hop${b.maxHops === 1 ? '' : 's'})` : ''}`);
  lines.push(md ? '' : '');
  const maxHop = b.reached.reduce((m, r) => Math.max(m, r.hops), 0);
  for (let h = 1; h <= maxHop; h++) {
    const at = b.reached.filter((r) => r.hops === h);
    if (md) {
      lines.push(`**${h} hop${h === 1 ? '' : 's'}** (${at.length})`, '', '| reached | via | ports |', '|---|---|---|');
      for (const r of at) lines.push(`| ${r.crownJewel ? '👑 ' : ''}\`${r.id}\` | ${r.via.map((v) => `\`${v.from}\``).join(', ')} | ${portsText(r.via.flatMap((v) => v.ports)) || r.via[0]?.category || ''} |`);
      lines.push('');
    } else {
      lines.push(`hop ${h} (${at.length}):`);
      for (const r of at) {
        const more = r.viaCount > r.via.length ? `; and ${r.viaCount - r.via.length} more (ports ${portsText(r.ports)})` : '';
        const via = r.via.map((v) => `${v.from}${v.category !== 'network' ? ` (${v.category})` : v.ports.length ? ` on ${portsText(v.ports)}` : ''}`).join('; ') + more;
        lines.push(`  ${r.crownJewel ? '* ' : '  '}${r.id}  <- ${via}`);
      }
    }
  }
  if (b.reached.length === 0) lines.push(md ? '_Nothing is reachable._' : '  nothing is reachable');
  if (b.crownJewelsReached.length > 0) {
    lines.push(md ? '' : '', `crown jewels reached (*): ${b.crownJewelsReached.map((c) => `${c.id} in ${c.hops}`).join(', ')}`);
  }
  lines.push('', metricsLine(b.metrics));
  return lines.join('\n');
}

export function formatPath(p: AttackPath, i: number, md: boolean): string {
  const lines = [md ? `${i + 1}. **${p.hops.length} hops**: ${p.nodes.map((n) => `\`${n}\``).join(' → ')}` : `path ${i + 1} (${p.hops.length} hop${p.hops.length === 1 ? '' : 's'}): ${p.nodes.join(' -> ')}`];
  for (const h of p.hops) {
    const ports = h.ports.length ? ` on ${portsText(h.ports)}` : '';
    lines.push(`${md ? '   - ' : '  '}${h.from} -> ${h.to} [${h.kind}${ports}]: ${h.because.join('; ')}`);
  }
  return lines.join('\n');
}

export function formatPaths(from: string, jewels: readonly string[], paths: readonly AttackPath[], m: AttackMetrics, format: 'txt' | 'md'): string {
  const md = format === 'md';
  const head = md ? `### Attack paths from \`${from}\` to ${jewels.map((j) => `\`${j}\``).join(', ')}` : `attack paths from ${from} to ${jewels.join(', ')}`;
  const body = paths.length ? paths.map((p, i) => formatPath(p, i, md)).join('\n\n') : md ? '_No path._' : 'no path: the crown jewels are out of reach';
  return [head, '', body, '', metricsLine(m)].join('\n');
}

export function formatRisk(r: RiskReport, yamlOf: (i: number) => string, format: 'txt' | 'md'): string {
  const md = format === 'md';
  const h = (t: string) => (md ? `### ${t}` : `== ${t}`);
  const item = (t: string) => (md ? `- ${t}` : `  ${t}`);
  const out: string[] = [];
  out.push(md ? '## Lateral movement risk' : `lateral movement risk: ${r.workloads} workload${r.workloads === 1 ? '' : 's'}; crown jewels: ${r.crownJewels.join(', ') || 'none (use --target or the lateral.dev/crown-jewel annotation)'}`);
  if (md) out.push('', `Crown jewels: ${r.crownJewels.map((j) => `\`${j}\``).join(', ') || 'none'}`);
  out.push('', `from the internet: ${metricsLine(r.metrics)}`);
  if (r.dominatingEscapes.length > 0) {
    out.push('', h('top finding'));
    for (const d of r.dominatingEscapes) {
      out.push(
        item(
          `${d.id} ${d.because.replace(/^escapes to the node/, 'escapes to its node')}; ${d.reachedBy} workload${d.reachedBy === 1 ? '' : 's'} reach it, so ${d.saturatedWith} reach every other workload (${d.saturatedWithout} without it)`,
        ),
      );
      out.push(item(`  fix first${d.deprivilege.verified ? ' (verified on the changed cluster)' : ' (NOT verified)'}: ${d.deprivilege.changes.join('; ')}`));
    }
    out.push(item(`the rankings below set ${r.dominatingEscapes.length === 1 ? 'it' : 'them'} aside`));
  }

  out.push('', h('entry points (internet -> workload)'));
  if (r.entryPoints.length === 0) out.push(item('none: nothing is exposed'));
  for (const e of r.entryPoints) {
    const via = [...new Set(e.exposures.map((x) => `${x.via} ${x.protocol} ${x.port}`))].join('; ');
    out.push(item(`${e.id} (${via})${e.pathToCrownJewel ? ` reaches crown jewel ${e.pathToCrownJewel.nodes[e.pathToCrownJewel.nodes.length - 1]} in ${e.pathToCrownJewel.hops.length} hops: ${e.pathToCrownJewel.nodes.join(' -> ')}` : ''}`));
  }

  out.push('', h('choke points'));
  const cp = r.chokePoints;
  if (r.crownJewels.length === 0) out.push(item('no crown jewels given'));
  else if (!cp.connected) out.push(item('no path from the entry points to the crown jewels'));
  else if (!cp.cuttable) out.push(item('no set of connections cuts every path: some path uses only entry and escalation moves, which no NetworkPolicy removes'));
  else {
    out.push(item(`closing these ${cp.cut.length} move${cp.cut.length === 1 ? '' : 's'} (connections, a workload's use of its token, or an RBAC grant) cuts every path from the internet to the crown jewels:`));
    cp.cut.forEach((c) => out.push(item(c.grant ? `  ${c.from}: the grant ${c.grant} (${c.moves ?? 1} move${(c.moves ?? 1) === 1 ? '' : 's'}, e.g. -> ${c.to})` : `  ${c.from} -> ${c.to}`)));
    if (cp.removals.length > 0) {
      const n = cp.objectsChanged.length;
      out.push(item(`the ${cp.removals.length} change${cp.removals.length === 1 ? '' : 's'} proposed below edit ${n} object${n === 1 ? '' : 's'}: ${cp.objectsChanged.join(', ')}`));
    }
    cp.removals.forEach((rm, i) => {
      const kind = rm.change === 'ClusterNetworkPolicy' ? 'an Admin-tier ClusterNetworkPolicy' : rm.change === 'NetworkPolicy' ? 'a NetworkPolicy change' : rm.change === 'RBAC' ? 'an RBAC change' : 'a token change';
      out.push('', item(`close ${rm.from} -> ${rm.to} with ${kind}${rm.verified ? ' (verified by recompiling)' : ' (NOT verified: see below)'}:`));
      if (rm.why) out.push(item(`  why: ${rm.why}`));
      if (rm.problem) out.push(item(`  ${rm.problem}`));
      for (const c of rm.changes) out.push(item(`  ${c}`));
      if (rm.alsoBlocks.length) out.push(item(`  also blocks: ${rm.alsoBlocks.map((a) => `${a.from} -> ${a.to} (${portsText(a.ports)})`).join('; ')}`));
      else out.push(item('  blocks nothing else'));
      if (rm.breaksObserved) {
        out.push(
          item(
            rm.breaksObserved.length === 0
              ? '  breaks no observed connection'
              : `  BREAKS ${rm.breaksObserved.length} observed connection${rm.breaksObserved.length === 1 ? '' : 's'}: ${rm.breaksObserved.map((o) => `${o.from} -> ${o.to} ${o.protocol} ${o.port} (${o.count} record${o.count === 1 ? '' : 's'})`).join('; ')}`,
          ),
        );
      }
      const y = yamlOf(i);
      if (y) out.push(md ? `\n\`\`\`yaml\n${y.trimEnd()}\n\`\`\`` : y.trimEnd().split('\n').map((l) => `      ${l}`).join('\n'));
    });
  }

  out.push('', h('escapes to the node'));
  if (r.escapes.length === 0) out.push(item('none'));
  for (const e of r.escapes) {
    const on = e.placement === 'unknown' ? 'an unknown node' : e.placement === 'every node' ? 'every node' : `node${e.placement.includes(',') ? 's' : ''} ${e.placement}`;
    out.push(item(`${e.id}: ${e.reasons.join(', ')}; on ${on}; reached by ${e.reachedBy} workload${e.reachedBy === 1 ? '' : 's'}${e.reachableFromInternet ? '; reachable from the internet' : ''}`));
  }

  out.push('', h('service-account tokens (identity moves)'));
  if (r.tokens.length === 0) out.push(item('none: no mounted token has a move RBAC allows (or the input has no RBAC)'));
  for (const t of r.tokens) {
    const leads = `${t.reaches} workload${t.reaches === 1 ? '' : 's'}`;
    out.push(item(`${t.id}: ServiceAccount ${t.serviceAccount}; ${t.usable ? `usable, leads to ${leads}` : `NOT usable (its egress does not reach the API server); would lead to ${leads}`}${t.reachableFromInternet ? '; reachable from the internet' : ''}`));
  }

  out.push('', h('unprotected workloads'));
  if (r.unprotected.length === 0) out.push(item('none'));
  for (const u of r.unprotected) {
    const missing = [!u.ingressIsolated ? 'ingress' : '', !u.egressIsolated ? 'egress' : ''].filter(Boolean).join(' and ');
    out.push(item(`${u.id}: no ${missing} isolation`));
  }

  out.push('', h('largest blast radius (reaches, in any number of hops)'));
  for (const w of r.byBlastRadius) out.push(item(`${w.id}: ${w.count} workload${w.count === 1 ? '' : 's'} (${w.percent}%)`));
  out.push('', h('most exposed (reached by)'));
  for (const w of r.byExposure) out.push(item(`${w.id}: ${w.count} workload${w.count === 1 ? '' : 's'} (${w.percent}%)`));
  return out.join('\n');
}
