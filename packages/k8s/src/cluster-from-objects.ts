import type { V1NetworkPolicy, V1Node, V1ObjectMeta, V1Pod, V1PodStatus, V1Service } from '@kubernetes/client-node';
import {
  InputError,
  quoteValue,
  matchesSelector,
  tryParseIp,
  type Cluster,
  type ClusterNode,
  type Ingress,
  type Labels,
  type Namespace,
  type NetworkPolicy,
  type Pod,
  type Service,
  type TierPolicy,
  type CiliumPolicy,
  type Workload,
  type WorkloadRef,
  type ApiServerAddress,
  type Role,
  type RoleBinding,
  type ServiceAccount,
} from '@lateral/core';
import { adminNetworkPolicyFromObject } from './admin-network-policy.js';
import { baselineAdminNetworkPolicyFromObject } from './baseline-admin-network-policy.js';
import { ciliumPoliciesFromObject, resolveCiliumServices } from './cilium/cilium-network-policy.js';
import { clusterNetworkPolicyFromObject } from './cluster-network-policy.js';
import { dropDuplicates } from './duplicates.js';
import { ingressFromObject } from './ingress.js';
import { networkPolicyFromObject } from './network-policy.js';
import { nodeFromObject } from './node.js';
import { objectRefOnce, type ObjectRef } from './object-ref.js';
import { objectKey, ownerReference, topOwner, type OwnedObject, type TopOwner } from './owners.js';
import type { SourceObject } from './parse-manifests.js';
import { podSpecFacts, type PodSpecFacts } from './pod-spec.js';
import { apiServerFromEndpointSlice, apiServerFromService, roleBindingFromObject, roleFromObject, serviceAccountFromObject } from './rbac.js';
import { isMapping, list, optLabels, optMapping, optString, optStringMap } from './raw-fields.js';
import { serviceFromObject } from './service.js';
import { CalicoCollector } from './calico/calico-collector.js';
import { unevaluatedPolicy, type UnevaluatedPolicy } from './unevaluated-policy.js';
import { withinAt } from './within.js';
import { readWorkloadManifest, WORKLOAD_KINDS, type WorkloadManifest } from './workload-manifest.js';

export interface LoadResult {
  cluster: Cluster;
  /** Kind -> how many objects of kinds we do not model were read (and ignored). */
  skipped: Record<string, number>;
  /**
   * Objects of policy kinds Lateral knows but does not evaluate (policy-kinds.ts), in input
   * order: answers they could change must say so.
   */
  unevaluated: UnevaluatedPolicy[];
  warnings: string[];
  /** Objects read, List items counted one by one, before identical duplicates are dropped. */
  objectCount: number;
}

/** The label the API server puts on every namespace (since Kubernetes 1.21). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

interface Entry extends OwnedObject {
  readonly ref: ObjectRef;
  readonly obj: { metadata?: V1ObjectMeta };
  readonly file: string;
  readonly line?: number;
}

/**
 * Turns parsed manifests into the model: pods (real ones, and one per workload that has none in
 * the input, standing for its template), top-level workloads, services, policies and
 * namespaces. Pure: no I/O. Throws an InputError naming file, line, object and field for
 * anything the API server would reject.
 */
export function clusterFromObjects(objects: SourceObject[]): LoadResult {
  const warnings: string[] = [];
  const skipped: Record<string, number> = {};
  const unevaluated: UnevaluatedPolicy[] = [];
  const locOf = (e: { file: string; line?: number; ref?: ObjectRef }) => ({
    file: e.file,
    ...(e.line !== undefined ? { line: e.line } : {}),
    ...(e.ref ? { object: e.ref.label } : {}),
  });

  const entries = dropDuplicates(
    objects.map((o): Entry => {
      const ref = withinAt(() => locOf(o), () => objectRefOnce(o.obj));
      return { ref, obj: o.obj as Entry['obj'], file: o.file, ...(o.line !== undefined ? { line: o.line } : {}) };
    }),
  );
  const byKey = new Map<string, Entry>();
  for (const e of entries) byKey.set(objectKey(e.ref.kind, e.ref.namespace, e.ref.name), e);

  const ownerCache = new Map<OwnedObject, { kind: string; name: string } | undefined>();
  const ownerOf = (o: OwnedObject) => {
    if (!ownerCache.has(o)) ownerCache.set(o, withinAt(() => locOf(o as Entry), () => ownerReference(o)));
    return ownerCache.get(o);
  };
  // Every walk into an ownerReferences cycle finds it again; say it once.
  const warnOnce = (w: string) => void (warnings.includes(w) || warnings.push(w));
  const topOf = (e: Entry): TopOwner => topOwner(e, ownerOf, (k) => byKey.get(k), warnOnce);

  const declaredNamespaces = new Map<string, Labels>();
  const referencedNamespaces = new Set<string>();
  const services: Service[] = [];
  const policies: NetworkPolicy[] = [];
  const ingresses: Ingress[] = [];
  const nodes: ClusterNode[] = [];
  const tierPolicies: TierPolicy[] = [];
  const ciliumPolicies: CiliumPolicy[] = [];
  const calico = new CalicoCollector();
  const serviceAccounts: ServiceAccount[] = [];
  const roles: Role[] = [];
  const roleBindings: RoleBinding[] = [];
  let apiServerSlice: ApiServerAddress | undefined;
  let apiServerService: ApiServerAddress | undefined;
  const realPods: Pod[] = [];
  const manifests = new Map<Entry, WorkloadManifest>();
  /** Top-level owners in order of first appearance, with the entries that resolve to them. */
  const tops = new Map<string, { top: TopOwner; pods: Pod[]; manifests: Entry[] }>();
  const topFor = (e: Entry) => {
    const top = topOf(e);
    const key = objectKey(top.workload.kind, top.workload.namespace, top.workload.name);
    let t = tops.get(key);
    if (!t) tops.set(key, (t = { top, pods: [], manifests: [] }));
    return t;
  };

  for (const e of entries) {
    const { ref } = e;
    if (ref.namespaceGiven || (ref.supported && ref.namespace)) referencedNamespaces.add(ref.namespace);
    if (ref.calico) {
      withinAt(() => locOf(e), () => calico.add(ref.kind, e.obj, ref.namespace, ref.name));
      continue;
    }
    if (ref.unevaluated) {
      unevaluated.push(unevaluatedPolicy(ref.unevaluated, e.obj as Record<string, unknown>, ref.namespace, ref.name));
      continue;
    }
    if (!ref.supported) {
      skipped[ref.skippedAs] = (skipped[ref.skippedAs] ?? 0) + 1;
      continue;
    }
    withinAt(() => locOf(e), () => {
      switch (ref.kind) {
        case 'Namespace': {
          const labels = optLabels(optMapping(e.obj.metadata, 'metadata')?.labels, 'metadata.labels');
          // The API server sets this label on every namespace and overwrites any other value.
          declaredNamespaces.set(ref.name, { ...labels, [NAMESPACE_NAME_LABEL]: ref.name });
          break;
        }
        case 'Service':
          services.push(serviceFromObject(e.obj as V1Service, ref.namespace, ref.name));
          if (ref.namespace === 'default' && ref.name === 'kubernetes') apiServerService = apiServerFromService(e.obj);
          break;
        case 'ServiceAccount':
          serviceAccounts.push(serviceAccountFromObject(e.obj, ref.namespace, ref.name));
          break;
        case 'Role':
        case 'ClusterRole':
          roles.push(roleFromObject(e.obj, ref.kind, ref.namespace, ref.name));
          break;
        case 'RoleBinding':
        case 'ClusterRoleBinding':
          roleBindings.push(roleBindingFromObject(e.obj, ref.kind, ref.namespace, ref.name));
          break;
        case 'EndpointSlice':
          // Only the API server's endpoints matter: where pods' tokens are used.
          if (ref.namespace === 'default') apiServerSlice ??= apiServerFromEndpointSlice(e.obj, ref.name);
          break;
        case 'NetworkPolicy':
          policies.push(networkPolicyFromObject(e.obj as V1NetworkPolicy, ref.namespace, ref.name));
          break;
        case 'Ingress':
          ingresses.push(ingressFromObject(e.obj, ref.namespace, ref.name));
          break;
        case 'Node':
          nodes.push(nodeFromObject(e.obj as V1Node, ref.name));
          break;
        case 'ClusterNetworkPolicy':
          tierPolicies.push(clusterNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'AdminNetworkPolicy':
          tierPolicies.push(adminNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'BaselineAdminNetworkPolicy':
          tierPolicies.push(baselineAdminNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'CiliumNetworkPolicy':
        case 'CiliumClusterwideNetworkPolicy':
          ciliumPolicies.push(...ciliumPoliciesFromObject(e.obj as { spec?: unknown }, ref.kind, ref.namespace, ref.name));
          break;
        case 'Pod': {
          const pod = realPod(e);
          const t = topFor(e);
          // The owner goes in last, as a copy `{ ...pod, owner }` would put it, without the copy.
          (pod as { owner?: WorkloadRef }).owner = t.top.workload;
          t.pods.push(pod as Pod);
          realPods.push(pod as Pod);
          break;
        }
        default:
          if (WORKLOAD_KINDS.has(ref.kind)) {
            manifests.set(e, readWorkloadManifest(ref.kind, e.obj));
            topFor(e).manifests.push(e);
          }
      }
    });
  }

  const workloads: Workload[] = [];
  const templatePods: Pod[] = [];
  // Pods whose owner chain leaves the input, by namespace (see warnAboutOrphans).
  const orphans = new Map<string, { top: TopOwner; pods: Pod[] }[]>();
  for (const t of tops.values()) {
    if (t.top.object || t.pods.length === 0) continue;
    const ns = t.top.workload.namespace;
    const list = orphans.get(ns);
    if (list) list.push(t);
    else orphans.set(ns, [t]);
  }
  for (const { top, pods, manifests: group } of tops.values()) {
    workloads.push(workloadOf(top, manifests, locOf));
    if (pods.length > 0 || group.length === 0) continue;
    // No pod of this workload is in the input: one pod stands for its template. The top-level
    // object's own template wins (a Deployment's, not its ReplicaSet's); when the top is not a
    // workload manifest of the input, the manifest asking for the most pods does.
    const topEntry = top.object as Entry | undefined;
    const chosen =
      (topEntry && manifests.has(topEntry) ? topEntry : undefined) ??
      group.reduce((best, m) => (manifests.get(m)!.replicas > manifests.get(best)!.replicas ? m : best));
    const m = manifests.get(chosen)!;
    templatePods.push({
      namespace: top.workload.namespace,
      name: top.workload.name,
      labels: m.templateLabels,
      ips: [],
      ports: m.template.ports,
      ...(m.template.node ? { node: m.template.node } : {}),
      owner: top.workload,
      hostNetwork: m.template.hostNetwork,
      security: m.template.security,
      replicas: m.replicas,
      fromTemplate: true,
      ...(m.templateAnnotations ? { annotations: m.templateAnnotations } : {}),
      ...identityOf(m.template),
    });
    warnAboutOrphans(top.workload, m, orphans.get(top.workload.namespace) ?? [], warnings);
  }

  for (const ns of referencedNamespaces) {
    if (!declaredNamespaces.has(ns)) declaredNamespaces.set(ns, { [NAMESPACE_NAME_LABEL]: ns });
  }
  const namespaces: Namespace[] = [...declaredNamespaces.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, labels]) => ({ name, labels }));

  return {
    cluster: {
      namespaces,
      pods: [...realPods, ...templatePods],
      workloads,
      services,
      policies,
      ...(ingresses.length > 0 ? { ingresses } : {}),
      ...(nodes.length > 0 ? { nodes } : {}),
      ...(tierPolicies.length > 0 ? { tierPolicies } : {}),
      ...(ciliumPolicies.length > 0 ? { ciliumPolicies: resolveCiliumServices(ciliumPolicies, services) } : {}),
      ...(calico.any() ? { calico: calico.objects() } : {}),
      ...(serviceAccounts.length > 0 ? { serviceAccounts } : {}),
      ...(roles.length > 0 ? { roles } : {}),
      ...(roleBindings.length > 0 ? { roleBindings } : {}),
      ...((apiServerSlice ?? apiServerService) ? { apiServer: (apiServerSlice ?? apiServerService)! } : {}),
    },
    skipped,
    unevaluated,
    warnings,
    objectCount: objects.length,
  };
}

/** A Pod object; its owner is filled in by the caller. */
function realPod(e: Entry): Omit<Pod, 'owner'> {
  const pod = e.obj as V1Pod;
  const meta = isMapping(pod.metadata) ? pod.metadata : optMapping(pod.metadata, 'metadata');
  const facts = podSpecFacts(pod.spec, 'spec');
  const status = (isMapping(pod.status) ? pod.status : optMapping(pod.status, 'status')) ?? ({} as V1PodStatus);
  const ips: string[] = [];
  // Texts already read, and the addresses they gave (family:value): podIP is podIPs[0] as
  // written, so the same text is parsed once; two spellings of one address are kept once.
  const added: string[] = [];
  const keys: string[] = [];
  const addIp = (v: unknown, field: () => string) => {
    const s = typeof v === 'string' ? v : optString(v, field());
    if (!s || added.includes(s)) return;
    added.push(s);
    const ip = tryParseIp(s);
    if (!ip) throw new InputError(`invalid IP address ${quoteValue(s)}`, { field: field() });
    const key = `${ip.family}:${ip.value}`;
    if (!keys.includes(key)) {
      keys.push(key);
      ips.push(s.trim());
    }
  };
  const annotations = meta?.annotations === undefined ? undefined : optStringMap(meta.annotations, 'metadata.annotations');
  const hostIP = typeof status.hostIP === 'string' ? status.hostIP : optString(status.hostIP, 'status.hostIP');
  if (hostIP && !tryParseIp(hostIP)) throw new InputError(`invalid IP address ${quoteValue(hostIP)}`, { field: 'status.hostIP' });
  addIp(status.podIP, () => 'status.podIP');
  const rawIPs: unknown = status.podIPs;
  const podIPs: readonly unknown[] = Array.isArray(rawIPs) ? rawIPs : list(rawIPs as unknown[] | null | undefined, 'status.podIPs');
  for (let i = 0; i < podIPs.length; i++) {
    const p: unknown = podIPs[i];
    addIp((isMapping(p) ? p : optMapping(p as object | null | undefined, `status.podIPs[${i}]`) as Record<string, unknown> | undefined)?.ip, () => `status.podIPs[${i}].ip`);
  }
  // Built by assignment in the order a literal with spreads would give (see pod-spec.ts's portOf).
  const out: { -readonly [K in keyof Omit<Pod, 'owner'>]: Omit<Pod, 'owner'>[K] } = {
    namespace: e.ref.namespace,
    name: e.ref.name,
    labels: optLabels(meta?.labels, 'metadata.labels') ?? {},
    ips,
    ports: facts.ports,
  } as unknown as Omit<Pod, 'owner'>;
  if (facts.node) out.node = facts.node;
  out.hostNetwork = facts.hostNetwork;
  out.security = facts.security;
  out.replicas = 1;
  out.fromTemplate = false;
  if (annotations) out.annotations = annotations;
  if (hostIP) out.hostIP = hostIP.trim();
  if (facts.serviceAccountName) out.serviceAccountName = facts.serviceAccountName;
  if (facts.automountServiceAccountToken !== undefined) out.automountServiceAccountToken = facts.automountServiceAccountToken;
  return out;
}

function identityOf(facts: PodSpecFacts): Pick<Pod, 'serviceAccountName' | 'automountServiceAccountToken'> {
  // By assignment: an object literal that starts with a spread is slow in V8 (see pod-spec.ts).
  const identity: { serviceAccountName?: string; automountServiceAccountToken?: boolean } = {};
  if (facts.serviceAccountName) identity.serviceAccountName = facts.serviceAccountName;
  if (facts.automountServiceAccountToken !== undefined) identity.automountServiceAccountToken = facts.automountServiceAccountToken;
  return identity;
}

function workloadOf(
  top: TopOwner,
  manifests: ReadonlyMap<Entry, WorkloadManifest>,
  locOf: (e: Entry) => { file: string; line?: number; object?: string },
): Workload {
  const { kind, namespace, name } = top.workload;
  const entry = top.object as Entry | undefined;
  // The chain left the input: all we know of the owner is its kind and name.
  if (!entry) return { kind, namespace, name, labels: {} };
  return withinAt(() => locOf(entry), () => {
    const meta = optMapping(entry.obj.metadata, 'metadata');
    const labels = optLabels(meta?.labels, 'metadata.labels') ?? {};
    const annotations = optStringMap(meta?.annotations, 'metadata.annotations');
    const m = manifests.get(entry);
    const replicas = m ? m.replicas : kind === 'Pod' ? 1 : undefined;
    return {
      kind,
      namespace,
      name,
      labels,
      ...(m?.selector ? { selector: m.selector } : {}),
      ...(replicas !== undefined ? { replicas } : {}),
      ...(annotations ? { annotations } : {}),
    };
  });
}

/**
 * `kubectl get pods,deployments` without the ReplicaSets in between leaves the Deployment with
 * no pods resolving to it, while its pods resolve to a ReplicaSet outside the input. Both then
 * appear; say so, since the user likely meant them to be one workload.
 */
function warnAboutOrphans(
  workload: WorkloadRef,
  m: WorkloadManifest,
  orphans: readonly { top: TopOwner; pods: Pod[] }[],
  warnings: string[],
): void {
  if (!m.selector || orphans.length === 0) return;
  const owners: string[] = [];
  let count = 0;
  for (const { top, pods } of orphans) {
    const matching = pods.filter((p) => matchesSelector(m.selector!, p.labels)).length;
    if (matching > 0) {
      count += matching;
      owners.push(`${top.workload.kind} ${top.workload.name}`);
    }
  }
  if (count === 0) return;
  warnings.push(
    `${workload.kind} ${workload.namespace}/${workload.name} has no pods in the input and stands for its template, ` +
      `but its selector matches ${count} pod(s) owned by ${owners.join(', ')}, which ${owners.length === 1 ? 'is' : 'are'} ` +
      `not in the input; include the ReplicaSets (or other owners) to have them counted once`,
  );
}
