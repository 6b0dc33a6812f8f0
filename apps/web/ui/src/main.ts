/**
 * The app shell: tabs for the views, the cluster's name and counts, light/dark theme. Each view
 * mounts once and renders when first shown (so the matrix of a large cluster costs nothing until
 * asked for).
 */
import { getJson } from './api.js';
import { clear, h } from './dom.js';
import { hidePanel } from './explain-panel.js';
import { MapView, warmLayoutWorker } from './map-view.js';
import { MatrixView } from './matrix-view.js';
import { Store } from './store.js';
import type { Summary } from './types.js';
import { WhatIfView } from './what-if-view.js';
import { BlastView } from './blast-view.js';
import { GenerateView } from './generate-view.js';
import { showWarnings } from './banner.js';
import { cniLabel } from './cni.js';
import { decodeState, encodeState, type UrlState } from './url-state.js';

interface View {
  mount(): void;
  show(): Promise<void>;
}

const THEME_KEY = 'lateral-theme';

function applyTheme(t: string | null): void {
  if (t === 'dark' || t === 'light') document.documentElement.dataset.theme = t;
}

/** The store the views on screen read (replaced when a watched cluster changes). */
let activeStore: Store | undefined;

/** How often a page on a watched cluster asks whether the cluster changed. */
const POLL_MS = 3000;

function describe(store: Store): void {
  const s = store.summary;
  const cni = cniLabel(s);
  document.getElementById('cluster-label')!.textContent = `${s.label} — ${s.namespaces} namespaces, ${s.workloads} workloads, ${s.pods} pods, ${s.policies} policies${s.flows.length ? `, flows: ${s.flows.join(', ')}` : ''}${cni ? ` · ${cni}` : ''}`;
  showWarnings(document.getElementById('error-banner')!, s.label, s.warnings);
}

/** The views for one state of the cluster: built again from scratch when a watched cluster changes. */
interface Mounted {
  select(id: string): Promise<void>;
  /** Opens the views as a shared link describes them. */
  restore(st: UrlState): Promise<void>;
  current(): string;
  blastFrom(): string | undefined;
  compromise(id: string): Promise<void>;
  /** Frees the graphs before the views are replaced. */
  dispose(): void;
}

function mountViews(store: Store): Mounted {
  const views = document.getElementById('views')!;
  const tabs = document.getElementById('tabs')!;
  clear(views);
  clear(tabs);
  const section = (id: string) => h('section', { id: `view-${id}`, class: 'view', role: 'tabpanel', hidden: true });
  const map = new MapView(section('map'), store);
  const blast = new BlastView(section('blast'), store);
  const matrix = new MatrixView(section('matrix'), store);
  const whatIf = new WhatIfView(section('whatif'), store);
  const generate = new GenerateView(section('generate'), store);
  const entries: [string, string, View & { root: HTMLElement }][] = [
    ['map', 'Map', map],
    ['blast', 'Blast radius', blast],
    ['matrix', 'Matrix', matrix],
    ['whatif', 'What-if', whatIf],
    ['generate', 'Generate', generate],
  ];
  let shown = 'map';
  /** While a link is being restored, the URL is left as it came. */
  let restoring = false;
  const writeUrl = () => {
    if (restoring) return;
    // One foothold in the link: the what-if's on its own view, else the blast radius's.
    const from = shown === 'whatif' ? (whatIf.state()?.from ?? blast.from()) : (blast.from() ?? whatIf.state()?.from);
    const hash = encodeState({ view: shown as UrlState['view'], ...map.state(), ...(from ? { from } : {}), ...(whatIf.state() ? { change: whatIf.state()! } : {}) });
    if (location.hash !== hash) history.replaceState(null, '', hash);
  };
  const select = async (id: string) => {
    hidePanel();
    document.getElementById('tooltip')!.hidden = true;
    shown = id;
    for (const [vid, , v] of entries) {
      v.root.hidden = vid !== id;
      tabs.querySelector(`[data-tab="${vid}"]`)?.setAttribute('aria-selected', String(vid === id));
    }
    writeUrl();
    await entries.find(([vid]) => vid === id)![2].show();
  };
  for (const [id, label, v] of entries) {
    views.append(v.root);
    v.mount();
    tabs.append(h('button', { type: 'button', role: 'tab', 'data-tab': id, onclick: () => void select(id) }, label));
  }
  map.onCompromise = (id) => {
    void select('blast').then(() => blast.compromise(id));
  };
  blast.onShowOnMap = () => void select('map');
  map.onStateChange = writeUrl;
  blast.onStateChange = writeUrl;
  whatIf.onStateChange = writeUrl;
  map.onClearOverlay = () => {
    blast.clearRun();
    store.blast = undefined;
    store.emit('blast');
    whatIf.clearOverlay();
    writeUrl();
  };
  generate.onTryInWhatIf = (yaml) => {
    whatIf.load(yaml);
    void select('whatif');
  };
  const restore = async (st: UrlState) => {
    restoring = true;
    try {
      await map.setState(st);
      if (st.change) whatIf.setState({ ...st.change, ...(st.from ? { from: st.from } : {}) });
      // The what-if runs on its view's first show; shown here first when the link opens another view, so its colours are on the map and matrix.
      if (st.change) await whatIf.show();
      if (st.from && !st.change) await blast.compromise(st.from);
      if (st.from && st.change && st.view === 'blast') await blast.compromise(st.from);
    } finally {
      restoring = false;
    }
    await select(st.view);
  };
  return {
    select,
    restore,
    current: () => shown,
    blastFrom: () => store.blast?.from,
    compromise: (id) => blast.compromise(id),
    dispose: () => {
      map.reset();
      blast.dispose();
    },
  };
}

/**
 * A watched cluster (`serve --cluster --watch`): poll the summary's generation — a small GET,
 * no long-lived connection, nothing the Content-Security-Policy has to allow beyond 'self' —
 * and when it moves, load the new state and rebuild the views on it, keeping the tab (and the
 * blast radius's foothold, if it still exists), with a notice saying when the cluster changed.
 */
function followCluster(initial: Store, initialMounted: Mounted): void {
  let store = initial;
  let mounted = initialMounted;
  const notice = document.getElementById('live-notice')!;
  notice.hidden = false;
  let text = 'following the cluster';
  notice.textContent = text;
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    try {
      const s = await getJson<Summary>('summary');
      notice.textContent = text;
      if (s.generation === store.summary.generation) return;
      const next = new Store();
      await next.init();
      const tab = mounted.current();
      const from = mounted.blastFrom();
      store = next;
      activeStore = next;
      describe(store);
      mounted.dispose();
      mounted = mountViews(store);
      await mounted.select(tab);
      if (from && (from === 'internet' || store.byId.has(from))) await mounted.compromise(from);
      const at = store.summary.changedAt ? new Date(store.summary.changedAt).toLocaleTimeString() : new Date().toLocaleTimeString();
      text = `cluster changed at ${at} — views refreshed`;
      notice.textContent = text;
      notice.classList.add('changed');
      document.body.dataset.generation = String(store.summary.generation);
    } catch (e) {
      notice.textContent = `lost the server: ${(e as Error).message} (retrying)`;
    } finally {
      busy = false;
    }
  };
  setInterval(() => void poll(), POLL_MS);
}

async function main(): Promise<void> {
  applyTheme(localStorage.getItem(THEME_KEY));
  const store = new Store();
  const banner = document.getElementById('error-banner')!;
  try {
    // The layout worker (cytoscape and fcose, most of a megabyte to parse) starts only when the
    // server has no layout for the first picture: on two cores, parsing it beside the page's own
    // work delays both.
    await store.init(warmLayoutWorker);
    // Marks for the benchmark's breakdown of a page load (performance.getEntriesByType('mark')).
    performance.mark('lateral:data');
  } catch (e) {
    banner.textContent = `Could not load the cluster: ${(e as Error).message}`;
    banner.hidden = false;
    return;
  }
  describe(store);
  activeStore = store;
  const mounted = mountViews(store);
  performance.mark('lateral:mounted');

  document.getElementById('theme-toggle')!.addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark' || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
    const next = dark ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
    activeStore?.emit('theme');
  });

  const initial = decodeState(location.hash);
  await mounted.restore(initial);
  document.body.dataset.generation = String(store.summary.generation);
  document.body.dataset.ready = 'true';
  if (store.summary.live) followCluster(store, mounted);
}

void main();
