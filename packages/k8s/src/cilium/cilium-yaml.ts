/**
 * A NetworkPolicy written as the CiliumNetworkPolicy that allows the same connections under
 * Cilium (`generate --emit cilium`): podSelector → endpointSelector; pod and namespace selectors →
 * fromEndpoints/toEndpoints in Cilium's label conventions (namespace labels as
 * `io.cilium.k8s.namespace.labels.<key>`, the namespace's name as `io.kubernetes.pod.namespace`);
 * ipBlock → fromCIDRSet/toCIDRSet; an absent peer list → every peer; ports → toPorts; a
 * direction of policyTypes without rules → an empty rule (default deny, nothing allowed).
 * `generate` reads the YAML back through the Cilium adapter and verifies that.
 */
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '@lateral/core';
import { effectivePolicyTypes } from '@lateral/core';
import yaml from 'js-yaml';

const NS_NAME = 'kubernetes.io/metadata.name';
const POD_NAMESPACE = 'k8s:io.kubernetes.pod.namespace';
const NS_LABELS = 'k8s:io.cilium.k8s.namespace.labels.';

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

function selector(pod: LabelSelector | undefined, ns: LabelSelector | undefined | null): Selector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<Selector['matchExpressions']> = [];
  for (const [k, v] of Object.entries(pod?.matchLabels ?? {})) matchLabels[`k8s:${k}`] = v;
  for (const r of pod?.matchExpressions ?? []) matchExpressions.push({ key: `k8s:${r.key}`, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) });
  if (ns) {
    let named = false;
    for (const [k, v] of Object.entries(ns.matchLabels ?? {})) {
      named = true;
      if (k === NS_NAME) matchLabels[POD_NAMESPACE] = v;
      else matchLabels[`${NS_LABELS}${k}`] = v;
    }
    for (const r of ns.matchExpressions ?? []) {
      named = true;
      matchExpressions.push({ key: r.key === NS_NAME ? POD_NAMESPACE : `${NS_LABELS}${r.key}`, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) });
    }
    // Every namespace: a namespaced policy's selectors are limited to its own unless they name one.
    if (!named) matchExpressions.push({ key: POD_NAMESPACE, operator: 'Exists' });
  }
  return { ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}), ...(matchExpressions.length > 0 ? { matchExpressions } : {}) };
}

function rule(peers: readonly NetworkPolicyPeer[] | undefined, ports: readonly NetworkPolicyPort[] | undefined, dir: 'from' | 'to'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const endpoints: Selector[] = [];
  const cidrs: { cidr: string; except?: string[] }[] = [];
  for (const p of peers ?? []) {
    if (p.ipBlock) cidrs.push({ cidr: p.ipBlock.cidr, ...(p.ipBlock.except?.length ? { except: [...p.ipBlock.except] } : {}) });
    else endpoints.push(selector(p.podSelector, p.namespaceSelector ?? null));
  }
  if (endpoints.length > 0) out[`${dir}Endpoints`] = endpoints;
  if (cidrs.length > 0) out[`${dir}CIDRSet`] = cidrs;
  if (ports && ports.length > 0) {
    out.toPorts = [
      {
        ports: ports.map((p) => ({
          port: p.port === undefined ? '0' : String(p.port),
          ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
          protocol: p.protocol ?? 'TCP',
        })),
      },
    ];
  }
  // Every peer on every port: the all entity (a rule with neither would select nothing).
  if ((peers ?? []).length === 0 && out.toPorts === undefined) out[`${dir}Entities`] = ['all'];
  return out;
}

export function ciliumPolicyManifest(p: NetworkPolicy, labels?: Record<string, string>): Record<string, unknown> {
  const types = effectivePolicyTypes(p);
  const spec: Record<string, unknown> = { endpointSelector: selector(p.podSelector, undefined) };
  if (types.includes('Ingress')) spec.ingress = (p.ingress ?? []).length === 0 ? [{}] : p.ingress!.map((r) => rule(r.from, r.ports, 'from'));
  if (types.includes('Egress')) spec.egress = (p.egress ?? []).length === 0 ? [{}] : p.egress!.map((r) => rule(r.to, r.ports, 'to'));
  return {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: p.name, namespace: p.namespace, ...(labels ? { labels } : {}) },
    spec,
  };
}

/** Multi-document YAML, one CiliumNetworkPolicy per NetworkPolicy, with `# ` header lines. */
export function ciliumPoliciesYaml(policies: readonly NetworkPolicy[], header: readonly string[] = [], labels?: Record<string, string>): string {
  return (
    header.map((h) => `# ${h}\n`).join('') +
    policies.map((p) => `---\n${yaml.dump(JSON.parse(JSON.stringify(ciliumPolicyManifest(p, labels))), { noRefs: true, lineWidth: -1 })}`).join('')
  );
}
