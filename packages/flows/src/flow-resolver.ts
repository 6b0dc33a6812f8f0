/**
 * Maps the peers that captures name (pod names, labels, owner names, addresses,
 * `namespace/name` references) to what the reachability view reasons about: workload
 * endpoints (`namespace/name`, the compiled cluster's endpoints()) or addresses outside the cluster.
 *
 * Captures name pods that the input often only knows as a workload's template (a Deployment
 * without Pods): Hubble says `cart-7b9c6d5f4-x2k8p`, the cluster has `shop/cart`. So, in order:
 * 1. the pod by name, when the input has it;
 * 2. the pod's labels in its namespace (the identity NetworkPolicy itself uses);
 * 3. the owner the capture names (Hubble `workloads`, Gadget `podOwner`);
 * 4. the owner the pod name implies (`<owner>-<suffix>`, `<deployment>-<hash>-<suffix>`);
 * 5. only for a peer known by address alone: the pod with that IP, else an outside address.
 * A peer that names a pod never falls back to its IP: pod IPs are reused, so the address may
 * belong to another pod by now. What cannot be matched is reported, never guessed.
 *
 * Results are memoized per peer key, so a capture of a million records costs one match per
 * distinct peer.
 */
import {
  compile,
  formatIp,
  isWorkloadEndpoint,
  PER_POD_LABELS,
  tryParseIp,
  type Cluster,
  type CompiledCluster,
  type EndpointIndex,
  type Labels,
  type Service,
} from '@lateral/core';
import { isIpv4, type FlowPeer } from './flow-record.js';
import type { FlowEndpoint } from './flow-set.js';

/** A resolved endpoint with the string edges are keyed and sorted by. */
export interface ResolvedEndpoint {
  readonly endpoint: FlowEndpoint;
  readonly id: string;
  /** Small integer, unique per endpoint: edges are folded on numbers, not strings. */
  readonly index: number;
}

export type Resolution =
  | { readonly ok: true; readonly endpoints: readonly ResolvedEndpoint[] }
  | { readonly ok: false; readonly reason: string };

/** A generated pod name suffix (`-x2k8p`), a ReplicaSet hash or a StatefulSet ordinal. */
const NAME_SUFFIX = /^[a-z0-9]{1,10}$/;

interface LabelGroup {
  readonly labels: Labels;
  readonly endpoint: number;
  readonly pod: number;
}

export class FlowResolver {
  readonly index: EndpointIndex;
  private readonly cluster: Cluster;
  private readonly cache = new Map<string, Resolution>();
  private readonly podByName = new Map<string, number>();
  private readonly podByIp = new Map<string, number>();
  private readonly endpointById = new Map<string, number>();
  private readonly endpointsByOwner = new Map<string, number[]>();
  private readonly services = new Map<string, Service>();
  private readonly podsByNamespace = new Map<string, number[]>();
  private readonly labelGroups = new Map<string, LabelGroup[]>();
  /** Endpoint index -> the first pod the flows named for it (FlowEndpoint.pod). */
  private readonly representative = new Map<number, ResolvedEndpoint>();
  private readonly outside = new Map<string, ResolvedEndpoint>();

  constructor(cluster: Cluster, compiled?: CompiledCluster) {
    this.cluster = cluster;
    this.index = (compiled ?? compile(cluster)).endpoints();
    cluster.pods.forEach((p, i) => {
      this.podByName.set(`${p.namespace}/${p.name}`, i);
      for (const ip of p.ips) {
        if (isIpv4(ip)) {
          this.podByIp.set(ip, i);
          continue;
        }
        const a = tryParseIp(ip);
        if (a) this.podByIp.set(a.family === 4 ? ip.trim() : formatIp(6, a.value), i);
      }
      const list = this.podsByNamespace.get(p.namespace);
      if (list) list.push(i);
      else this.podsByNamespace.set(p.namespace, [i]);
    });
    this.index.endpoints.forEach((e, i) => {
      if (!isWorkloadEndpoint(e)) return;
      this.endpointById.set(e.id, i);
      const owner = `${e.namespace}/${e.name}`;
      const list = this.endpointsByOwner.get(owner);
      if (list) list.push(i);
      else this.endpointsByOwner.set(owner, [i]);
    });
    for (const s of cluster.services) this.services.set(`${s.namespace}/${s.name}`, s);
  }

  /** Index in cluster.pods of the pod with this `namespace/name`. */
  podNamed(name: string): number | undefined {
    return this.podByName.get(name);
  }

  /** Index in cluster.pods of the pod with this address (canonical text). */
  podWithIp(ip: string): number | undefined {
    return this.podByIp.get(ip);
  }

  resolve(peer: FlowPeer): Resolution {
    let r = this.cache.get(peer.key);
    if (r === undefined) {
      r = this.match(peer);
      this.cache.set(peer.key, r);
    }
    return r;
  }

  private match(peer: FlowPeer): Resolution {
    if (peer.ref !== undefined) return this.matchRef(peer.ref);
    if (peer.service !== undefined && peer.namespace !== undefined) {
      return this.matchService(peer.namespace, peer.service, peer.labels);
    }
    if (peer.namespace !== undefined && (peer.pod !== undefined || peer.labels !== undefined || peer.workload !== undefined)) {
      return this.matchPod(peer);
    }
    if (peer.ip !== undefined) {
      const pod = this.podByIp.get(peer.ip);
      if (pod !== undefined) return this.ofPod(pod);
      let r = this.outside.get(peer.ip);
      if (!r) {
        r = { endpoint: { kind: 'ip', ip: peer.ip }, id: peer.ip, index: this.index.endpoints.length + this.outside.size };
        this.outside.set(peer.ip, r);
      }
      return { ok: true, endpoints: [r] };
    }
    return { ok: false, reason: 'flow end names neither a pod nor an address' };
  }

  private matchPod(peer: FlowPeer): Resolution {
    const ns = peer.namespace!;
    if (peer.pod !== undefined) {
      const pod = this.podByName.get(`${ns}/${peer.pod}`);
      if (pod !== undefined) return this.ofPod(pod);
    }
    const hints = [peer.workload, ...(peer.pod !== undefined ? ownersImpliedBy(peer.pod) : [])].filter(
      (h): h is string => h !== undefined,
    );
    let ambiguity: string | undefined;
    if (peer.labels !== undefined) {
      const m = this.matchLabels(ns, peer.labels, hints);
      if (typeof m === 'number') return this.ofEndpoint(m);
      ambiguity = m;
    }
    for (const h of hints) {
      const eps = this.endpointsByOwner.get(`${ns}/${h}`);
      if (eps?.length === 1) return this.ofEndpoint(eps[0]!);
      if (eps && eps.length > 1) return { ok: false, reason: this.splitReason(`${ns}/${h}`, eps) };
    }
    if (ambiguity !== undefined) return { ok: false, reason: ambiguity };
    if (peer.pod !== undefined) return { ok: false, reason: `pod ${ns}/${peer.pod} not in the cluster` };
    if (peer.ip !== undefined && peer.labels === undefined) {
      return this.match({ key: peer.key, ip: peer.ip });
    }
    return { ok: false, reason: `no pod in namespace ${ns} has labels ${formatLabels(peer.labels ?? {})}` };
  }

  /**
   * The workload whose pods carry these labels. Captures filter labels (Cilium drops some
   * from identities) or add some (controllers add pod-template-hash): a pod matches when,
   * controller labels aside, its labels contain the flow's or the flow's contain its, and
   * they share at least one. The pod sharing the most wins; a tie is broken by the owner
   * name hints, else reported. Returns an endpoint index or the reason it cannot.
   */
  private matchLabels(ns: string, labels: Labels, hints: readonly string[]): number | string | undefined {
    const want = Object.entries(labels).filter(([k]) => !PER_POD_LABELS.has(k));
    if (want.length === 0) return undefined;
    let best = 0;
    let bestEndpoints = new Set<number>();
    for (const g of this.labelGroupsOf(ns)) {
      const have = Object.entries(g.labels).filter(([k]) => !PER_POD_LABELS.has(k));
      let shared = 0;
      let conflict = false;
      for (const [k, v] of want) {
        const hv = g.labels[k];
        if (hv === undefined) continue;
        if (hv !== v) {
          conflict = true;
          break;
        }
        shared++;
      }
      if (conflict || shared === 0) continue;
      // Either side may be the fuller label set, but one must contain the other.
      if (shared !== want.length && shared !== have.length) continue;
      if (shared > best) {
        best = shared;
        bestEndpoints = new Set([g.endpoint]);
      } else if (shared === best) bestEndpoints.add(g.endpoint);
    }
    if (bestEndpoints.size === 1) return [...bestEndpoints][0]!;
    if (bestEndpoints.size === 0) return undefined;
    for (const h of hints) {
      const named = [...bestEndpoints].filter((e) => {
        const ep = this.index.endpoints[e]!;
        return isWorkloadEndpoint(ep) && ep.name === h;
      });
      if (named.length === 1) return named[0]!;
    }
    const ids = [...bestEndpoints].map((e) => this.index.endpoints[e]!.id).sort();
    return `labels ${formatLabels(labels)} in namespace ${ns} match ${ids.length} workloads: ${ids.join(', ')}`;
  }

  /** One entry per distinct (endpoint, labels) in a namespace: a 1,000-pod workload is one. */
  private labelGroupsOf(ns: string): LabelGroup[] {
    let groups = this.labelGroups.get(ns);
    if (groups) return groups;
    groups = [];
    const seen = new Set<string>();
    for (const i of this.podsByNamespace.get(ns) ?? []) {
      const p = this.cluster.pods[i]!;
      const endpoint = this.index.podEndpoint[i]!;
      const k = `${endpoint}\u0000${formatLabels(p.labels)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      groups.push({ labels: p.labels, endpoint, pod: i });
    }
    this.labelGroups.set(ns, groups);
    return groups;
  }

  /** Generic rows: a pod, an endpoint id, a workload (`namespace/name`), or a pod name's owner. */
  private matchRef(ref: string): Resolution {
    const pod = this.podByName.get(ref);
    if (pod !== undefined) return this.ofPod(pod);
    const ep = this.endpointById.get(ref);
    if (ep !== undefined) return this.ofEndpoint(ep);
    const owned = this.endpointsByOwner.get(ref);
    if (owned?.length === 1) return this.ofEndpoint(owned[0]!);
    if (owned && owned.length > 1) return { ok: false, reason: this.splitReason(ref, owned) };
    const slash = ref.indexOf('/');
    const ns = ref.slice(0, slash);
    for (const owner of ownersImpliedBy(ref.slice(slash + 1))) {
      const eps = this.endpointsByOwner.get(`${ns}/${owner}`);
      if (eps?.length === 1) return this.ofEndpoint(eps[0]!);
    }
    return { ok: false, reason: `${ref} matches no pod or workload in the cluster` };
  }

  /**
   * A Service stands for the pods it selects; a connection to it may reach any of them, so
   * it is a connection to each of their workloads. Gadget reports the selector itself; else
   * the cluster's Service gives it.
   */
  private matchService(ns: string, name: string, selector: Labels | undefined): Resolution {
    const svc = this.services.get(`${ns}/${name}`);
    const sel = selector ?? svc?.selector;
    if (sel === undefined) {
      return { ok: false, reason: svc ? `service ${ns}/${name} has no selector` : `service ${ns}/${name} not in the cluster` };
    }
    const entries = Object.entries(sel);
    const endpoints = new Set<number>();
    if (entries.length > 0) {
      for (const g of this.labelGroupsOf(ns)) {
        if (entries.every(([k, v]) => g.labels[k] === v)) endpoints.add(g.endpoint);
      }
    }
    if (endpoints.size === 0) return { ok: false, reason: `service ${ns}/${name} selects no pod in the cluster` };
    const out: ResolvedEndpoint[] = [];
    for (const e of [...endpoints].sort((a, b) => a - b)) {
      const r = this.ofEndpoint(e);
      if (r.ok) out.push(...r.endpoints);
    }
    return { ok: true, endpoints: out };
  }

  private splitReason(owner: string, eps: readonly number[]): string {
    const ids = eps.map((e) => this.index.endpoints[e]!.id);
    return `workload ${owner} is split by policy into ${ids.join(', ')}: name a pod or an endpoint id`;
  }

  private ofPod(pod: number): Resolution {
    return this.ofEndpoint(this.index.podEndpoint[pod]!, pod);
  }

  private ofEndpoint(endpoint: number, pod?: number): Resolution {
    let r = this.representative.get(endpoint);
    if (!r) {
      const id = this.index.endpoints[endpoint]!.id;
      const rep = pod ?? this.index.endpointPods[endpoint]![0]!;
      r = { endpoint: { kind: 'pod', workload: id, pod: rep }, id, index: endpoint };
      this.representative.set(endpoint, r);
    }
    return { ok: true, endpoints: [r] };
  }
}

/**
 * Owners a generated pod name implies, nearest first: `<owner>-<suffix>` (DaemonSet, Job,
 * StatefulSet ordinal, a ReplicaSet's pod), then `<deployment>-<hash>-<suffix>`.
 */
export function ownersImpliedBy(podName: string): string[] {
  const parts = podName.split('-');
  const out: string[] = [];
  if (parts.length >= 2 && NAME_SUFFIX.test(parts[parts.length - 1]!)) {
    out.push(parts.slice(0, -1).join('-'));
    if (parts.length >= 3 && NAME_SUFFIX.test(parts[parts.length - 2]!)) out.push(parts.slice(0, -2).join('-'));
  }
  return out;
}

function formatLabels(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
