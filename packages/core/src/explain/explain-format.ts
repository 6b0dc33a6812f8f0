/**
 * An Explanation as the few lines a person reads in a terminal or a CI log. The JSON shape is
 * the Explanation itself; this is only its human rendering, so it adds no facts of its own.
 */
import type { Explanation, RuleRef, SideExplanation } from './explain.js';
import { formatTierChain, tierRuleName } from './explain-tiers.js';

export function formatExplanation(e: Explanation): string {
  const verdict = e.verdict === 'unknown' ? 'UNKNOWN' : e.allowed ? 'ALLOWED' : 'DENIED';
  const self = e.selfConnection ? ' (a pod may always connect to itself)' : '';
  const lines = [`${e.src} -> ${e.dst} ${e.protocol} ${e.port}: ${verdict}${self}`];
  // "egress " is padded to the width of "ingress" so both sides line up.
  lines.push(...formatSide('egress ', e.egress, e.selfConnection));
  lines.push(...formatSide('ingress', e.ingress, e.selfConnection));
  if (e.denyingSides.length > 0) {
    const sides = e.denyingSides.map((d) => `${d} of ${d === 'egress' ? e.src : e.dst}`);
    lines.push(`  denied by: ${sides.join(', ')}`);
  }
  for (const n of e.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function formatSide(label: string, s: SideExplanation, selfConnection: boolean): string[] {
  if (s.tiers) {
    const t = s.tiers;
    const lines = [`  ${label} of ${s.endpoint}: ${formatTierChain(t.chain)}`];
    if (t.unknown) lines.push(`    unknown: ${t.unknown}`);
    if (t.chain.some((step) => step.tier === 'NetworkPolicy')) {
      for (const r of s.allowedBy) lines.push(`    allowed by ${ruleName(r)}: ${r.detail}`);
      if (t.denied || t.unknown) for (const r of s.nearMisses) lines.push(`    near miss: ${ruleName(r)} ${r.detail}`);
    }
    for (const m of t.nearMisses) {
      // Cilium and Calico rules are named by their list and index (`cnp shop/api ingress[0]`, `gnp/db ingress[1]`).
      const byIndex = m.tier === 'Cilium' || m.tier.startsWith('calico tier ');
      const rule = byIndex ? `${m.policy} ${m.direction}[${m.rule}]` : `${tierRuleName(m.direction, m.rule, m.ruleName)} of ${m.policy}`;
      lines.push(`    near miss (${m.tier}): ${rule} (${m.action}) ${m.detail}`);
    }
    return lines;
  }
  if (!s.isolated) return [`  ${label} of ${s.endpoint}: ${s.reason}`];
  const lines = [`  ${label} of ${s.endpoint}: isolated by ${s.isolatingPolicies.join(', ')}`];
  for (const r of s.allowedBy) lines.push(`    allowed by ${ruleName(r)}: ${r.detail}`);
  if (s.allowedBy.length === 0) {
    lines.push(selfConnection ? '    no rule allows it, but a pod may always connect to itself' : '    no rule allows it');
  }
  for (const r of s.nearMisses) lines.push(`    near miss: ${ruleName(r)} ${r.detail}`);
  return lines;
}

function ruleName(r: RuleRef): string {
  return `${r.direction} rule ${r.rule} of ${r.policy}`;
}
