/**
 * DNS egress. Name lookups are short UDP exchanges that flow captures often miss (and a
 * resolver retries over TCP for large answers), yet without them every other egress rule is
 * useless. So every generated egress policy allows the cluster DNS on UDP and TCP 53, whether
 * or not lookups were observed, and the verification counts it as declared, not as a leak.
 */
import { matchesSelector, type Labels, type NetworkPolicyEgressRule, type NetworkPolicyPeer, type Pod } from '@lateral/core';

export const DNS_NAMESPACE = 'kube-system';
/** The label kubeadm, kOps, EKS, GKE and AKS all keep on CoreDNS for kube-dns compatibility. */
export const DNS_POD_LABELS: Labels = { 'k8s-app': 'kube-dns' };
export const DNS_PORT = 53;

export const DNS_PEER: NetworkPolicyPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': DNS_NAMESPACE } },
  podSelector: { matchLabels: DNS_POD_LABELS },
};

export const DNS_RULE: NetworkPolicyEgressRule = {
  to: [DNS_PEER],
  ports: [
    { protocol: 'UDP', port: DNS_PORT },
    { protocol: 'TCP', port: DNS_PORT },
  ],
};

/** A pod the DNS rule admits as a destination. */
export function isDnsPod(pod: Pod): boolean {
  return pod.namespace === DNS_NAMESPACE && matchesSelector({ matchLabels: DNS_POD_LABELS }, pod.labels);
}

/** A connection the DNS rule allows on the source's side. */
export function isDnsConnection(dst: Pod | undefined, port: number, protocol: string): boolean {
  return dst !== undefined && port === DNS_PORT && (protocol === 'UDP' || protocol === 'TCP') && isDnsPod(dst);
}
