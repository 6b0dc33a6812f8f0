/**
 * What-if: paste or upload manifests (any kind, as kubectl apply), or switch existing policies
 * off, and see what `lateral whatif` reports — pairs newly allowed (green) and newly denied
 * (red), with the rule that now allows or the policy that now denies, on the map and the matrix
 * too; new exposure; observed flows the change would break and why; blast-radius changes and
 * paths to crown jewels opened or closed; the Markdown report for a pull request, downloadable.
 */
import { ApiError, getJson, postText, Slot, Superseded } from './api.js';
import { clear, download, h } from './dom.js';
import type { Store } from './store.js';
import { formatPortSet } from './store.js';
import type { AttackMetrics, FootholdChange, PathChange, PolicyObject, WhatIfLateral, WhatIfRequest, WhatIfResult } from './types.js';
import { whatIfRows } from './what-if-rows.js';

/** Items of a long list shown before "and N more". */
const LIST_SHOWN = 50;

export class WhatIfView {
  private readonly yaml = h('textarea', { id: 'whatif-yaml', rows: '14', spellcheck: 'false', placeholder: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n…', 'aria-label': 'manifest YAML' });
  private readonly file = h('input', { type: 'file', id: 'whatif-file', accept: '.yaml,.yml,.json', 'aria-label': 'upload policy YAML' });
  private readonly policies = h('fieldset', { class: 'policy-list', id: 'whatif-policies' }, h('legend', {}, 'existing policies: switch off, or edit a copy above'));
  private readonly foothold = h('input', { id: 'whatif-from', list: 'blast-from-list', placeholder: 'optional: workload id or internet', 'aria-label': 'foothold' });
  /** The last request run (for the URL). */
  private last: WhatIfRequest | undefined;
  /** A request to run once the policy list is there (a shared link). */
  private pending: WhatIfRequest | undefined;
  /** Called after each run or clear (the URL follows the change). */
  onStateChange: () => void = () => {};
  private readonly result = h('div', { id: 'whatif-result', 'aria-live': 'polite' });
  private readonly error = h('p', { class: 'error', id: 'whatif-error', hidden: true });
  private loaded = false;
  /** A new run replaces the previous one still under way (api.ts's Slot); its paths come as a second request. */
  private readonly runSlot = new Slot('what-if');
  private readonly lateralSlot = new Slot('what-if-lateral');

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
          h('div', { class: 'toolbar' }, h('label', {}, 'foothold ', this.foothold), h('span', { class: 'muted' }, 'its blast radius and paths to crown jewels, before and after')),
          h('div', { class: 'toolbar' }, this.file, h('button', { type: 'button', id: 'whatif-run', class: 'primary', onclick: () => void this.run() }, 'Run what-if'), h('button', { type: 'button', onclick: () => this.clearResult() }, 'Clear')),
          this.error,
          this.policies,
        ),
        this.result,
      ),
    );
  }

  async show(): Promise<void> {
    if (!this.loaded) {
      this.loaded = true;
      const list = await getJson<PolicyObject[]>('policy-objects');
      for (const p of list) {
        const id = p.namespace ? `${p.namespace}/${p.name}` : p.name;
        this.policies.append(
          h(
            'div',
            { class: 'check' },
            h('label', {}, h('input', { type: 'checkbox', value: p.ref, 'data-policy': p.ref }), ` ${id} `, h('span', { class: 'muted' }, p.kind === 'NetworkPolicy' ? '' : `${p.kind}, ${p.tier} tier`)),
            ' ',
            h('button', { type: 'button', class: 'link', 'data-edit': p.ref, title: 'Load its YAML into the editor to change it', onclick: () => void this.edit(p.ref) }, 'edit'),
          ),
        );
      }
    }
    const pending = this.pending;
    this.pending = undefined;
    if (pending) await this.runRequest(pending);
  }

  /** Loads a loaded policy's YAML into the editor (after what is there), to change and run. */
  private async edit(ref: string): Promise<void> {
    try {
      const { yaml } = await getJson<{ yaml: string }>('policy-source', { ref });
      this.load(yaml, true);
    } catch (e) {
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
    }
  }

  /** Puts manifests into the editor (Generate's "try in what-if", an existing policy's "edit"). */
  load(yaml: string, append = false): void {
    const cur = this.yaml.value.trim();
    this.yaml.value = append && cur ? `${cur}\n---\n${yaml}` : yaml;
    this.yaml.focus();
  }

  /** The change on show, for the URL. */
  state(): WhatIfRequest | undefined {
    return this.last;
  }

  /** Opens with a shared link's change: filled in and run when the view is shown. */
  setState(req: WhatIfRequest): void {
    this.pending = req;
  }

  private clearResult(): void {
    this.store.whatIf = undefined;
    this.store.emit('whatif');
    clear(this.result);
    this.error.hidden = true;
    this.last = undefined;
    this.onStateChange();
  }

  /** The map's "clear overlay": the change stays in the editor, its colours go. */
  clearOverlay(): void {
    this.clearResult();
  }

  private async run(): Promise<void> {
    const del = [...this.policies.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    const from = this.foothold.value.trim();
    await this.runRequest({ yaml: this.yaml.value, delete: del, ...(from ? { from } : {}) });
  }

  private async runRequest(request: WhatIfRequest): Promise<void> {
    this.error.hidden = true;
    this.yaml.value = request.yaml;
    this.foothold.value = request.from ?? '';
    for (const box of this.policies.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) box.checked = request.delete.includes(box.value);
    clear(this.result);
    this.result.append(h('p', { class: 'muted' }, 'compiling the changed cluster…'));
    try {
      // The rows first; the blast radii and attack paths (the changed attack graph, most of the
      // time at scale) follow in a second request when the server leaves them for later.
      const r = await this.runSlot.post<WhatIfResult>('what-if', { ...request, lateral: 'later' });
      this.store.whatIf = r;
      this.store.emit('whatif');
      this.last = request;
      this.render(r, request);
      this.onStateChange();
      if (r.lateral === 'later') await this.lateralPart(request);
    } catch (e) {
      if (e instanceof Superseded) return;
      clear(this.result);
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
    }
  }

  private render(r: WhatIfResult, request: WhatIfRequest): void {
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
      h('div', { id: 'whatif-lateral' }, ...(r.blastRadius && r.paths ? lateralBlocks({ blastRadius: r.blastRadius, paths: r.paths, crownJewels: r.crownJewels, failed: r.failed, ...(r.foothold ? { foothold: r.foothold } : {}) }) : [h('p', { class: 'muted', id: 'whatif-lateral-pending' }, 'working out blast radii and attack paths…')])),
      h('button', { type: 'button', id: 'whatif-download', onclick: () => void this.download(request) }, 'Download Markdown report'),
      // Later pages of the rows ask for the change alone: the foothold is on show already.
      whatIfRows(r, { yaml: request.yaml, delete: request.delete }),
      h('p', { class: 'muted' }, 'The map and the matrix show the change in colour until you clear it.'),
    );
  }

  /** The second half of a run: the blast radii, attack paths and foothold, into the result on show. */
  private async lateralPart(request: WhatIfRequest): Promise<void> {
    const box = this.result.querySelector('#whatif-lateral');
    try {
      const part = await this.lateralSlot.post<WhatIfLateral>('what-if', { ...request, lateral: 'only' });
      if (!box?.isConnected || this.last !== request) return;
      clear(box);
      box.append(...lateralBlocks(part));
    } catch (e) {
      if (e instanceof Superseded || !box?.isConnected) return;
      clear(box);
      box.append(h('p', { class: 'error' }, `blast radii and attack paths: ${e instanceof ApiError ? e.message : String(e)}`));
    }
  }

  /** The report as `lateral whatif --format md` writes it, for a pull request. */
  private async download(request: WhatIfRequest): Promise<void> {
    download('what-if.md', await postText('what-if', { ...request, format: 'md' }), 'text/markdown');
  }
}

/** The lateral-movement part of a result: the foothold's view, blast radii that changed, attack paths. */
function lateralBlocks(part: WhatIfLateral): (HTMLElement | string)[] {
  const items = part.blastRadius.map((b) => `${b.id}: ${b.before ?? 'absent'} → ${b.after ?? 'absent'}`);
  return [
    part.foothold ? footholdBlock(part.foothold) : '',
    items.length ? h('div', { id: 'whatif-blast' }, h('h3', {}, 'Blast radius (workloads reached)'), h('ul', {}, ...items.slice(0, LIST_SHOWN).map((t) => h('li', {}, t))), items.length > LIST_SHOWN ? h('p', { class: 'muted' }, `and ${items.length - LIST_SHOWN} more (all of them in the Markdown report)`) : '') : '',
    pathsBlock(part.paths, part.crownJewels),
  ];
}

const hopText = (n: number | null) => (n === null ? 'no path' : `${n} move${n === 1 ? '' : 's'}`);

/** Attack paths from the internet (through each entry point) to the crown jewels that the change opens, shortens or closes. */
function pathsBlock(paths: readonly PathChange[], jewels: readonly string[]): HTMLElement {
  const order = { opened: 0, shortened: 1, closed: 2 } as const;
  const sorted = [...paths].sort((a, b) => order[a.change] - order[b.change]);
  const count = (c: PathChange['change']) => paths.filter((p) => p.change === c).length;
  const pathCell = (p: PathChange) => {
    const fresh = new Set(p.newMoves.map((m) => `${m.from}\u0000${m.to}`));
    const cell = h('td', { class: 'path-cell' });
    p.path.forEach((n, i) => {
      if (i > 0) cell.append(fresh.has(`${p.path[i - 1]}\u0000${n}`) ? h('strong', { class: 'added', title: 'a move the change creates' }, ' ⇒ ') : ' → ');
      cell.append(n);
    });
    return cell;
  };
  return h(
    'div',
    { id: 'whatif-paths' },
    h('h3', {}, 'Attack paths from the internet to crown jewels'),
    paths.length === 0
      ? h('p', { class: 'muted' }, jewels.length ? `None opened, shortened or closed (crown jewels: ${jewels.join(', ')}).` : 'No crown jewels: name them with --target when serving, or annotate workloads lateral.dev/crown-jewel: "true".')
      : h('p', {}, h('span', { class: 'badge added' }, `${count('opened')} opened`), ' ', h('span', { class: 'badge added' }, `${count('shortened')} shortened`), ' ', h('span', { class: 'badge removed' }, `${count('closed')} closed`), h('span', { class: 'muted' }, ' — green: movement the change allows, red: movement it denies; ⇒ marks a move the change creates')),
    paths.length
      ? h(
          'table',
          { class: 'paths' },
          h('thead', {}, h('tr', {}, ...['change', 'entry point', 'crown jewel', 'moves before → after', 'path'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...sorted.map((p) => h('tr', { class: `path-${p.change}` }, h('td', { class: p.change === 'closed' ? 'removed' : 'added' }, p.change), h('td', {}, p.entryPoint), h('td', {}, p.to), h('td', {}, `${hopText(p.hopsBefore)} → ${hopText(p.hopsAfter)}`), pathCell(p)))),
        )
      : '',
  );
}

/** The chosen foothold: how far it reaches before and after, and its paths to the crown jewels. */
function footholdBlock(f: FootholdChange): HTMLElement {
  const m = (x: AttackMetrics | null) => (x ? `${x.reached} / ${x.workloads} workloads (${Math.round(x.reachedPercent)} %), ${x.crownJewelsReached} / ${x.crownJewels} crown jewels` : 'absent');
  return h(
    'div',
    { id: 'whatif-foothold' },
    h('h3', {}, `From ${f.from}: blast radius before and after`),
    h('table', { class: 'paths' }, h('tbody', {}, h('tr', {}, h('th', {}, 'before'), h('td', { id: 'whatif-foothold-before' }, m(f.before))), h('tr', {}, h('th', {}, 'after'), h('td', { id: 'whatif-foothold-after' }, m(f.after))))),
    f.paths.length
      ? h(
          'table',
          { class: 'paths' },
          h('thead', {}, h('tr', {}, ...['crown jewel', 'change', 'moves before → after', 'shortest path'].map((t) => h('th', {}, t)))),
          h('tbody', {}, ...f.paths.map((p) => h('tr', { class: `path-${p.change}` }, h('td', {}, p.to), h('td', { class: p.change === 'opened' || p.change === 'shortened' ? 'added' : p.change === 'closed' || p.change === 'lengthened' ? 'removed' : '' }, p.change), h('td', {}, `${hopText(p.hopsBefore)} → ${hopText(p.hopsAfter)}`), h('td', {}, p.path.join(' → '))))),
        )
      : h('p', { class: 'muted' }, 'It reaches no crown jewel before or after.'),
  );
}
