/**
 * What-if: paste or upload policy YAML, or switch existing policies off, and see what changes —
 * pairs newly allowed (green) and newly denied (red), on the map and the matrix too; observed
 * flows the change would break and blast-radius changes when those engines are present; the
 * Markdown summary for a pull request, downloadable.
 */
import { ApiError, getJson, postJson } from './api.js';
import { clear, download, h } from './dom.js';
import { explain } from './explain-panel.js';
import type { Store } from './store.js';
import type { PolicyRef, WhatIfResult } from './types.js';

export class WhatIfView {
  private readonly yaml = h('textarea', { id: 'whatif-yaml', rows: '14', spellcheck: 'false', placeholder: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n…', 'aria-label': 'policy YAML' });
  private readonly file = h('input', { type: 'file', id: 'whatif-file', accept: '.yaml,.yml,.json', 'aria-label': 'upload policy YAML' });
  private readonly policies = h('fieldset', { class: 'policy-list' }, h('legend', {}, 'switch existing policies off'));
  private readonly result = h('div', { id: 'whatif-result', 'aria-live': 'polite' });
  private readonly error = h('p', { class: 'error', id: 'whatif-error', hidden: true });
  private loaded = false;

  constructor(
    readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    this.file.addEventListener('change', async () => {
      const f = this.file.files?.[0];
      if (f) this.yaml.value = await f.text();
    });
    this.root.append(
      h(
        'div',
        { class: 'two-col' },
        h(
          'div',
          {},
          h('h2', {}, 'Try a change'),
          h('p', { class: 'muted' }, 'Policies here replace those of the same namespace/name, as kubectl apply would.'),
          this.yaml,
          h('div', { class: 'toolbar' }, this.file, h('button', { type: 'button', id: 'whatif-run', class: 'primary', onclick: () => void this.run() }, 'Run what-if'), h('button', { type: 'button', onclick: () => this.clearResult() }, 'Clear')),
          this.error,
          this.policies,
        ),
        this.result,
      ),
    );
  }

  async show(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const list = await getJson<PolicyRef[]>('policies');
    for (const p of list) this.policies.append(h('label', { class: 'check' }, h('input', { type: 'checkbox', value: p.id, 'data-policy': p.id }), ` ${p.id}`));
  }

  private clearResult(): void {
    this.store.whatIf = undefined;
    this.store.emit('whatif');
    clear(this.result);
    this.error.hidden = true;
  }

  private async run(): Promise<void> {
    this.error.hidden = true;
    const disable = [...this.policies.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    clear(this.result);
    this.result.append(h('p', { class: 'muted' }, 'compiling the changed cluster…'));
    try {
      const r = await postJson<WhatIfResult>('what-if', { yaml: this.yaml.value, disable });
      this.store.whatIf = r;
      this.store.emit('whatif');
      this.render(r);
    } catch (e) {
      clear(this.result);
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
    }
  }

  private render(r: WhatIfResult): void {
    clear(this.result);
    const rows = r.changes.map((c) =>
      h(
        'tr',
        { class: `change-${c.change}` },
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => void explain(c.from, c.to) }, c.from)),
        h('td', {}, c.to),
        h('td', { class: 'added' }, c.newlyAllowed || '—'),
        h('td', { class: 'removed' }, c.newlyDenied || '—'),
      ),
    );
    this.result.append(
      h('h2', {}, 'Result'),
      h(
        'p',
        { id: 'whatif-counts' },
        h('span', { class: 'badge added' }, `${r.counts.added} newly connected`),
        ' ',
        h('span', { class: 'badge removed' }, `${r.counts.removed} disconnected`),
        ' ',
        h('span', { class: 'badge changed' }, `${r.counts.changed} ports changed`),
      ),
      r.brokenFlows?.length
        ? h('div', { class: 'warn' }, h('h3', {}, `${r.brokenFlows.length} observed flow${r.brokenFlows.length === 1 ? '' : 's'} would break`), h('ul', {}, ...r.brokenFlows.map((f) => h('li', {}, `${f.from} → ${f.to} ${f.protocol} ${f.port} (seen ${f.count}×)`))))
        : '',
      r.blast?.length ? h('div', {}, h('h3', {}, 'Blast radius changes'), h('ul', {}, ...r.blast.map((b) => h('li', {}, `${b.from}: ${b.before} → ${b.after} workloads reachable`)))) : '',
      h('button', { type: 'button', id: 'whatif-download', onclick: () => download('what-if.md', r.markdown, 'text/markdown') }, 'Download Markdown summary'),
      r.changes.length
        ? h('table', { class: 'changes' }, h('thead', {}, h('tr', {}, h('th', {}, 'from'), h('th', {}, 'to'), h('th', {}, 'newly allowed'), h('th', {}, 'newly denied'))), h('tbody', {}, ...rows))
        : h('p', {}, 'No connection changes.'),
      h('p', { class: 'muted' }, 'The map and the matrix show the change in colour until you clear it.'),
    );
  }
}
