/**
 * Generate: a flow capture in (the one loaded with the cluster, or an upload), least-privilege
 * NetworkPolicies out — previewed with the verification summary (share of observed flows the
 * policies allow, anything unobserved they would open) before anyone downloads the YAML.
 */
import { ApiError, postJson } from './api.js';
import { clear, download, h } from './dom.js';
import type { Store } from './store.js';
import type { GenerateResult } from './types.js';

export class GenerateView {
  private readonly file = h('input', { type: 'file', id: 'generate-file', accept: '.json,.jsonl,.csv,.log,.txt', 'aria-label': 'flow capture' });
  private readonly defaultDeny = h('input', { type: 'checkbox', id: 'generate-default-deny' });
  private readonly out = h('div', { id: 'generate-result', 'aria-live': 'polite' });
  private readonly error = h('p', { class: 'error', id: 'generate-error', hidden: true });
  /** "Try in what-if": the generated policies go to the what-if editor. */
  onTryInWhatIf: (yaml: string) => void = () => {};

  constructor(
    readonly root: HTMLElement,
    private readonly store: Store,
  ) {}

  mount(): void {
    const loaded = this.store.summary.flows;
    this.root.append(
      h('h2', {}, 'Generate policies from observed traffic'),
      h('p', { class: 'muted' }, 'Hubble JSON, Inspektor Gadget, CSV or JSONL. The policies are verified against the model: every observed flow allowed, nothing unobserved opened.'),
      h(
        'div',
        { class: 'toolbar' },
        loaded.length ? h('button', { type: 'button', id: 'generate-loaded', class: 'primary', onclick: () => void this.run() }, `Generate from ${loaded.join(', ')}`) : '',
        h('label', {}, 'or upload a capture ', this.file),
        h('label', {}, this.defaultDeny, ' add a default-deny per namespace'),
      ),
      this.error,
      this.out,
    );
    this.file.addEventListener('change', async () => {
      const f = this.file.files?.[0];
      if (f) await this.run(await f.text(), f.name);
    });
  }

  async show(): Promise<void> {}

  private async run(flows?: string, name?: string): Promise<void> {
    this.error.hidden = true;
    clear(this.out);
    this.out.append(h('p', { class: 'muted' }, 'generating and verifying…'));
    try {
      const r = await postJson<GenerateResult>('generate', { ...(flows !== undefined ? { flows, name } : {}), defaultDeny: this.defaultDeny.checked });
      this.render(r);
    } catch (e) {
      clear(this.out);
      this.error.textContent = e instanceof ApiError ? e.message : String(e);
      this.error.hidden = false;
    }
  }

  private render(r: GenerateResult): void {
    clear(this.out);
    const v = r.verification;
    const pct = Math.floor(v.flows.share * 1000) / 10;
    const beyond = v.added.unobserved.length + v.granted.unobserved.length;
    this.out.append(
      h(
        'div',
        { class: 'stats' },
        h('div', { class: 'stat', id: 'generate-verified' }, h('div', { class: `n ${v.flows.share === 1 ? 'allow' : 'deny'}` }, `${pct} %`), h('div', { class: 'muted' }, `of observed flows allowed (${v.flows.allowedEdges}/${v.flows.edges} connections, ${v.flows.allowedRecords}/${v.flows.records} records)`)),
        h('div', { class: 'stat', id: 'generate-unobserved' }, h('div', { class: `n ${beyond === 0 ? 'allow' : 'deny'}` }, String(beyond)), h('div', { class: 'muted' }, 'unobserved connections opened')),
        h('div', { class: 'stat' }, h('div', { class: 'n' }, String(v.emitted.policies)), h('div', { class: 'muted' }, `policies, ${v.emitted.rules} rules`)),
        h('div', { class: 'stat' }, h('div', { class: `n ${v.ok ? 'allow' : 'deny'}` }, v.ok ? 'verified' : 'NOT verified'), h('div', { class: 'muted' }, `from ${r.source}`)),
      ),
      v.added.dns || v.added.aggregation ? h('p', { class: 'muted' }, `declared allowances: ${v.added.dns} DNS pair(s), ${v.added.aggregation} via aggregated CIDRs`) : '',
      v.flows.denied.length ? h('div', { class: 'warn' }, h('h3', {}, 'Observed flows still denied'), h('ul', {}, ...v.flows.denied.map((d) => h('li', {}, `${d.from} → ${d.to} ${d.protocol} ${d.port} (${d.count}×)${d.reason ? `: ${d.reason}` : ''}`)))) : '',
      r.warnings.length ? h('ul', { class: 'muted' }, ...r.warnings.map((w) => h('li', {}, w))) : '',
      r.flows.badLines ? h('p', { class: 'muted' }, `${r.flows.badLines} line(s) of the capture could not be read`) : '',
      h('div', { class: 'toolbar' }, h('button', { type: 'button', id: 'generate-download', class: 'primary', onclick: () => download('generated-policies.yaml', r.yaml, 'application/yaml') }, 'Download YAML'), h('button', { type: 'button', id: 'generate-try', title: 'See what applying them would change: pairs, exposure, paths, broken flows', onclick: () => this.onTryInWhatIf(r.yaml) }, 'Try in what-if'), h('span', { class: 'muted' }, r.policies.map((p) => p.name).join(', '))),
      h('pre', { id: 'generate-yaml' }, r.yaml),
    );
  }
}
