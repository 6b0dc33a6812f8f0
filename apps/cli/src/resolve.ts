import { closest } from '@lateral/analysis';
import { InputError, isWorkloadEndpoint, tryParseIp, type CompiledCluster, type Endpoint, type EndpointIndex, type Pod } from '@lateral/core';

/** What a `--from` / `--to` / query endpoint names: some pods of the cluster, or an outside address. */
export type Target =
  | { readonly kind: 'pods'; readonly label: string; readonly pods: readonly Pod[]; readonly podIndexes: readonly number[] }
  | { readonly kind: 'ip'; readonly label: string; readonly ip: string };

/**
 * Resolves `namespace/name` to a pod (by pod name) or a workload (by its id or owner name),
 * or an IP address to an outside endpoint. Unknown names are input errors naming the closest
 * existing ones.
 */
export function resolveTarget(compiled: CompiledCluster, index: EndpointIndex, text: string, what: string): Target {
  const { cluster } = compiled;
  if (tryParseIp(text)) {
    const owner = cluster.pods.findIndex((p) => p.ips.includes(text));
    if (owner >= 0) {
      const pod = cluster.pods[owner]!;
      return { kind: 'pods', label: `${pod.namespace}/${pod.name}`, pods: [pod], podIndexes: [owner] };
    }
    return { kind: 'ip', label: text, ip: text };
  }
  const podIdx = cluster.pods.findIndex((p) => !p.fromTemplate && `${p.namespace}/${p.name}` === text);
  if (podIdx >= 0) {
    return { kind: 'pods', label: text, pods: [cluster.pods[podIdx]!], podIndexes: [podIdx] };
  }
  const eps = index.endpoints
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => isWorkloadEndpoint(e) && (e.id === text || `${e.namespace}/${e.name}` === text));
  if (eps.length > 0) {
    const podIndexes = eps.flatMap(({ i }) => index.endpointPods[i]!);
    return { kind: 'pods', label: text, pods: podIndexes.map((i) => cluster.pods[i]!), podIndexes };
  }
  if (!text.includes('/')) {
    throw new InputError(`${what} "${text}" is neither namespace/name nor an IP address`);
  }
  const names = [
    ...index.endpoints.filter(isWorkloadEndpoint).map((e) => e.id),
    ...cluster.pods.filter((p) => !p.fromTemplate).map((p) => `${p.namespace}/${p.name}`),
  ];
  const hint = closest(text, names);
  throw new InputError(`${what} "${text}" matches no pod or workload${hint.length ? `; closest: ${hint.join(', ')}` : ''}`);
}

/**
 * Both ends of a connection question. Two outside addresses are no question about the
 * cluster: no policy applies between them, and an answer would be vacuous.
 */
export function resolvePair(
  compiled: CompiledCluster,
  index: EndpointIndex,
  fromText: string,
  toText: string,
  names: { readonly from: string; readonly to: string },
): { from: Target; to: Target } {
  const from = resolveTarget(compiled, index, fromText, names.from);
  const to = resolveTarget(compiled, index, toText, names.to);
  if (from.kind === 'ip' && to.kind === 'ip') {
    throw new InputError(`neither ${names.from} "${fromText}" nor ${names.to} "${toText}" is in the cluster: one end must be a pod or workload (no policy applies between two outside addresses)`);
  }
  return { from, to };
}

/** One pod per class: pods of a class get the same answer, so checking one of each is exact. */
export function representatives(compiled: CompiledCluster, t: Target): Endpoint[] {
  if (t.kind === 'ip') return [{ kind: 'ip', ip: t.ip }];
  const seen = new Map<number, Endpoint>();
  t.podIndexes.forEach((pi, k) => {
    const c = compiled.podClass[pi]!;
    if (!seen.has(c)) seen.set(c, { kind: 'pod', pod: t.pods[k]! });
  });
  return [...seen.values()];
}

/**
 * The endpoint pairs a question about two targets stands for. Two pods of one class are
 * distinct pods only if the target has more than one pod; a single pod to itself stays a
 * self-connection (always allowed).
 */
export function pairsOf(compiled: CompiledCluster, from: Target, to: Target): [Endpoint, Endpoint][] {
  const pairs: [Endpoint, Endpoint][] = [];
  if (from.kind === 'pods' && to.kind === 'pods') {
    // Distinct pod pairs, one per class pair, so workload-to-workload answers are exact.
    const seen = new Set<string>();
    for (let a = 0; a < from.podIndexes.length; a++) {
      for (let b = 0; b < to.podIndexes.length; b++) {
        const pa = from.podIndexes[a]!;
        const pb = to.podIndexes[b]!;
        const key = `${compiled.podClass[pa]}:${compiled.podClass[pb]}:${pa === pb ? 's' : 'd'}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const src = from.pods[a]!;
        // One manifest that stands for several replicas: "to itself" means to another replica.
        const dst = pa === pb && src.replicas > 1 ? anotherReplica(src) : to.pods[b]!;
        pairs.push([{ kind: 'pod', pod: src }, { kind: 'pod', pod: dst }]);
      }
    }
    // Prefer distinct pods: a pod-to-itself pair is only kept when it is all there is.
    const distinct = pairs.filter(([x, y]) => x.kind !== 'pod' || y.kind !== 'pod' || x.pod !== y.pod);
    return distinct.length > 0 ? distinct : pairs;
  }
  for (const a of representatives(compiled, from)) for (const b of representatives(compiled, to)) pairs.push([a, b]);
  return pairs;
}

/** A second replica of a template pod: same labels and ports, so policy treats it alike. */
export function anotherReplica(pod: Pod): Pod {
  return { ...pod, name: `${pod.name} (another replica)`, replicas: 1 };
}
