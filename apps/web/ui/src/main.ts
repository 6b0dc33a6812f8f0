/**
 * The app shell: tabs for the views, the cluster's name and counts, light/dark theme. Each view
 * mounts once and renders when first shown (so the matrix of a large cluster costs nothing until
 * asked for).
 */
import { clear, h } from './dom.js';
import { hidePanel } from './explain-panel.js';
import { MapView } from './map-view.js';
import { MatrixView } from './matrix-view.js';
import { Store } from './store.js';
import { WhatIfView } from './what-if-view.js';
import { BlastView } from './blast-view.js';
import { GenerateView } from './generate-view.js';

interface View {
  mount(): void;
  show(): Promise<void>;
}

const THEME_KEY = 'lateral-theme';

function applyTheme(t: string | null): void {
  if (t === 'dark' || t === 'light') document.documentElement.dataset.theme = t;
}

async function main(): Promise<void> {
  applyTheme(localStorage.getItem(THEME_KEY));
  const store = new Store();
  const banner = document.getElementById('error-banner')!;
  try {
    await store.init();
  } catch (e) {
    banner.textContent = `Could not load the cluster: ${(e as Error).message}`;
    banner.hidden = false;
    return;
  }
  const s = store.summary;
  document.getElementById('cluster-label')!.textContent = `${s.label} — ${s.namespaces} namespaces, ${s.workloads} workloads, ${s.pods} pods, ${s.policies} policies${s.flows.length ? `, flows: ${s.flows.join(', ')}` : ''}`;
  if (s.warnings.length) {
    banner.textContent = `${s.warnings.length} warning${s.warnings.length === 1 ? '' : 's'}: ${s.warnings.slice(0, 3).join(' · ')}${s.warnings.length > 3 ? ' …' : ''}`;
    banner.classList.add('warning');
    banner.hidden = false;
  }

  const views = document.getElementById('views')!;
  const tabs = document.getElementById('tabs')!;
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
  clear(tabs);
  const select = async (id: string) => {
    hidePanel();
    document.getElementById('tooltip')!.hidden = true;
    for (const [vid, , v] of entries) {
      v.root.hidden = vid !== id;
      tabs.querySelector(`[data-tab="${vid}"]`)?.setAttribute('aria-selected', String(vid === id));
    }
    if (location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
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

  document.getElementById('theme-toggle')!.addEventListener('click', () => {
    const dark = document.documentElement.dataset.theme === 'dark' || (!document.documentElement.dataset.theme && matchMedia('(prefers-color-scheme: dark)').matches);
    const next = dark ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem(THEME_KEY, next);
    store.emit('theme');
  });

  const initial = location.hash.slice(1);
  await select(entries.some(([id]) => id === initial) ? initial : 'map');
  document.body.dataset.ready = 'true';
}

void main();
