/**
 * What-if: paste or upload manifests (any kind, as kubectl apply), or switch existing policies
 * off, and see what `lateral whatif` reports — pairs newly allowed (green) and newly denied
 * (red), with the rule that now allows or the policy that now denies, on the map and the matrix
 * too; new exposure; observed flows the change would break and why; blast-radius changes and
 * paths to crown jewels opened or closed; the Markdown report for a pull request, downloadable.
 */
import { ApiError, getJson, postJson, postText } from './api.js';
import { clear, download, h } from './dom.js';
import type { Store } from './store.js';
import { formatPortSet } from './store.js';
import type { PolicyRef, WhatIfResult } from './types.js';
import { whatIfRows } from './what-if-rows.js';

/** Items of a long list shown before "and N more". */
const LIST_SHOWN = 50;

export class WhatIfView {
  private readonly yaml = h('textarea', { id: 'whatif-yaml', rows: '14', spellcheck: 'false', placeholder: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n…', 'aria-label': 'manifest YAML' });
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
          h('p', { class: 'muted' }, 'Objects here replace those of the same kind, namespace and name, or are added, as kubectl apply would.'),
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
      const request = { yaml: this.yaml.value, disable };
      const r = await postJson<WhatIfResult>('what-if', request);
      this.store.whatIf = r;
      this.store.emit('whatif');
      this.render(r, request);
    } catch (e) {
      clear(this.result);
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
    }
  }

  private render(r: WhatIfResult, request: { yaml: string; disable: string[] }): void {
    clear(this.result);
    const s = r.summary;
    const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    // Long lists (every workload's blast radius at scale) show their first items and a count.
    const list = (id: string, title: string, items: string[], cls = '') =>
      items.length
        ? h('div', { id, ...(cls ? { class: cls } : {}) }, h('h3', {}, title), h('ul', {}, ...items.slice(0, LIST_SHOWN).map((t) => h('li', {}, t))), items.length > LIST_SHOWN ? h('p', { class: 'muted' }, `and ${items.length - LIST_SHOWN} more (all of them in the Markdown report)`) : '')
        : '';
    this.result.append(
      h('h2', {}, 'Result'),
      h('p', { class: 'muted' }, r.change),
      r.failed.length ? h('p', { class: 'error' }, `fail-on: ${r.failed.join(', ')}`) : '',
      h(
        'p',
        { id: 'whatif-counts' },
        h('span', { class: 'badge added' }, `${s.newlyAllowed} newly allowed`),
        ' ',
        h('span', { class: 'badge removed' }, `${s.newlyDenied} newly denied`),
        ' ',
        h('span', { class: 'badge changed' }, `${s.changed} with changed ports`),
        ' ',
        h('span', { class: 'badge' }, plural(s.newExposure, 'new exposure')),
      ),
      list(
        'whatif-broken',
        `${plural(r.brokenFlows?.length ?? 0, 'observed flow')} would break`,
        (r.brokenFlows ?? []).map((f) => `${f.from} → ${f.to} ${f.protocol} ${f.port} (seen ${f.count}×): denied by ${f.deniedBy.join(', ') || '—'}: ${f.reason}`),
        'warn',
      ),
      list('whatif-exposure', 'New exposure (from outside or another namespace)', r.newExposure.map((e) => `${e.from} → ${e.to}: ${formatPortSet(e.ports)}`)),
      list('whatif-blast', 'Blast radius (workloads reached)', r.blastRadius.map((b) => `${b.id}: ${b.before ?? 'absent'} → ${b.after ?? 'absent'}`)),
      list('whatif-paths', 'Paths from the internet to crown jewels', r.paths.map((p) => `${p.change}: ${p.path.join(' → ')}`)),
      h('button', { type: 'button', id: 'whatif-download', onclick: () => void this.download(request) }, 'Download Markdown report'),
      whatIfRows(r, request),
      h('p', { class: 'muted' }, 'The map and the matrix show the change in colour until you clear it.'),
    );
  }

  /** The report as `lateral whatif --format md` writes it, for a pull request. */
  private async download(request: { yaml: string; disable: string[] }): Promise<void> {
    download('what-if.md', await postText('what-if', { ...request, format: 'md' }), 'text/markdown');
  }
}
