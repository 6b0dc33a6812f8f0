/**
 * The what-if's changed pairs, which can be a hundred thousand rows on a large cluster (a
 * namespace default-deny): the counts per namespace pair first (the answer's shape at a
 * glance), then one page of rows at a time, each page fetched from the server (which keeps the
 * report, so a page is a slice, not a recompute).
 */
import { postJson } from './api.js';
import { clear, h } from './dom.js';
import { explain } from './explain-panel.js';
import { formatPortSet } from './store.js';
import type { PairChange, WhatIfResult } from './types.js';

/** Namespace pairs listed before "N more". */
const PAIRS_SHOWN = 25;

export function whatIfRows(first: WhatIfResult, request: Record<string, unknown>): HTMLElement {
  const root = h('div', { id: 'whatif-rows' });
  const total = first.page.total;
  if (total === 0) {
    root.append(h('p', {}, 'No connection changes.'));
    return root;
  }
  if (first.namespacePairs.length > 1) {
    const pairs = first.namespacePairs.slice(0, PAIRS_SHOWN);
    root.append(
      h('h3', {}, 'Changed pairs by namespace (source → destination)'),
      h(
        'table',
        { class: 'changes', id: 'whatif-ns-pairs' },
        h('thead', {}, h('tr', {}, ...['source namespace', 'destination namespace', 'newly allowed', 'newly denied', 'ports changed'].map((t) => h('th', {}, t)))),
        h('tbody', {}, ...pairs.map((p) => h('tr', {}, h('td', {}, p.from), h('td', {}, p.to), h('td', { class: 'added' }, String(p.allowed)), h('td', { class: 'removed' }, String(p.denied)), h('td', {}, String(p.changed))))),
      ),
      first.namespacePairs.length > PAIRS_SHOWN ? h('p', { class: 'muted' }, `and ${first.namespacePairs.length - PAIRS_SHOWN} more namespace pairs`) : '',
    );
  }
  const status = h('span', { id: 'whatif-page-status', class: 'muted' });
  const body = h('tbody', {});
  const prev = h('button', { type: 'button', id: 'whatif-prev' }, '← previous');
  const next = h('button', { type: 'button', id: 'whatif-next' }, 'next →');
  const limit = first.page.limit;
  let offset = first.page.offset;
  const show = (r: WhatIfResult) => {
    offset = r.page.offset;
    clear(body);
    body.append(...r.changes.map(row));
    status.textContent = `rows ${(offset + 1).toLocaleString()}–${(offset + r.changes.length).toLocaleString()} of ${total.toLocaleString()}`;
    prev.disabled = offset === 0;
    next.disabled = offset + limit >= total;
  };
  const go = async (to: number) => {
    prev.disabled = next.disabled = true;
    status.textContent = 'loading…';
    try {
      // Rows only: the blast radii and paths are on show already.
      show(await postJson<WhatIfResult>('what-if', { ...request, offset: to, limit, lateral: 'later' }));
    } catch (e) {
      status.textContent = e instanceof Error ? e.message : String(e);
      prev.disabled = offset === 0;
      next.disabled = offset + limit >= total;
    }
  };
  prev.addEventListener('click', () => void go(Math.max(0, offset - limit)));
  next.addEventListener('click', () => void go(offset + limit));
  root.append(
    h(
      'table',
      { class: 'changes', id: 'whatif-changes' },
      h('thead', {}, h('tr', {}, ...['source', 'destination', 'change', 'newly allowed', 'newly denied', 'why'].map((t) => h('th', {}, t)))),
      body,
    ),
    total > limit ? h('div', { class: 'toolbar', id: 'whatif-pager' }, prev, status, next) : status,
  );
  show(first);
  return root;
}

function row(c: PairChange): HTMLElement {
  return h(
    'tr',
    { class: `change-${c.change}` },
    h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => void explain(c.from, c.to) }, c.from)),
    h('td', {}, c.to),
    h('td', {}, c.change),
    h('td', { class: 'added' }, c.change === 'denied' ? '—' : formatPortSet(c.added)),
    h('td', { class: 'removed' }, c.change === 'allowed' ? '—' : formatPortSet(c.removed)),
    h('td', { class: 'why' }, why(c)),
  );
}

/** Why a pair changed, as the CLI's text says it. */
export function why(c: PairChange): string {
  return [c.allowedBy && `allowed: ${c.allowedBy.join('; ')}`, c.deniedBy && `denied: ${c.deniedBy.join('; ')}`].filter(Boolean).join(' | ');
}
