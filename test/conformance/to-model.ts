/**
 * The upstream e2e cluster (test/e2e/network/netpol/model.go) as a core Cluster: namespaces
 * x, y, z labelled `ns=<name>`, pods a, b, c in each labelled `pod=<name>`, every pod serving
 * 80 and 81 on TCP, UDP and SCTP under the names `serve-<port>-<protocol>`.
 *
 * Upstream learns pod IPs at run time; we fix them so ipBlock cases can be written down:
 * IPv4 10.0.<n>.<m> and IPv6 fd00::<n>:<m>, with n = 1, 2, 3 for x, y, z and m = 1, 2, 3 for
 * a, b, c (x/a is 10.0.1.1 and fd00::1:1, z/c is 10.0.3.3 and fd00::3:3).
 *
 * Kept local (not packages/k8s) so the conformance suite depends on nothing but the model: the
 * NetworkPolicy manifests map 1:1 onto the model's NetworkPolicy, keeping absent vs empty.
 */
import type {
  Cluster,
  ContainerPort,
  IPBlock,
  LabelSelector,
  LabelSelectorRequirement,
  Labels,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  Protocol,
  SelectorOperator,
} from '@lateral/core';
import { NO_SECURITY_FLAGS, PROTOCOLS } from '@lateral/core';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
/** `x/a`, `x/b`, ... `z/c`: the order of cluster.pods and of truth-table rows and columns. */
export const POD_IDS: readonly string[] = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

export type IpFamilyName = 'IPv4' | 'IPv6';

/** What a case step may change about the standard cluster. */
export interface XyzVariant {
  /** Replaces a namespace's labels (kubernetes.io/metadata.name is always added back). */
  readonly namespaceLabels?: Readonly<Record<string, Labels>>;
  /** Replaces a pod's labels, keyed `ns/pod`. */
  readonly podLabels?: Readonly<Record<string, Labels>>;
  /** Replaces a pod's container ports, keyed `ns/pod`. */
  readonly podPorts?: Readonly<Record<string, readonly ContainerPort[]>>;
  /** Which addresses pods get, in this order; IPv4 only by default. */
  readonly ipFamilies?: readonly IpFamilyName[];
}

export function podIp(id: string, family: IpFamilyName): string {
  const [ns, name] = id.split('/');
  const n = NAMESPACES.indexOf(ns as (typeof NAMESPACES)[number]) + 1;
  const m = POD_NAMES.indexOf(name as (typeof POD_NAMES)[number]) + 1;
  if (n === 0 || m === 0) throw new Error(`not a pod of the xyz cluster: ${id}`);
  return family === 'IPv4' ? `10.0.${n}.${m}` : `fd00::${n}:${m}`;
}

/** Upstream's servers: 80 and 81 on every protocol, named `serve-80-tcp` and so on. */
export const SERVE_PORTS: readonly ContainerPort[] = [80, 81].flatMap((port) =>
  PROTOCOLS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol })),
);

export function xyzCluster(policies: readonly NetworkPolicy[], variant: XyzVariant = {}): Cluster {
  for (const key of [...Object.keys(variant.podLabels ?? {}), ...Object.keys(variant.podPorts ?? {})]) {
    if (!POD_IDS.includes(key)) throw new Error(`unknown pod "${key}" (expected one of ${POD_IDS.join(' ')})`);
  }
  for (const key of Object.keys(variant.namespaceLabels ?? {})) {
    if (!(NAMESPACES as readonly string[]).includes(key)) throw new Error(`unknown namespace "${key}"`);
  }
  const families = variant.ipFamilies ?? ['IPv4'];
  const namespaces = NAMESPACES.map((name) => ({
    name,
    labels: { ...(variant.namespaceLabels?.[name] ?? { ns: name }), 'kubernetes.io/metadata.name': name },
  }));
  const pods: Pod[] = POD_IDS.map((id) => {
    const [namespace, name] = id.split('/') as [string, string];
    return {
      namespace,
      name,
      labels: variant.podLabels?.[id] ?? { pod: name },
      ips: families.map((f) => podIp(id, f)),
      ports: variant.podPorts?.[id] ?? SERVE_PORTS,
      owner: { kind: 'Pod', namespace, name },
      hostNetwork: false,
      security: NO_SECURITY_FLAGS,
      replicas: 1,
      fromTemplate: false,
    };
  });
  return { namespaces, pods, workloads: [], services: [], policies };
}

// --- NetworkPolicy manifests -> model ------------------------------------------------------
// YAML `field:` with no value decodes to null; like the API server's decoder we read it as absent.

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new Error(`${where}: expected a mapping`);
  return v;
}

function list(v: unknown, where: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new Error(`${where}: expected a list`);
  return v;
}

function labels(v: unknown, where: string): Labels | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, where);
  for (const [k, val] of Object.entries(o)) {
    if (typeof val !== 'string') throw new Error(`${where}.${k}: label values are strings`);
  }
  return o as Labels;
}

function selector(v: unknown, where: string): LabelSelector | undefined {
  if (v === undefined || v === null) return undefined;
  const o = obj(v, where);
  const matchLabels = labels(o.matchLabels, `${where}.matchLabels`);
  const matchExpressions = list(o.matchExpressions, `${where}.matchExpressions`)?.map(
    (e, i): LabelSelectorRequirement => {
      const r = obj(e, `${where}.matchExpressions[${i}]`);
      return {
        key: String(r.key),
        operator: String(r.operator) as SelectorOperator,
        ...(r.values != null ? { values: (list(r.values, `${where}.values`) ?? []).map(String) } : {}),
      };
    },
  );
  return { ...(matchLabels ? { matchLabels } : {}), ...(matchExpressions ? { matchExpressions } : {}) };
}

function peer(v: unknown, where: string): NetworkPolicyPeer {
  const o = obj(v, where);
  const podSelector = selector(o.podSelector, `${where}.podSelector`);
  const namespaceSelector = selector(o.namespaceSelector, `${where}.namespaceSelector`);
  let ipBlock: IPBlock | undefined;
  if (o.ipBlock != null) {
    const b = obj(o.ipBlock, `${where}.ipBlock`);
    const except = list(b.except, `${where}.ipBlock.except`)?.map(String);
    ipBlock = { cidr: String(b.cidr), ...(except ? { except } : {}) };
  }
  return {
    ...(podSelector ? { podSelector } : {}),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(ipBlock ? { ipBlock } : {}),
  };
}

function policyPort(v: unknown, where: string): NetworkPolicyPort {
  const o = obj(v, where);
  const out: { protocol?: Protocol; port?: number | string; endPort?: number } = {};
  if (o.protocol != null) {
    if (!(PROTOCOLS as readonly unknown[]).includes(o.protocol)) throw new Error(`${where}.protocol: ${String(o.protocol)}`);
    out.protocol = o.protocol as Protocol;
  }
  if (o.port != null) out.port = typeof o.port === 'number' ? o.port : String(o.port);
  if (o.endPort != null) out.endPort = Number(o.endPort);
  return out;
}

function rule(v: unknown, where: string, peersKey: 'from' | 'to'): { peers?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] } {
  const o = obj(v ?? {}, where);
  const peers = list(o[peersKey], `${where}.${peersKey}`)?.map((p, i) => peer(p, `${where}.${peersKey}[${i}]`));
  const ports = list(o.ports, `${where}.ports`)?.map((p, i) => policyPort(p, `${where}.ports[${i}]`));
  return { ...(peers ? { peers } : {}), ...(ports ? { ports } : {}) };
}

/** A networking.k8s.io/v1 NetworkPolicy manifest (as parsed from YAML) as the model's NetworkPolicy. */
export function policyFromManifest(manifest: unknown, where = 'policy'): NetworkPolicy {
  const m = obj(manifest, where);
  if (m.apiVersion !== 'networking.k8s.io/v1' || m.kind !== 'NetworkPolicy') {
    throw new Error(`${where}: expected apiVersion networking.k8s.io/v1, kind NetworkPolicy`);
  }
  const meta = obj(m.metadata, `${where}.metadata`);
  if (typeof meta.name !== 'string' || typeof meta.namespace !== 'string') {
    throw new Error(`${where}.metadata: name and namespace are required here`);
  }
  const spec = obj(m.spec ?? {}, `${where}.spec`);
  const at = `${where} ${meta.namespace}/${meta.name} spec`;
  const policyTypes = list(spec.policyTypes, `${at}.policyTypes`)?.map((t) => {
    if (t !== 'Ingress' && t !== 'Egress') throw new Error(`${at}.policyTypes: ${String(t)}`);
    return t as PolicyType;
  });
  const ingress = list(spec.ingress, `${at}.ingress`)?.map((r, i): NetworkPolicyIngressRule => {
    const { peers, ports } = rule(r, `${at}.ingress[${i}]`, 'from');
    return { ...(peers ? { from: peers } : {}), ...(ports ? { ports } : {}) };
  });
  const egress = list(spec.egress, `${at}.egress`)?.map((r, i): NetworkPolicyEgressRule => {
    const { peers, ports } = rule(r, `${at}.egress[${i}]`, 'to');
    return { ...(peers ? { to: peers } : {}), ...(ports ? { ports } : {}) };
  });
  return {
    namespace: meta.namespace,
    name: meta.name,
    // podSelector is a struct, not a pointer, in the API: missing means {} (every pod).
    podSelector: selector(spec.podSelector, `${at}.podSelector`) ?? {},
    ...(policyTypes ? { policyTypes } : {}),
    ...(ingress ? { ingress } : {}),
    ...(egress ? { egress } : {}),
  };
}
