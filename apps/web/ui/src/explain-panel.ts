/**
 * The side panel: why an edge or a matrix cell is what it is — the engine's explanation, per
 * side, with the policy and rule that allow it or the near misses that did not.
 */
import { getJson } from './api.js';
import { clear, h } from './dom.js';
import { cniNearMissText, cniStepText } from './cni.js';
import type { PairExplanation, Side } from './types.js';

type TierStep = NonNullable<Side['tiers']>['chain'][number];

const panel = () => document.getElementById('side-panel')!;

export function showPanel(title: string, ...body: (Node | string)[]): void {
  const p = panel();
  clear(p);
  p.append(h('div', { class: 'panel-head' }, h('h2', {}, title), h('button', { type: 'button', class: 'close', title: 'Close', onclick: () => hidePanel() }, '×')), ...body);
  p.classList.add('open');
}

export function hidePanel(): void {
  panel().classList.remove('open');
}

/** `Admin: Pass (cnp/dev-pass, ingress rule "pass-dev")`, as core's formatTierStep writes it. */
function stepText(st: TierStep): string {
  if (st.tier === 'default') return 'no tier decided: allowed by default';
  const cni = cniStepText(st);
  if (cni) return cni;
  const rule = st.rule === undefined || !st.direction ? '' : st.tier === 'NetworkPolicy' ? `, rule ${st.rule}` : `, ${st.direction} rule ${st.ruleName ? `"${st.ruleName}"` : st.rule}`;
  return `${st.tier}: ${st.action} (${st.policy ?? ''}${rule})`;
}

function sideBlock(label: string, s: Side): HTMLElement {
  const items: HTMLElement[] = [];
  if (s.tiers) {
    // Cluster-wide tiers: the chain across them (Admin → NetworkPolicy → Baseline), each link naming its tier.
    const chain = h('ol', { class: 'tier-chain' }, ...s.tiers.chain.map((st) => h('li', { class: `tier tier-${st.tier.toLowerCase()} ${st.action === 'Deny' ? 'deny' : st.action === 'Allow' ? 'allow' : ''}` }, h('span', { class: 'tier-name' }, st.tier === 'default' || st.tier === 'Cilium' || st.tier.startsWith('calico tier ') ? st.tier : `${st.tier} tier`), ` ${stepText(st)}`, st.detail ? h('div', { class: 'muted' }, st.detail) : '')));
    items.push(h('li', {}, 'decided across the tiers:', chain));
    if (s.tiers.unknown) items.push(h('li', { class: 'near' }, `unknown: ${s.tiers.unknown}`));
    if (s.tiers.chain.some((st) => st.tier === 'NetworkPolicy')) {
      for (const r of s.allowedBy) items.push(h('li', { class: 'allow' }, `allowed by ${r.direction} rule ${r.rule} of `, h('code', {}, r.policy), `: ${r.detail}`));
      for (const r of s.nearMisses) items.push(h('li', { class: 'near' }, `near miss: ${r.direction} rule ${r.rule} of `, h('code', {}, r.policy), ` ${r.detail}`));
    }
    for (const m of s.tiers.nearMisses) {
      const cni = cniNearMissText(m);
      items.push(cni ? h('li', { class: 'near' }, cni) : h('li', { class: 'near' }, `near miss (${m.tier} tier): ${m.direction} rule ${m.ruleName ? `"${m.ruleName}"` : m.rule} of `, h('code', {}, m.policy), ` (${m.action}) ${m.detail}`));
    }
  } else if (!s.isolated) items.push(h('li', {}, s.reason));
  else {
    items.push(h('li', {}, `isolated by ${s.isolatingPolicies.join(', ')}`));
    for (const r of s.allowedBy) items.push(h('li', { class: 'allow' }, `allowed by ${r.direction} rule ${r.rule} of `, h('code', {}, r.policy), `: ${r.detail}`));
    if (s.allowedBy.length === 0) items.push(h('li', { class: 'deny' }, 'no rule allows it'));
    for (const r of s.nearMisses) items.push(h('li', { class: 'near' }, `near miss: ${r.direction} rule ${r.rule} of `, h('code', {}, r.policy), ` ${r.detail}`));
  }
  return h('div', { class: 'side' }, h('h3', {}, `${label} of ${s.endpoint}`), h('ul', {}, ...items));
}

export async function explain(from: string, to: string, port?: number, protocol?: string): Promise<void> {
  showPanel(`${from} → ${to}`, h('p', { class: 'muted' }, 'explaining…'));
  try {
    const x = await getJson<PairExplanation>('explain', { from, to, port, protocol });
    const e = x.explanation;
    // With cluster-wide tiers the engine gives a third verdict, unknown (a domainNames rule it cannot decide from manifests).
    const verdict = (e as { verdict?: string }).verdict ?? (e.allowed ? 'allowed' : 'denied');
    const portForm = h('form', { class: 'inline' });
    const portInput = h('input', { type: 'number', min: '1', max: '65535', value: String(e.port), 'aria-label': 'port' });
    const protoSel = h('select', { 'aria-label': 'protocol' }, ...['TCP', 'UDP', 'SCTP'].map((p) => h('option', { value: p, ...(p === e.protocol ? { selected: true } : {}) }, p)));
    portForm.append('port ', protoSel, portInput, h('button', { type: 'submit' }, 'explain'));
    portForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void explain(from, to, Number(portInput.value), protoSel.value);
    });
    showPanel(
      `${from} → ${to}`,
      h('p', {}, 'allowed between them: ', h('strong', { class: 'allowed-ports' }, x.allowedPorts)),
      portForm,
      h('p', { class: `verdict ${verdict === 'allowed' ? 'allow' : verdict === 'denied' ? 'deny' : 'near'}` }, `${e.protocol} ${e.port}: ${verdict.toUpperCase()}`),
      sideBlock('egress', e.egress),
      sideBlock('ingress', e.ingress),
      e.denyingSides.length ? h('p', { class: 'deny' }, `denied by: ${e.denyingSides.join(', ')}`) : '',
      h('details', {}, h('summary', {}, 'as lateral explain prints it'), h('pre', {}, x.text)),
    );
  } catch (err) {
    showPanel(`${from} → ${to}`, h('p', { class: 'error' }, (err as Error).message));
  }
}
