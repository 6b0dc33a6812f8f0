/**
 * The podSelector a generated policy uses for a workload: labels that every pod of the
 * workload carries for its whole life and that no other workload's pods in the namespace
 * carry. A selector on a per-pod or per-rollout label would stop matching after the next
 * rollout (or match a single replica), and the policy would silently stop applying.
 */
import { PER_POD_LABELS, matchesSelector, type Cluster, type Labels, type Pod, type Workload } from '@lateral/core';

export { PER_POD_LABELS };

/**
 * Labels that change with every release: fine to carry, wrong to select on (the policy would
 * stop applying at the next upgrade). Dropped when the rest still tells the workload apart.
 */
export const RELEASE_LABELS: ReadonlySet<string> = new Set([
  'app.kubernetes.io/version',
  'helm.sh/chart',
  'chart',
  'version',
]);

export interface StableSelector {
  readonly matchLabels: Labels;
  /** Why the choice is weaker than it should be, for the user to look at. */
  readonly warning?: string;
}

function without(labels: Labels, drop: ReadonlySet<string>): Labels {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) if (!drop.has(k)) out[k] = labels[k]!;
  return out;
}

function ownerKey(p: Pod): string {
  return `${p.owner.kind}\u0000${p.owner.namespace}\u0000${p.owner.name}`;
}

/**
 * Chooses selectors per workload, cached: the same workload always gets the same selector, so
 * a peer in one policy and the subject of another agree.
 */
export class SelectorChooser {
  private readonly cache = new Map<string, StableSelector>();
  private podsByNamespace: Map<string, Pod[]> | undefined;
  private readonly workloads = new Map<string, Workload>();

  constructor(private readonly cluster: Cluster) {
    for (const w of cluster.workloads) this.workloads.set(`${w.kind}\u0000${w.namespace}\u0000${w.name}`, w);
  }

  /** The selector for the workload `pod` belongs to. */
  forPod(pod: Pod): StableSelector {
    // Asked once per flow edge end: the pod object first, its owner's key (a string to build) only once per pod.
    let s = this.byPod.get(pod);
    if (s) return s;
    const key = ownerKey(pod);
    s = this.cache.get(key);
    if (!s) {
      s = this.choose(pod);
      this.cache.set(key, s);
    }
    this.byPod.set(pod, s);
    return s;
  }

  private readonly byPod = new Map<Pod, StableSelector>();

  private others(pod: Pod): Pod[] {
    if (!this.podsByNamespace) {
      this.podsByNamespace = new Map();
      for (const p of this.cluster.pods) {
        const list = this.podsByNamespace.get(p.namespace);
        if (list) list.push(p);
        else this.podsByNamespace.set(p.namespace, [p]);
        this.ownerKeys.set(p, ownerKey(p));
      }
    }
    const key = this.ownerKeys.get(pod) ?? ownerKey(pod);
    return (this.podsByNamespace.get(pod.namespace) ?? []).filter((p) => this.ownerKeys.get(p) !== key);
  }

  /** Each pod's owner key, made once (others() compares every pod of a namespace by it). */
  private readonly ownerKeys = new Map<Pod, string>();

  private choose(pod: Pod): StableSelector {
    const { owner } = pod;
    const workload = this.workloads.get(ownerKey(pod));
    const candidates: Labels[] = [];
    // The controller's own selector is what the workload's pods are guaranteed to carry
    // (the API server rejects a template that does not match it); only its matchLabels
    // part translates to a plain label set.
    const fromWorkload = workload?.selector?.matchLabels;
    if (fromWorkload) {
      const own = without(fromWorkload, PER_POD_LABELS);
      if (Object.keys(own).length > 0 && matchesSelector({ matchLabels: own }, pod.labels)) candidates.push(own);
    }
    const stable = without(pod.labels, PER_POD_LABELS);
    const unreleased = without(stable, RELEASE_LABELS);
    if (Object.keys(unreleased).length > 0) candidates.push(unreleased);
    if (Object.keys(stable).length > 0) candidates.push(stable);

    const id = `${owner.namespace}/${owner.name}`;
    if (candidates.length === 0) {
      return {
        matchLabels: {},
        warning: `${id}: its pods carry no stable labels; the generated policy selects every pod in namespace ${owner.namespace} (label the workload and generate again)`,
      };
    }
    const others = this.others(pod);
    for (const c of candidates) {
      const selector = { matchLabels: c };
      if (!others.some((o) => matchesSelector(selector, o.labels))) return { matchLabels: c };
    }
    const last = candidates[candidates.length - 1]!;
    const shared = [...new Set(others.filter((o) => matchesSelector({ matchLabels: last }, o.labels)).map((o) => `${o.namespace}/${o.owner.name}`))].sort();
    return {
      matchLabels: last,
      warning: `${id}: no stable labels tell its pods apart from ${shared.join(', ')}; the generated policies select those pods too`,
    };
  }
}
