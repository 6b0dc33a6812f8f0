/**
 * DNS egress. Name lookups are short UDP exchanges that flow captures often miss (and a
 * resolver retries over TCP for large answers), yet without them every other egress rule is
 * useless. So every workload isolated for egress gets the cluster DNS on UDP and TCP 53,
 * whether or not lookups were observed, and the verification counts it as declared, not as a
 * leak.
 *
 * The cluster DNS is the `kube-dns` Service in kube-system (the name every distribution keeps
 * for CoreDNS): its selector picks the pods, its targetPorts the ports as the pods see them.
 * Without that Service in the inputs, the label kubeadm, kOps, EKS, GKE and AKS all keep on
 * CoreDNS (`k8s-app: kube-dns`) stands in, and the report says so.
 */
import {
  matchesSelector,
  type Cluster,
  type Labels,
  type NetworkPolicyEgressRule,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type Protocol,
} from '@lateral/core';
import { targetPort } from '@lateral/flows';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_SERVICE = 'kube-dns';
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

/** The cluster DNS as the inputs describe it. */
export interface DnsTarget {
  readonly namespace: string;
  readonly podLabels: Labels;
  /** Ports as the DNS pods see them, per protocol. */
  readonly ports: Readonly<Record<'UDP' | 'TCP', number>>;
  readonly rule: NetworkPolicyEgressRule;
  /** Where the target came from, for the report. */
  readonly source: string;
}

/** The cluster DNS: the kube-dns Service's selector and target ports, else the convention. */
export function dnsTarget(cluster: Cluster): DnsTarget {
  const svc = cluster.services.find((s) => s.namespace === DNS_NAMESPACE && s.name === DNS_SERVICE);
  if (!svc || svc.selector === undefined || Object.keys(svc.selector).length === 0) {
    return {
      namespace: DNS_NAMESPACE,
      podLabels: DNS_POD_LABELS,
      ports: { UDP: DNS_PORT, TCP: DNS_PORT },
      rule: DNS_RULE,
      source: svc
        ? `service ${DNS_NAMESPACE}/${DNS_SERVICE} has no selector: DNS allowed to pods labelled k8s-app=kube-dns in ${DNS_NAMESPACE}`
        : `no service ${DNS_NAMESPACE}/${DNS_SERVICE} in the inputs: DNS allowed to pods labelled k8s-app=kube-dns in ${DNS_NAMESPACE}`,
    };
  }
  const selector = svc.selector;
  const backend = cluster.pods.find((p) => p.namespace === svc.namespace && matchesSelector({ matchLabels: selector }, p.labels));
  const portFor = (protocol: Protocol): number => {
    const t = targetPort(svc, DNS_PORT, protocol, backend);
    return typeof t === 'number' ? t : DNS_PORT;
  };
  const ports = { UDP: portFor('UDP'), TCP: portFor('TCP') };
  const policyPorts: NetworkPolicyPort[] = [
    { protocol: 'UDP', port: ports.UDP },
    { protocol: 'TCP', port: ports.TCP },
  ];
  return {
    namespace: svc.namespace,
    podLabels: selector,
    ports,
    rule: {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': svc.namespace } }, podSelector: { matchLabels: selector } }],
      ports: policyPorts,
    },
    source: `service ${svc.namespace}/${svc.name}`,
  };
}

/** A pod the DNS rule admits as a destination. */
export function isDnsPod(pod: Pod, dns: DnsTarget = dnsTarget({ namespaces: [], pods: [], workloads: [], services: [], policies: [] })): boolean {
  return pod.namespace === dns.namespace && matchesSelector({ matchLabels: dns.podLabels }, pod.labels);
}

/** A connection the DNS rule allows on the source's side. */
export function isDnsConnection(dst: Pod | undefined, port: number, protocol: string, dns?: DnsTarget): boolean {
  if (dst === undefined || (protocol !== 'UDP' && protocol !== 'TCP')) return false;
  const d = dns ?? dnsTarget({ namespaces: [], pods: [], workloads: [], services: [], policies: [] });
  return port === d.ports[protocol] && isDnsPod(dst, d);
}
