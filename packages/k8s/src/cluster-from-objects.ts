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
import { DuplicateFilter } from './duplicates.js';
import { ingressFromObject } from './ingress.js';
import { networkPolicyFromObject } from './network-policy.js';
import { nodeFromObject } from './node.js';
import { objectRef, type ObjectRef } from './object-ref.js';
import { objectKey, ownerReference, topOwner, type OwnedObject, type TopOwner } from './owners.js';
import type { ObjectSink, SourceObject } from './parse-manifests.js';
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

/**
 * An object read, as the builder keeps it. A class, so that each of the hundreds of thousands of
 * a large input holds its fields in the object itself (an object literal given more fields than
 * it was made with keeps them in a second, growing array).
 */
class Entry implements OwnedObject {
  /** Set when `obj` was cut down after conversion: reads the whole object again. */
  reread: (() => unknown) | undefined = undefined;
  /**
   * ownerReference of the object, read before `obj` was cut down (null: it names none), or what
   * reading it threw, which the owner walk in finish reports in its turn.
   */
  owner: { kind: string; name: string } | null | undefined = undefined;
  ownerError: { readonly error: unknown } | undefined = undefined;
  /** Its place among the objects kept (not duplicates): the order errors are ranked in. */
  at = -1;
  /** Its pod, for a Pod (whose owner finish fills in). */
  pod: Pod | undefined = undefined;

  constructor(
    readonly ref: ObjectRef,
    public obj: { metadata?: V1ObjectMeta },
    readonly file: string,
    readonly line: number | undefined,
  ) {}
}

/**
 * Turns parsed manifests into the model: pods (real ones, and one per workload that has none in
 * the input, standing for its template), top-level workloads, services, policies and
 * namespaces. Pure: no I/O. Throws an InputError naming file, line, object and field for
 * anything the API server would reject.
 */
export function clusterFromObjects(objects: readonly SourceObject[]): LoadResult {
  const builder = new ClusterBuilder();
  for (const o of objects) builder.add(o);
  return builder.finish();
}

/** An error found while adding objects, kept until finish, with where in the input order it arose. */
interface Found {
  readonly at: number;
  readonly error: unknown;
}

/**
 * clusterFromObjects one object at a time: `add` converts each object as it arrives (a sink for
 * readInputsTo), so a large input's parse tree is never held whole — a pod keeps only the
 * metadata its owner walk needs, and is read again from its text in the rare case that a
 * duplicate must be compared with it. `finish` resolves owners, which may come later in the
 * input, and gives the result. Answers and errors are clusterFromObjects's: the first error in
 * the order it would find them (objects that are no Kubernetes object, then duplicates that
 * differ, then conversion in input order), whatever order the work is done in here.
 */
export class ClusterBuilder {
  private readonly warnings: string[] = [];
  private readonly skipped: Record<string, number> = {};
  private readonly unevaluated: UnevaluatedPolicy[] = [];
  private objectCount = 0;
  private readonly duplicates = new DuplicateFilter<Entry>();
  private readonly byKey = new Map<string, Entry>();
  /** Index of the next kept (not duplicate) object: the order conversion errors are ranked in. */
  private position = 0;
  private duplicateError: Found | undefined;
  private conversionError: Found | undefined;
  private readonly declaredNamespaces = new Map<string, Labels>();
  private readonly referencedNamespaces = new Set<string>();
  private readonly services: Service[] = [];
  private readonly policies: NetworkPolicy[] = [];
  private readonly ingresses: Ingress[] = [];
  private readonly nodes: ClusterNode[] = [];
  private readonly tierPolicies: TierPolicy[] = [];
  private readonly ciliumPolicies: CiliumPolicy[] = [];
  private readonly calico = new CalicoCollector();
  private readonly serviceAccounts: ServiceAccount[] = [];
  private readonly roles: Role[] = [];
  private readonly roleBindings: RoleBinding[] = [];
  private apiServerSlice: ApiServerAddress | undefined;
  private apiServerService: ApiServerAddress | undefined;
  private readonly realPods: Pod[] = [];
  private readonly manifests = new Map<Entry, WorkloadManifest>();
  /** Pods and workload manifests in input order, whose top-level owner finish looks up. */
  private readonly owned: Entry[] = [];

  /** The sink readInputsTo hands objects to. */
  readonly sink: ObjectSink = (o, reread, ref) => this.add(o, reread, ref);

  /**
   * Adds one object; `reread` reads it again (see ObjectSink), which lets a pod be kept small;
   * `known`: its objectRef, when the reader computed it.
   */
  add(o: SourceObject, reread?: () => unknown, known?: ObjectRef): void {
    this.objectCount++;
    const ref = known ?? withinAt(() => locOf(o), () => objectRef(o.obj));
    const e = new Entry(ref, o.obj as Entry['obj'], o.file, o.line);
    const key = objectKey(ref.kind, ref.namespace, ref.name);
    try {
      if (!this.duplicates.admit(e, contentOfEntry, key)) return;
    } catch (error) {
      this.duplicateError ??= { at: this.position, error };
      return;
    }
    this.byKey.set(key, e);
    const at = this.position++;
    // After an error only the checks that come before conversion go on.
    if (this.duplicateError || this.conversionError) return;
    let pod: Pod | undefined;
    try {
      pod = this.convert(e, at);
    } catch (error) {
      this.conversionError = { at, error };
      return;
    }
    if (!reread) return;
    // All that is read of a converted object again: its owner references (the owner walk, which
    // may pass through any kind) and, when it is a top-level owner, its labels and annotations
    // (workloadOf). The rest of its parse tree need not live on: an object kept whole lives
    // through every garbage collection until the end of the load.
    if (pod) {
      // A pod's owner reference is read now, and its labels and annotations are kept as the pod
      // holds them (optLabels and optStringMap of those give the same again).
      try {
        e.owner = ownerReference(e) ?? null;
      } catch (error) {
        e.ownerError = { error };
      }
      const slim: { labels: Labels; annotations?: Labels } = { labels: pod.labels };
      if (pod.annotations !== undefined) slim.annotations = pod.annotations;
      e.obj = { metadata: slim as V1ObjectMeta };
    } else {
      const meta = e.obj.metadata as Record<string, unknown>;
      const slim: Record<string, unknown> = {};
      if (meta.labels !== undefined) slim.labels = meta.labels;
      if (meta.annotations !== undefined) slim.annotations = meta.annotations;
      if (meta.ownerReferences !== undefined) slim.ownerReferences = meta.ownerReferences;
      e.obj = { metadata: slim as V1ObjectMeta };
    }
    e.reread = reread;
  }

  /** Converts a kept object; answers the pod for a Pod (whose owner finish fills in). */
  private convert(e: Entry, at: number): Pod | undefined {
    const { ref } = e;
    if (ref.namespaceGiven || (ref.supported && ref.namespace)) this.referencedNamespaces.add(ref.namespace);
    if (ref.calico) {
      withinAt(() => locOf(e), () => this.calico.add(ref.kind, e.obj, ref.namespace, ref.name));
      return undefined;
    }
    if (ref.unevaluated) {
      this.unevaluated.push(unevaluatedPolicy(ref.unevaluated, e.obj as Record<string, unknown>, ref.namespace, ref.name));
      return undefined;
    }
    if (!ref.supported) {
      this.skipped[ref.skippedAs] = (this.skipped[ref.skippedAs] ?? 0) + 1;
      return undefined;
    }
    let converted: Pod | undefined;
    withinAt(() => locOf(e), () => {
      switch (ref.kind) {
        case 'Namespace': {
          const labels = optLabels(optMapping(e.obj.metadata, 'metadata')?.labels, 'metadata.labels');
          // The API server sets this label on every namespace and overwrites any other value.
          this.declaredNamespaces.set(ref.name, { ...labels, [NAMESPACE_NAME_LABEL]: ref.name });
          break;
        }
        case 'Service':
          this.services.push(serviceFromObject(e.obj as V1Service, ref.namespace, ref.name));
          if (ref.namespace === 'default' && ref.name === 'kubernetes') this.apiServerService = apiServerFromService(e.obj);
          break;
        case 'ServiceAccount':
          this.serviceAccounts.push(serviceAccountFromObject(e.obj, ref.namespace, ref.name));
          break;
        case 'Role':
        case 'ClusterRole':
          this.roles.push(roleFromObject(e.obj, ref.kind, ref.namespace, ref.name));
          break;
        case 'RoleBinding':
        case 'ClusterRoleBinding':
          this.roleBindings.push(roleBindingFromObject(e.obj, ref.kind, ref.namespace, ref.name));
          break;
        case 'EndpointSlice':
          // Only the API server's endpoints matter: where pods' tokens are used.
          if (ref.namespace === 'default') this.apiServerSlice ??= apiServerFromEndpointSlice(e.obj, ref.name);
          break;
        case 'NetworkPolicy':
          this.policies.push(networkPolicyFromObject(e.obj as V1NetworkPolicy, ref.namespace, ref.name));
          break;
        case 'Ingress':
          this.ingresses.push(ingressFromObject(e.obj, ref.namespace, ref.name));
          break;
        case 'Node':
          this.nodes.push(nodeFromObject(e.obj as V1Node, ref.name));
          break;
        case 'ClusterNetworkPolicy':
          this.tierPolicies.push(clusterNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'AdminNetworkPolicy':
          this.tierPolicies.push(adminNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'BaselineAdminNetworkPolicy':
          this.tierPolicies.push(baselineAdminNetworkPolicyFromObject(e.obj as { spec?: unknown }, ref.name));
          break;
        case 'CiliumNetworkPolicy':
        case 'CiliumClusterwideNetworkPolicy':
          this.ciliumPolicies.push(...ciliumPoliciesFromObject(e.obj as { spec?: unknown }, ref.kind, ref.namespace, ref.name));
          break;
        case 'Pod': {
          const pod = realPod(e) as Pod;
          e.at = at;
          e.pod = pod;
          this.owned.push(e);
          this.realPods.push(pod);
          converted = pod;
          break;
        }
        default:
          if (WORKLOAD_KINDS.has(ref.kind)) {
            this.manifests.set(e, readWorkloadManifest(ref.kind, e.obj));
            e.at = at;
            this.owned.push(e);
          }
      }
    });
    return converted;
  }

  /** The cluster; throws the first error found (see the class). */
  finish(): LoadResult {
    if (this.duplicateError) throw this.duplicateError.error;
    const { warnings, manifests, byKey } = this;
    const ownerCache = new Map<OwnedObject, { kind: string; name: string } | undefined>();
    const ownerOf = (o: OwnedObject) => {
      const e = o as Entry;
      if (e.owner !== undefined) return e.owner ?? undefined;
      if (e.ownerError) {
        const { error } = e.ownerError;
        return withinAt(() => locOf(e), () => {
          throw error;
        });
      }
      if (!ownerCache.has(o)) ownerCache.set(o, withinAt(() => locOf(e), () => ownerReference(o)));
      return ownerCache.get(o);
    };
    // Every walk into an ownerReferences cycle finds it again; say it once.
    const warnOnce = (w: string) => void (warnings.includes(w) || warnings.push(w));
    const topOf = (e: Entry): TopOwner => topOwner(e, ownerOf, (k) => byKey.get(k), warnOnce);
    /** Top-level owners in order of first appearance, with the entries that resolve to them. */
    const tops = new Map<string, { top: TopOwner; pods: Pod[]; manifests: Entry[] }>();
    const topFor = (e: Entry) => {
      const top = topOf(e);
      const key = objectKey(top.workload.kind, top.workload.namespace, top.workload.name);
      let t = tops.get(key);
      if (!t) tops.set(key, (t = { top, pods: [], manifests: [] }));
      return t;
    };
    // Owners in input order, as conversion met them: an owner walk's error before the first
    // conversion error is the one to report.
    const stop = this.conversionError?.at ?? Infinity;
    for (const e of this.owned) {
      const { at, pod } = e;
      if (at >= stop) break;
      withinAt(() => locOf(e), () => {
        const t = topFor(e);
        if (pod) {
          // The owner goes in last, as a copy `{ ...pod, owner }` would put it, without the copy.
          (pod as { owner?: WorkloadRef }).owner = t.top.workload;
          t.pods.push(pod);
        } else t.manifests.push(e);
      });
    }
    if (this.conversionError) throw this.conversionError.error;
    const { declaredNamespaces, referencedNamespaces, realPods, services, policies, ingresses, nodes, tierPolicies, ciliumPolicies, calico, serviceAccounts, roles, roleBindings, apiServerSlice, apiServerService } = this;

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
      skipped: this.skipped,
      unevaluated: this.unevaluated,
      warnings,
      objectCount: this.objectCount,
    };
  }
}

/** An earlier entry's whole content, for the duplicate check. */
const contentOfEntry = (prev: Entry): unknown => (prev.reread ? prev.reread() : prev.obj);

function locOf(e: { file: string; line?: number; ref?: ObjectRef }) {
  return {
    file: e.file,
    ...(e.line !== undefined ? { line: e.line } : {}),
    ...(e.ref ? { object: e.ref.label } : {}),
  };
}

/** A Pod object; its owner is filled in by the caller. */
function realPod(e: Entry): Omit<Pod, 'owner'> {
  const pod = e.obj as V1Pod;
  const meta = isMapping(pod.metadata) ? pod.metadata : optMapping(pod.metadata, 'metadata');
  const facts = podSpecFacts(pod.spec, 'spec');
  const status = (isMapping(pod.status) ? pod.status : optMapping(pod.status, 'status')) ?? ({} as V1PodStatus);
  const annotations = meta?.annotations === undefined ? undefined : optStringMap(meta.annotations, 'metadata.annotations');
  const hostIP = typeof status.hostIP === 'string' ? status.hostIP : optString(status.hostIP, 'status.hostIP');
  if (hostIP && !tryParseIp(hostIP)) throw new InputError(`invalid IP address ${quoteValue(hostIP)}`, { field: 'status.hostIP' });
  const ips = podIps(status);
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

/**
 * A pod's addresses: podIP, then podIPs, each text read once and each address kept once. The
 * usual status (podIP alone, or podIP and podIPs that repeat it) is read without the lists the
 * general case keeps; both give the same answer and the same error.
 */
function podIps(status: V1PodStatus): string[] {
  const podIP: unknown = status.podIP;
  const rawIPs: unknown = status.podIPs;
  if (
    typeof podIP === 'string' &&
    podIP !== '' &&
    (rawIPs === undefined || (Array.isArray(rawIPs) && (rawIPs.length === 0 || (rawIPs.length === 1 && isMapping(rawIPs[0]) && rawIPs[0].ip === podIP))))
  ) {
    if (!tryParseIp(podIP)) throw new InputError(`invalid IP address ${quoteValue(podIP)}`, { field: 'status.podIP' });
    return [podIP.trim()];
  }
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
  addIp(status.podIP, () => 'status.podIP');
  const podIPs: readonly unknown[] = Array.isArray(rawIPs) ? rawIPs : list(rawIPs as unknown[] | null | undefined, 'status.podIPs');
  for (let i = 0; i < podIPs.length; i++) {
    const p: unknown = podIPs[i];
    addIp((isMapping(p) ? p : optMapping(p as object | null | undefined, `status.podIPs[${i}]`) as Record<string, unknown> | undefined)?.ip, () => `status.podIPs[${i}].ip`);
  }
  // An array of its exact length (one grown by push holds room for 16, and every pod keeps it).
  return ips.slice();
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
