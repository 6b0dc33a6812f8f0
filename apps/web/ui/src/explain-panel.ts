/**
 * The side panel: why an edge or a matrix cell is what it is — the engine's explanation, per
 * side, with the policy and rule that allow it or the near misses that did not.
 */
import { getJson } from './api.js';
import { clear, h } from './dom.js';
import type { PairExplanation, Side } from './types.js';

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

function sideBlock(label: string, s: Side): HTMLElement {
  const items: HTMLElement[] = [];
  if (!s.isolated) items.push(h('li', {}, s.reason));
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
      h('p', { class: `verdict ${e.allowed ? 'allow' : 'deny'}` }, `${e.protocol} ${e.port}: ${e.allowed ? 'ALLOWED' : 'DENIED'}`),
      sideBlock('egress', e.egress),
      sideBlock('ingress', e.ingress),
      e.denyingSides.length ? h('p', { class: 'deny' }, `denied by: ${e.denyingSides.join(', ')}`) : '',
      h('details', {}, h('summary', {}, 'as lateral explain prints it'), h('pre', {}, x.text)),
    );
  } catch (err) {
    showPanel(`${from} → ${to}`, h('p', { class: 'error' }, (err as Error).message));
  }
}
