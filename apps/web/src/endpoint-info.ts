/**
 * What the UI needs to draw an endpoint: the reach JSON's endpoint plus the labels it can be
 * filtered by and whether its pods are isolated for ingress and egress. A workload that is not
 * isolated in a direction accepts (or sends) anything in that direction — the map marks it.
 */
import { isWorkloadEndpoint, podIsolation, type NetworkPolicy, type ReachEndpoint } from '@lateral/core';
import type { Session } from './session.js';

export type EndpointInfo = ReachEndpoint & {
  readonly labels?: Readonly<Record<string, string>>;
  readonly ingressIsolated?: boolean;
  readonly egressIsolated?: boolean;
  /** Declared container ports, e.g. `TCP 8080 (http)`. */
  readonly declaredPorts?: readonly string[];
};

export function endpointInfos(s: Session): EndpointInfo[] {
  const byNs = new Map<string, NetworkPolicy[]>();
  for (const p of s.cluster.policies) {
    const l = byNs.get(p.namespace);
    if (l) l.push(p);
    else byNs.set(p.namespace, [p]);
  }
  return s.index.endpoints.map((e, i) => {
    if (!isWorkloadEndpoint(e)) return e;
    // Pods of one endpoint share a class, so one pod answers for all of them.
    const pod = s.cluster.pods[s.index.endpointPods[i]![0]!]!;
    const iso = podIsolation(pod, byNs.get(pod.namespace) ?? []);
    return {
      ...e,
      labels: pod.labels,
      ingressIsolated: iso.ingress,
      egressIsolated: iso.egress,
      declaredPorts: pod.ports.map((p) => `${p.protocol} ${p.containerPort}${p.name ? ` (${p.name})` : ''}`),
    };
  });
}
