/**
 * Greedy shrinking of a failing random cluster: drop policies, rules, peers, ports, pods and
 * namespaces one at a time while the failure persists, so a disagreement is reported on the
 * smallest cluster that still shows it.
 */
import { dump } from 'js-yaml';
import type { Cluster, NetworkPolicy, TierPolicy } from '@lateral/core';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function* candidates(c: Cluster): Generator<Cluster> {
  if (c.calico) {
    const calico = c.calico;
    const cps = calico.policies;
    for (let i = 0; i < cps.length; i++) yield { ...c, calico: { ...calico, policies: cps.filter((_, k) => k !== i) } };
    for (let i = 0; i < cps.length; i++) {
      const p = cps[i]!;
      for (const dir of ['ingress', 'egress'] as const) {
        for (let r = 0; r < p[dir].length; r++) {
          const np = { ...p, [dir]: p[dir].filter((_, k) => k !== r) };
          yield { ...c, calico: { ...calico, policies: cps.map((x, k) => (k === i ? np : x)) } };
        }
      }
    }
    for (let i = 0; i < calico.networkSets.length; i++) yield { ...c, calico: { ...calico, networkSets: calico.networkSets.filter((_, k) => k !== i) } };
    if (calico.hostEndpoints.length > 0) yield { ...c, calico: { ...calico, hostEndpoints: [] } };
  }
  const tiers = c.tierPolicies ?? [];
  for (let i = 0; i < tiers.length; i++) yield { ...c, tierPolicies: tiers.filter((_, k) => k !== i) };
  for (let i = 0; i < tiers.length; i++) {
    const p = tiers[i]!;
    for (const dir of ['ingress', 'egress'] as const) {
      const replace = (np: TierPolicy) => ({ ...c, tierPolicies: tiers.map((x, k) => (k === i ? np : x)) });
      const rules = p[dir];
      for (let r = 0; r < rules.length; r++) {
        yield replace({ ...p, [dir]: rules.filter((_, k) => k !== r) });
        const rule = rules[r]!;
        for (let q = 0; q < rule.peers.length && rule.peers.length > 1; q++) {
          yield replace({ ...p, [dir]: rules.map((x, k) => (k === r ? { ...rule, peers: rule.peers.filter((_, m) => m !== q) } : x)) });
        }
      }
    }
  }
  for (let i = 0; i < c.policies.length; i++) {
    yield { ...c, policies: c.policies.filter((_, k) => k !== i) };
  }
  for (let i = 0; i < c.policies.length; i++) {
    const p = c.policies[i]!;
    for (const dir of ['ingress', 'egress'] as const) {
      const rules = p[dir];
      if (!rules) continue;
      const replace = (np: NetworkPolicy) => ({ ...c, policies: c.policies.map((x, k) => (k === i ? np : x)) });
      for (let r = 0; r < rules.length; r++) {
        yield replace({ ...p, [dir]: rules.filter((_, k) => k !== r) });
        const rule = rules[r]!;
        const peersKey = dir === 'ingress' ? 'from' : 'to';
        const peers = (rule as Record<string, unknown>)[peersKey] as unknown[] | undefined;
        for (let q = 0; q < (peers?.length ?? 0); q++) {
          const nr = { ...rule, [peersKey]: peers!.filter((_, k) => k !== q) };
          yield replace({ ...p, [dir]: rules.map((x, k) => (k === r ? nr : x)) } as NetworkPolicy);
        }
        for (let q = 0; q < (rule.ports?.length ?? 0); q++) {
          const nr = { ...rule, ports: rule.ports!.filter((_, k) => k !== q) };
          yield replace({ ...p, [dir]: rules.map((x, k) => (k === r ? nr : x)) } as NetworkPolicy);
        }
      }
    }
  }
  for (let i = 0; i < c.pods.length; i++) {
    if (c.pods.length > 1) yield { ...c, pods: c.pods.filter((_, k) => k !== i) };
    const pod = c.pods[i]!;
    for (let q = 0; q < pod.ports.length; q++) {
      yield { ...c, pods: c.pods.map((x, k) => (k === i ? { ...pod, ports: pod.ports.filter((_, m) => m !== q) } : x)) };
    }
  }
  for (let i = 0; i < c.namespaces.length; i++) {
    const ns = c.namespaces[i]!.name;
    if (c.pods.some((p) => p.namespace === ns) || c.policies.some((p) => p.namespace === ns)) continue;
    yield { ...c, namespaces: c.namespaces.filter((_, k) => k !== i) };
  }
}

export function shrinkCluster(cluster: Cluster, fails: (c: Cluster) => boolean): Cluster {
  let current = cluster;
  for (let progress = true; progress; ) {
    progress = false;
    for (const cand of candidates(current)) {
      if (fails(cand)) {
        current = cand;
        progress = true;
        break;
      }
    }
  }
  return current;
}

/** The cluster as Kubernetes manifests, ready to paste into a fixture or test. */
export function reproductionYaml(c: Cluster): string {
  const docs: unknown[] = [];
  for (const ns of c.namespaces) docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns.name, labels: ns.labels } });
  for (const p of c.pods) {
    docs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
      spec: { containers: [{ name: 'c', image: 'x', ports: p.ports.map((cp) => ({ ...cp })) }] },
      status: { podIPs: p.ips.map((ip) => ({ ip })) },
    });
    if (p.hostNetwork) (docs[docs.length - 1] as { spec: Record<string, unknown> }).spec.hostNetwork = true;
  }
  c.policies.forEach((pol, i) => {
    // An empty podSelector is written the two other ways the API server accepts for it —
    // omitted and null — so the manifest reader's reading of those is exercised too.
    const empty = !pol.podSelector.matchLabels && !pol.podSelector.matchExpressions;
    const spec: Mutable<Partial<Omit<NetworkPolicy, 'podSelector'>>> & { podSelector?: NetworkPolicy['podSelector'] | null } = empty
      ? i % 2 === 0
        ? {}
        : { podSelector: null }
      : { podSelector: pol.podSelector };
    if (pol.policyTypes) spec.policyTypes = pol.policyTypes;
    if (pol.ingress) spec.ingress = pol.ingress;
    if (pol.egress) spec.egress = pol.egress;
    docs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: pol.name, namespace: pol.namespace }, spec });
  });
  for (const n of c.nodes ?? []) docs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: n.labels }, status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) } });
  // Tier policies in the model's rule form (TierPolicy in core's model.ts), which is close to the manifests.
  for (const t of c.tierPolicies ?? []) docs.push({ tierPolicy: t });
  return docs.map((d) => dump(d, { noRefs: true, flowLevel: 6 })).join('---\n');
}
