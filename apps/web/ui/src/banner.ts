/**
 * The warnings banner: one line with counts by kind ("300 workloads split by policy, 1 policy
 * kind not evaluated"), the full list on demand, and a dismiss button. Dismissal lasts for this
 * state of the cluster (the same label and warnings) in this tab; a changed cluster shows again.
 */
import { clear, h } from './dom.js';

/** Rendered at most in the details list; the rest are counted. */
export const DETAIL_LIMIT = 500;

interface Kind {
  readonly test: RegExp;
  readonly one: string;
  readonly many: string;
}

const KINDS: readonly Kind[] = [
  { test: /: policy treats its \d+ pods? as \d+ groups/, one: 'workload split by policy', many: 'workloads split by policy' },
  { test: /^not evaluated: /, one: 'policy kinds not evaluated', many: 'policy kinds not evaluated' },
];

/** Counts per kind of warning, in a fixed order, "other" last. */
export function warningCounts(warnings: readonly string[]): { text: string; count: number }[] {
  const counts = KINDS.map(() => 0);
  let other = 0;
  for (const w of warnings) {
    const k = KINDS.findIndex((kind) => kind.test.test(w));
    if (k < 0) other++;
    else counts[k]!++;
  }
  const out = KINDS.flatMap((k, i) => (counts[i]! > 0 ? [{ count: counts[i]!, text: counts[i] === 1 ? k.one : k.many }] : []));
  if (other > 0) out.push({ count: other, text: other === 1 ? 'other warning' : 'other warnings' });
  return out;
}

function dismissKey(label: string, warnings: readonly string[]): string {
  let hash = 0;
  for (const w of warnings) for (let i = 0; i < w.length; i++) hash = (hash * 31 + w.charCodeAt(i)) | 0;
  return `lateral-dismissed:${label}:${warnings.length}:${hash}`;
}

/** Fills the banner element with the warnings (or hides it when there are none or they were dismissed). */
export function showWarnings(banner: HTMLElement, label: string, warnings: readonly string[]): void {
  clear(banner);
  banner.classList.remove('warning');
  banner.hidden = true;
  if (warnings.length === 0) return;
  const key = dismissKey(label, warnings);
  if (sessionStorage.getItem(key) === '1') return;
  const counts = warningCounts(warnings);
  const details = h('details', { id: 'warning-details' });
  const summary = h(
    'summary',
    {},
    h('strong', {}, `${warnings.length} warning${warnings.length === 1 ? '' : 's'}`),
    `: ${counts.map((c) => `${c.count} ${c.text}`).join(', ')}`,
    h('span', { class: 'muted' }, ' (details)'),
  );
  const list = h('ul', { class: 'warning-list' });
  // Built on first open: a list of thousands costs nothing until someone asks for it.
  details.addEventListener('toggle', () => {
    if (!details.open || list.childElementCount > 0) return;
    for (const w of warnings.slice(0, DETAIL_LIMIT)) list.append(h('li', {}, w));
    if (warnings.length > DETAIL_LIMIT) list.append(h('li', { class: 'muted' }, `… and ${warnings.length - DETAIL_LIMIT} more (lateral reach prints them all on stderr)`));
  });
  details.append(summary, list);
  const dismiss = h('button', { type: 'button', class: 'close', id: 'warning-dismiss', title: 'Dismiss', 'aria-label': 'dismiss warnings' }, '×');
  dismiss.addEventListener('click', () => {
    sessionStorage.setItem(key, '1');
    banner.hidden = true;
  });
  banner.append(details, dismiss);
  banner.classList.add('warning');
  banner.hidden = false;
}
