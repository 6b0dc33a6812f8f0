/**
 * The attack graph: what an attacker who holds one foothold can do next. Nodes are workloads
 * (the compiled cluster's endpoints()), the machines they run on (`node:<name>`) and
 * `internet`; edges are the moves:
 *
 * - network: A opens a connection to a port B serves, as the compiled NetworkPolicy
 *   reachability allows it (class-level ports: no pod pairs are visited);
 * - entry: internet -> B when B is exposed (LoadBalancer/NodePort Service, Ingress backend,
 *   hostPort, hostNetwork) and B's ingress admits addresses outside the cluster on that port;
 * - escalation: B -> its node when B can escape its container, node -> every workload with
 *   pods on it; an identity that may start privileged pods -> every node;
 * - identity: B -> the ServiceAccount token its pods mount (when its egress reaches the API
 *   server), and a token -> what its RBAC rules allow (identity.ts).
 *
 * It is a graphology graph so that queries (blast radius, paths, choke points) are graph
 * queries; the dense pod-level relation stays in the engine's bitsets underneath.
 */
import { DirectedGraph } from 'graphology';
import { matchesSelector } from '../semantics/label-selector.js';
import { tryParseIp } from '../semantics/ip.js';
import { InputError } from '../model/errors.js';
import type { ApiServerAddress, ContainerPort, Ingress, IngressBackend, Pod, Protocol, Service } from '../model/model.js';
import { ALL_NAMESPACES, CLUSTER_ADMIN, hasMoves, identityGrants, identityId, podSecurityAdmitsPrivileged } from './identity.js';
import { PROTOCOLS } from '../model/model.js';
import type { PortRange, ProtoPorts } from '../semantics/port-set.js';
import { rangesContain } from '../semantics/port-set.js';
import type { CompiledCluster } from '../engine/reachability.js';
import { isWorkloadEndpoint, type EndpointIndex, type WorkloadEndpoint } from '../workloads/workload-reach.js';

export const INTERNET = 'internet';
/** Stands for "whichever node it runs on" where placement is not in the input. */
export const ANY_NODE = 'node:*';
export const CROWN_JEWEL_ANNOTATION = 'lateral.dev/crown-jewel';

export type EscapeReason = 'privileged' | 'hostPID' | 'hostIPC' | 'hostNetwork' | 'hostPath' | 'CAP_SYS_ADMIN';

/** Where a workload's pods run: named nodes, every node (a DaemonSet template), or unknown. */
export type Placement = { readonly kind: 'nodes'; readonly nodes: readonly string[] } | { readonly kind: 'every' } | { readonly kind: 'unknown' };

export interface WorkloadNodeAttributes {
  readonly kind: 'workload';
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly workloadKind: string;
  /** Index into the endpoint index. */
  readonly endpoint: number;
  readonly pods: number;
  /** Marked with the crown-jewel annotation on the workload or its pods. */
  readonly annotatedCrownJewel: boolean;
  readonly escapes: readonly EscapeReason[];
  readonly hostNetwork: boolean;
  /** Declares no container ports: taken to serve every port its policies allow. */
  readonly undeclaredPorts: boolean;
  readonly placement: Placement;
  /**
   * The ServiceAccount token its pods mount, when RBAC gives that account a move, and whether
   * the pods can use it (their egress must reach the API server).
   */
  readonly token?: { readonly serviceAccount: string; readonly usable: boolean; readonly because: string };
}

export interface MachineNodeAttributes {
  readonly kind: 'node';
  readonly id: string;
  /** Node name; `*` for ANY_NODE. */
  readonly name: string;
}

export interface InternetNodeAttributes {
  readonly kind: 'internet';
  readonly id: typeof INTERNET;
}

/** A ServiceAccount's token (`sa:ns/name`), or `cluster-admin`. */
export interface IdentityNodeAttributes {
  readonly kind: 'identity';
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
}

export type AttackNodeAttributes = WorkloadNodeAttributes | MachineNodeAttributes | InternetNodeAttributes | IdentityNodeAttributes;

/** A port (or, where the destination declares none, a range) an edge lets the attacker use. */
export interface AttackPort {
  readonly protocol: Protocol;
  readonly port: number;
  /** Inclusive end when this is a range (undeclared ports). */
  readonly endPort?: number;
  /** The container port's name, when declared. */
  readonly name?: string;
}

/** How a workload is exposed to the outside, and which outside addresses policy admits there. */
export interface Exposure {
  /** `Service shop/web (LoadBalancer)`, `Ingress shop/web -> Service shop/web`, `hostPort 8443`, `hostNetwork`. */
  readonly via: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** Ids of the external address groups the destination's ingress admits on that port. */
  readonly admits: readonly string[];
}

export type AttackEdgeAttributes =
  | { readonly kind: 'network'; readonly ports: readonly AttackPort[]; readonly undeclaredPorts: boolean }
  | { readonly kind: 'entry'; readonly exposures: readonly Exposure[] }
  | {
      readonly kind: 'escalation';
      readonly reason: string;
      /** On a move an RBAC grant gives (an identity starting privileged pods): the grant's evidence, which names the Role rule and binding. */
      readonly grant?: string;
    }
  | {
      readonly kind: 'identity';
      readonly reason: string;
      /** On a move an RBAC grant gives: the grant's evidence (Role rule and binding); removing it is one change. */
      readonly grant?: string;
      /** On a workload -> token edge: the API server address its egress was checked against. */
      readonly apiServer?: { readonly address: string; readonly port: number; readonly via: string };
    };

/** How a move is labelled and filtered: entry moves are network moves from the internet. */
export type EdgeCategory = 'network' | 'escalation' | 'identity';
export const EDGE_CATEGORIES: readonly EdgeCategory[] = ['network', 'escalation', 'identity'];

export function edgeCategory(kind: AttackEdgeAttributes['kind']): EdgeCategory {
  return kind === 'entry' ? 'network' : kind;
}

export type AttackGraphology = DirectedGraph<AttackNodeAttributes, AttackEdgeAttributes>;

export interface AttackGraphOptions {
  /**
   * Manifests without nodeName do not say which pods share a node. When true, a workload that
   * escapes and whose placement is unknown is taken to reach every node (and so every
   * workload); the default does not assume it.
   */
  readonly assumeColocation?: boolean;
  /** Which kinds of move to draw (default all). `['network']` shows what policy alone allows. */
  readonly edges?: readonly EdgeCategory[];
  /** Where pods reach the API server, overriding the input's `default/kubernetes`. */
  readonly apiServer?: ApiServerAddress;
}

export interface AttackGraph {
  readonly graph: AttackGraphology;
  readonly compiled: CompiledCluster;
  readonly index: EndpointIndex;
  readonly options: AttackGraphOptions;
  /** Workload node ids, sorted. */
  readonly workloads: readonly string[];
  /** Workloads that can escape to a node whose placement is unknown (no escalation edge drawn). */
  readonly unplacedEscapes: readonly string[];
  /** Identity node ids (ServiceAccount tokens with a move, cluster-admin), sorted. */
  readonly identities: readonly string[];
}

function escapesOf(pods: readonly Pod[]): EscapeReason[] {
  const out = new Set<EscapeReason>();
  for (const p of pods) {
    if (p.security.privileged) out.add('privileged');
    if (p.security.hostPID) out.add('hostPID');
    if (p.security.hostIPC) out.add('hostIPC');
    if (p.hostNetwork) out.add('hostNetwork');
    if (p.security.hostPath) out.add('hostPath');
    if (p.security.sysAdmin) out.add('CAP_SYS_ADMIN');
  }
  return [...out];
}

function placementOf(ep: WorkloadEndpoint, pods: readonly Pod[]): Placement {
  const nodes = [...new Set(pods.flatMap((p) => (p.node ? [p.node] : [])))].sort();
  if (nodes.length > 0 && pods.every((p) => p.node)) return { kind: 'nodes', nodes };
  // A DaemonSet's pods run on every (schedulable) node: colocated with everything, known or not.
  if (ep.kind === 'DaemonSet' && pods.every((p) => p.fromTemplate)) return { kind: 'every' };
  if (nodes.length > 0) return { kind: 'nodes', nodes };
  return { kind: 'unknown' };
}

/** Declared container ports of a workload's pods, one per (protocol, number). */
function declaredPorts(pods: readonly Pod[]): ContainerPort[] {
  const seen = new Map<string, ContainerPort>();
  for (const p of pods) for (const cp of p.ports) {
    const k = `${cp.protocol}/${cp.containerPort}`;
    if (!seen.has(k)) seen.set(k, cp);
  }
  return [...seen.values()].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.containerPort - b.containerPort));
}

/** What of `allowed` the destination serves: its declared ports, or (none declared) all of it. */
export function servedPorts(declared: readonly ContainerPort[], allowed: ProtoPorts): AttackPort[] {
  if (declared.length === 0) {
    return PROTOCOLS.flatMap((protocol) =>
      allowed[protocol].map(([a, b]: PortRange) => (a === b ? { protocol, port: a } : { protocol, port: a, endPort: b })),
    );
  }
  const out: AttackPort[] = [];
  for (const cp of declared) {
    if (rangesContain(allowed[cp.protocol], cp.containerPort)) {
      out.push({ protocol: cp.protocol, port: cp.containerPort, ...(cp.name !== undefined ? { name: cp.name } : {}) });
    }
  }
  return out;
}

/** `TCP 5432 (postgres)`, `TCP 1-65535`. */
export function formatAttackPort(p: AttackPort): string {
  const n = p.endPort !== undefined ? `${p.port}-${p.endPort}` : `${p.port}`;
  return `${p.protocol} ${n}${p.name ? ` (${p.name})` : ''}`;
}

/** A Service port's target on a pod: number, named container port (with its protocol), or the port itself. */
function targetOf(sp: Service['ports'][number], pod: Pod): number | undefined {
  if (sp.targetPort === undefined) return sp.port;
  if (typeof sp.targetPort === 'number') return sp.targetPort;
  return pod.ports.find((cp) => cp.name === sp.targetPort && cp.protocol === sp.protocol)?.containerPort;
}

interface RawExposure {
  readonly via: string;
  readonly protocol: Protocol;
  readonly port: number;
}

/**
 * The Services and Ingresses that publish anything, by namespace: a cluster has thousands of
 * ClusterIP Services and workloads, and only the few published ones matter for entry edges.
 */
interface Publishers {
  /** LoadBalancer and NodePort Services. */
  readonly services: ReadonlyMap<string, readonly Service[]>;
  /** Ingress backends, each resolved to its Service (in the Ingress's namespace). */
  readonly backends: ReadonlyMap<string, readonly { readonly ingress: Ingress; readonly backend: IngressBackend; readonly service: Service }[]>;
}

function publishersOf(cluster: CompiledCluster['cluster']): Publishers {
  const services = new Map<string, Service[]>();
  const byName = new Map<string, Service>();
  for (const s of cluster.services) {
    // The first of duplicate names wins, as a search in input order would find it.
    const key = `${s.namespace}/${s.name}`;
    if (!byName.has(key)) byName.set(key, s);
    if (s.type !== 'LoadBalancer' && s.type !== 'NodePort') continue;
    const l = services.get(s.namespace);
    if (l) l.push(s);
    else services.set(s.namespace, [s]);
  }
  const backends = new Map<string, { ingress: Ingress; backend: IngressBackend; service: Service }[]>();
  for (const ingress of cluster.ingresses ?? []) {
    for (const backend of ingress.backends) {
      const service = byName.get(`${ingress.namespace}/${backend.service}`);
      if (!service) continue;
      const l = backends.get(ingress.namespace);
      if (l) l.push({ ingress, backend, service });
      else backends.set(ingress.namespace, [{ ingress, backend, service }]);
    }
  }
  return { services, backends };
}

/** Every way the pods of a workload are published outside the cluster. */
function exposuresOf(publishers: Publishers, pods: readonly Pod[], declared: readonly ContainerPort[]): RawExposure[] {
  const pod = pods[0];
  if (!pod) return [];
  const out: RawExposure[] = [];
  const selects = (s: Service) =>
    s.namespace === pod.namespace && s.selector !== undefined && pods.some((p) => matchesSelector({ matchLabels: s.selector! }, p.labels));
  for (const s of publishers.services.get(pod.namespace) ?? []) {
    if (!selects(s)) continue;
    for (const sp of s.ports) {
      const t = targetOf(sp, pod);
      if (t !== undefined) out.push({ via: `Service ${s.namespace}/${s.name} (${s.type})`, protocol: sp.protocol, port: t });
    }
  }
  for (const { ingress: ing, backend: b, service: s } of publishers.backends.get(pod.namespace) ?? []) {
    if (!selects(s)) continue;
    for (const sp of s.ports) {
      if (b.port !== undefined && sp.port !== b.port && sp.name !== b.port) continue;
      const t = targetOf(sp, pod);
      if (t !== undefined) {
        out.push({ via: `Ingress ${ing.namespace}/${ing.name} -> Service ${s.namespace}/${s.name}`, protocol: sp.protocol, port: t });
      }
    }
  }
  for (const cp of declared) {
    if (cp.hostPort !== undefined) out.push({ via: `hostPort ${cp.hostPort}`, protocol: cp.protocol, port: cp.containerPort });
  }
  return out;
}

/** Edges as parallel lists, in insertion order: from `eu[k]` to `ev[k]` with `attrs[attr[k]]`. */
export interface EdgeList {
  readonly count: number;
  readonly eu: ArrayLike<number>;
  readonly ev: ArrayLike<number>;
  readonly attr: ArrayLike<number>;
  readonly attrs: readonly AttackEdgeAttributes[];
}

/** What buildAttackGraph recorded, by integer (adjacency.ts builds the query arrays from it). */
export interface GraphRecording {
  readonly ids: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly nodeAttrs: readonly AttackNodeAttributes[];
  readonly edges: EdgeList;
}

const recordings = new WeakMap<AttackGraph, GraphRecording>();

/** Graphology's graph of a recording: the same nodes and moves in the same order; edge keys are insertion numbers. */
function graphologyOf(rec: GraphRecording, keys?: Int32Array): AttackGraphology {
  const graph: AttackGraphology = new DirectedGraph<AttackNodeAttributes, AttackEdgeAttributes>();
  rec.ids.forEach((id, i) => graph.addNode(id, rec.nodeAttrs[i]!));
  const { count, eu, ev, attr, attrs } = rec.edges;
  for (let k = 0; k < count; k++) graph.addDirectedEdgeWithKey(String(keys ? keys[k]! : k), rec.ids[eu[k]!]!, rec.ids[ev[k]!]!, attrs[attr[k]!]!);
  return graph;
}

/**
 * The graph without the moves `drop` picks (by node index, as the recording numbers them): the
 * same nodes and the other moves in their order, each keeping its edge key. Made from the
 * integer recording, so queries on it never build a named graph; a graph made otherwise is
 * copied through graphology.
 */
export function withoutMoves(ag: AttackGraph, drop: (from: number, to: number, attrs: AttackEdgeAttributes) => boolean): AttackGraph {
  const rec = recordings.get(ag);
  const base = { compiled: ag.compiled, index: ag.index, options: ag.options, workloads: ag.workloads, unplacedEscapes: ag.unplacedEscapes, identities: ag.identities };
  if (!rec) {
    const graph = ag.graph.copy() as AttackGraphology;
    const ids = graph.nodes();
    const indexOf = new Map(ids.map((id, i) => [id, i]));
    graph.forEachEdge((e, a, u, v) => {
      if (drop(indexOf.get(u)!, indexOf.get(v)!, a)) graph.dropEdge(e);
    });
    return { ...base, graph };
  }
  const { count, eu, ev, attr, attrs } = rec.edges;
  const keys = new Int32Array(count);
  const nu = new Int32Array(count);
  const nv = new Int32Array(count);
  const na = new Int32Array(count);
  let m = 0;
  for (let k = 0; k < count; k++) {
    if (drop(eu[k]!, ev[k]!, attrs[attr[k]!]!)) continue;
    keys[m] = k;
    nu[m] = eu[k]!;
    nv[m] = ev[k]!;
    na[m++] = attr[k]!;
  }
  const filtered: GraphRecording = { ids: rec.ids, indexOf: rec.indexOf, nodeAttrs: rec.nodeAttrs, edges: { count: m, eu: nu, ev: nv, attr: na, attrs } };
  let named: AttackGraphology | undefined;
  const out: AttackGraph = {
    get graph() {
      return (named ??= graphologyOf(filtered, keys));
    },
    ...base,
  };
  recordings.set(out, filtered);
  return out;
}

/** The recording of a graph buildAttackGraph made (undefined for one made otherwise). */
export function recordingOf(ag: AttackGraph): GraphRecording | undefined {
  return recordings.get(ag);
}

/** Edges the last graph built had (plus an eighth): only where the next one starts its arrays. */
let capacityHint = 1024;

/**
 * The graph as buildAttackGraph adds to it: nodes and edges by integer, in insertion order.
 * Queries run on the adjacency made from it (adjacency.ts); the graphology graph is made from
 * it, in the same order and with the same attribute objects and edge keys, on first use.
 */
class GraphRecorder {
  readonly ids: string[] = [];
  readonly attrs: AttackNodeAttributes[] = [];
  readonly indexOf = new Map<string, number>();
  /**
   * Edge k: from eu[k] to ev[k], attributes edgeAttrs[attr[k]]; typed arrays, grown by doubling,
   * first sized as the previous graph was: a server rebuilds graphs of about the same size
   * (what-if), and growing 300k-edge arrays step by step cost more than filling them.
   */
  count = 0;
  eu = new Int32Array(capacityHint);
  ev = new Int32Array(capacityHint);
  attr = new Int32Array(capacityHint);
  readonly edgeAttrs: AttackEdgeAttributes[] = [];

  hasNode(id: string): boolean {
    return this.indexOf.has(id);
  }
  addNode(id: string, attrs: AttackNodeAttributes): void {
    if (this.indexOf.has(id)) throw new Error(`attack graph: the node "${id}" already exists`);
    this.indexOf.set(id, this.ids.length);
    this.ids.push(id);
    this.attrs.push(attrs);
  }
  private at(id: string): number {
    const i = this.indexOf.get(id);
    if (i === undefined) throw new Error(`attack graph: no node "${id}"`);
    return i;
  }
  addEdge(u: string, v: string, attrs: AttackEdgeAttributes): void {
    this.addEdgeAt(this.at(u), this.at(v), this.attrId(attrs));
  }
  /** An entry for attributes that many edges share: pass it to addEdgeAt. */
  attrId(attrs: AttackEdgeAttributes): number {
    this.edgeAttrs.push(attrs);
    return this.edgeAttrs.length - 1;
  }
  /** An edge between nodes by index (as indexOf gives them), with attributes by attrId. */
  addEdgeAt(ui: number, vi: number, attr: number): void {
    if (this.count === this.eu.length) this.reserve(1);
    const k = this.count++;
    this.eu[k] = ui;
    this.ev[k] = vi;
    this.attr[k] = attr;
  }
  /** Edges from each of `sources` but vi itself to vi, in that order: the network edges of one class pair. */
  addEdgesInto(sources: Int32Array, vi: number, attr: number): void {
    if (this.count + sources.length > this.eu.length) this.reserve(sources.length);
    const { eu, ev, attr: at } = this;
    let k = this.count;
    for (let s = 0; s < sources.length; s++) {
      const ui = sources[s]!;
      if (ui === vi) continue;
      eu[k] = ui;
      ev[k] = vi;
      at[k++] = attr;
    }
    this.count = k;
  }
  private reserve(more: number): void {
    let size = this.eu.length;
    while (size < this.count + more) size *= 2;
    const grow = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.eu = grow(this.eu);
    this.ev = grow(this.ev);
    this.attr = grow(this.attr);
  }
  mergeNodeAttributes(id: string, attrs: Partial<AttackNodeAttributes>): void {
    // As graphology does: into the attribute object itself.
    Object.assign(this.attrs[this.at(id)]!, attrs);
  }
  /** Drops nodes without edges among `ids`, renumbering the rest (edges keep their order). */
  dropIsolated(ids: Iterable<string>): void {
    // Degrees counted here, once, rather than kept up to date on every one of 300k moves.
    const degree = new Int32Array(this.ids.length);
    for (let k = 0; k < this.count; k++) {
      degree[this.eu[k]!]!++;
      degree[this.ev[k]!]!++;
    }
    const drop = new Set<number>();
    for (const id of ids) {
      const i = this.indexOf.get(id);
      if (i !== undefined && degree[i] === 0) drop.add(i);
    }
    if (drop.size === 0) return;
    const renumber = new Int32Array(this.ids.length);
    let n = 0;
    for (let i = 0; i < this.ids.length; i++) {
      if (drop.has(i)) continue;
      renumber[i] = n;
      this.ids[n] = this.ids[i]!;
      this.attrs[n] = this.attrs[i]!;
      n++;
    }
    this.ids.length = this.attrs.length = n;
    this.indexOf.clear();
    this.ids.forEach((id, i) => this.indexOf.set(id, i));
    for (let k = 0; k < this.count; k++) {
      this.eu[k] = renumber[this.eu[k]!]!;
      this.ev[k] = renumber[this.ev[k]!]!;
    }
  }
}

/** Distinct port sets the served-ports memo keeps (sets x endpoints entries). */
const MAX_MEMO_SETS = 1 << 10;

export function buildAttackGraph(compiled: CompiledCluster, options: AttackGraphOptions = {}, index = compiled.endpoints()): AttackGraph {
  const { cluster, classCount } = compiled;
  const reach = compiled.reach();
  const graph = new GraphRecorder();
  const annotatedWorkloads = new Set(
    cluster.workloads.filter((w) => w.annotations?.[CROWN_JEWEL_ANNOTATION] === 'true').map((w) => `${w.kind}\u0000${w.namespace}\u0000${w.name}`),
  );

  // Workload nodes.
  const epNode: (string | undefined)[] = [];
  const epDeclared: ContainerPort[][] = [];
  const epAttrs: (WorkloadNodeAttributes | undefined)[] = [];
  /** Each workload endpoint's pods, looked up once for every step below. */
  const epPods: Pod[][] = [];
  index.endpoints.forEach((ep, i) => {
    if (!isWorkloadEndpoint(ep)) return;
    const pods = (epPods[i] = index.endpointPods[i]!.map((pi) => cluster.pods[pi]!));
    const first = pods[0]!;
    const attrs: WorkloadNodeAttributes = {
      kind: 'workload',
      id: ep.id,
      namespace: ep.namespace,
      name: ep.name,
      workloadKind: ep.kind,
      endpoint: i,
      pods: ep.pods,
      annotatedCrownJewel:
        annotatedWorkloads.has(`${first.owner.kind}\u0000${first.owner.namespace}\u0000${first.owner.name}`) ||
        pods.some((p) => p.annotations?.[CROWN_JEWEL_ANNOTATION] === 'true'),
      escapes: escapesOf(pods),
      hostNetwork: pods.some((p) => p.hostNetwork),
      undeclaredPorts: pods.every((p) => p.ports.length === 0),
      placement: placementOf(ep, pods),
    };
    graph.addNode(ep.id, attrs);
    epNode[i] = ep.id;
    epDeclared[i] = declaredPorts(pods);
    epAttrs[i] = attrs;
  });

  // Network edges, from the class-level relation: one port set per class pair, shared by the
  // workload pairs it covers. hostNetwork pods are outside NetworkPolicy (their traffic is the
  // node's), so they take part through their node instead.
  //
  // The served ports depend on the destination and the class pair's ports only: computed once
  // per (destination, port set) and, for declared ports, interned per destination by which of
  // its ports are open, so edges share one list (blast radius merges each list once). Edge keys
  // are a counter: graphology's generated keys cost more than the rest of the insertion.
  const drawn = new Set(options.edges ?? EDGE_CATEGORIES);
  const addEdge = (u: string, v: string, attrs: AttackEdgeAttributes) => {
    if (drawn.has(edgeCategory(attrs.kind))) graph.addEdge(u, v, attrs);
  };
  // The edge attributes are shared the same way: one object per (destination, open ports).
  const servedByMask: Map<number, number>[] = [];
  const networkEdge = (b: number, declared: readonly ContainerPort[], ports: ProtoPorts): number => {
    const list = servedPorts(declared, ports);
    return list.length === 0 ? -1 : graph.attrId({ kind: 'network', ports: list, undeclaredPorts: epAttrs[b]!.undeclaredPorts });
  };
  /** The attribute entry of the edges into b on these ports (-1: b serves none of them). */
  const served = (b: number, ports: ProtoPorts): number => {
    const declared = epDeclared[b]!;
    if (declared.length === 0 || declared.length > 30) return networkEdge(b, declared, ports);
    let mask = 0;
    for (let i = 0; i < declared.length; i++) if (rangesContain(ports[declared[i]!.protocol], declared[i]!.containerPort)) mask |= 1 << i;
    const memo = (servedByMask[b] ??= new Map());
    let e = memo.get(mask);
    if (e === undefined) memo.set(mask, (e = networkEdge(b, declared, ports)));
    return e;
  };
  // Endpoint -> graph node index, -1 where it takes no network edges (not a workload, hostNetwork).
  const netNode = new Int32Array(index.endpoints.length).fill(-1);
  epAttrs.forEach((a, i) => {
    if (a && !a.hostNetwork) netNode[i] = graph.indexOf.get(a.id)!;
  });
  // Per class: the graph nodes of its endpoints that take network edges, the sources of a pair.
  const classSources: Int32Array[] = [];
  for (let c = 0; c < classCount; c++) {
    const eps = index.nodeEndpoints[c] ?? [];
    classSources.push(Int32Array.from(eps.map((e) => netNode[e]!).filter((x) => x >= 0)));
  }
  // The engine shares one port-set object per distinct set (a few hundred), so the served ports of
  // a destination are computed once per set it is reached on, not once per class pair.
  // The memo is a flat table, set-major (entry + 2; 0: not yet computed), grown by doubling; past
  // MAX_MEMO_SETS distinct sets (an engine that does not share them) served() is asked directly.
  const portsIds = new Map<ProtoPorts, number>();
  const endpointCount = index.endpoints.length;
  let memoSets = 16;
  let memo = new Int32Array(memoSets * endpointCount);
  if (drawn.has('network')) reach.forEachAllowed((src, dst, ports) => {
    if (src >= classCount || dst >= classCount) return;
    const sources = classSources[src]!;
    const destinations = index.nodeEndpoints[dst];
    if (sources.length === 0 || !destinations) return;
    let pid = portsIds.get(ports);
    if (pid === undefined) {
      portsIds.set(ports, (pid = portsIds.size));
      if (pid === memoSets && pid < MAX_MEMO_SETS) {
        const wider = new Int32Array(2 * memoSets * endpointCount);
        wider.set(memo);
        memo = wider;
        memoSets *= 2;
      }
    }
    const row = pid < memoSets ? pid * endpointCount : -1;
    for (let j = 0; j < destinations.length; j++) {
      const b = destinations[j]!;
      const bi = netNode[b]!;
      if (bi < 0) continue;
      let edge: number;
      if (row < 0) edge = served(b, ports);
      else if (memo[row + b] !== 0) edge = memo[row + b]! - 2;
      else memo[row + b] = (edge = served(b, ports)) + 2;
      if (edge >= 0) graph.addEdgesInto(sources, bi, edge);
    }
  });

  // Entry edges: ask the engine which external groups reach the exposed port.
  const publishers = publishersOf(cluster);
  const externalIds = index.endpoints.filter((e) => !isWorkloadEndpoint(e)).map((e) => e.id);
  epAttrs.forEach((attrs, i) => {
    if (!attrs) return;
    const pods = epPods[i]!;
    const exposures: Exposure[] = [];
    if (attrs.hostNetwork) {
      // Outside NetworkPolicy: whatever reaches the node's address reaches these ports.
      const ports = epDeclared[i]!;
      for (const cp of ports.length ? ports : [{ protocol: 'TCP' as const, containerPort: 1 }]) {
        exposures.push({ via: 'hostNetwork', protocol: cp.protocol, port: cp.containerPort, admits: externalIds });
      }
    } else {
      const cls = index.endpointNode[i]!;
      for (const x of exposuresOf(publishers, pods, epDeclared[i]!)) {
        const admits: string[] = [];
        compiled.externals.forEach((_, e) => {
          if (rangesContain(reach.ports(classCount + e, cls)[x.protocol], x.port)) admits.push(externalIds[e]!);
        });
        if (admits.length > 0 && !exposures.some((y) => y.via === x.via && y.port === x.port && y.protocol === x.protocol)) {
          exposures.push({ ...x, admits });
        }
      }
    }
    if (exposures.length === 0 || !drawn.has('network')) return;
    if (!graph.hasNode(INTERNET)) graph.addNode(INTERNET, { kind: 'internet', id: INTERNET });
    addEdge(INTERNET, attrs.id, { kind: 'entry', exposures });
  });

  // Escalation edges.
  const machine = (name: string) => {
    const id = name === '*' ? ANY_NODE : `node:${name}`;
    if (!graph.hasNode(id)) graph.addNode(id, { kind: 'node', id, name });
    return id;
  };
  const placed = epAttrs.filter((a): a is WorkloadNodeAttributes => a !== undefined);
  const knownNodes = [...new Set(placed.flatMap((a) => (a.placement.kind === 'nodes' ? a.placement.nodes : [])))].sort();
  for (const a of placed) if (a.placement.kind === 'nodes') for (const n of a.placement.nodes) machine(n);
  const unplacedEscapes: string[] = [];
  const toEveryNode = (a: WorkloadNodeAttributes, reason: string) => {
    for (const n of knownNodes) addEdge(a.id, machine(n), { kind: 'escalation', reason });
    addEdge(a.id, machine('*'), { kind: 'escalation', reason });
  };
  for (const a of placed) {
    if (a.escapes.length === 0) continue;
    const reason = `escapes to the node: ${a.escapes.join(', ')}`;
    if (a.placement.kind === 'nodes') for (const n of a.placement.nodes) addEdge(a.id, machine(n), { kind: 'escalation', reason });
    else if (a.placement.kind === 'every') toEveryNode(a, `${reason} (a DaemonSet: on every node)`);
    else if (options.assumeColocation) toEveryNode(a, `${reason} (placement unknown: assumed on any node)`);
    else unplacedEscapes.push(a.id);
  }
  // A node controls every pod it runs (kubelet credentials, container runtime, host mounts).
  for (const a of placed) {
    if (a.placement.kind === 'nodes') {
      for (const n of a.placement.nodes) addEdge(machine(n), a.id, { kind: 'escalation', reason: `runs on node ${n}` });
    }
  }
  if (graph.hasNode(ANY_NODE)) {
    // "Some node": whichever it is, every workload may have pods there.
    for (const a of placed) addEdge(ANY_NODE, a.id, { kind: 'escalation', reason: 'may run on the same node' });
  }

  const identities = addIdentityEdges(compiled, index, epPods, placed, options, graph, addEdge, machine, knownNodes);
  let named: AttackGraphology | undefined;
  const recording: GraphRecording = { ids: graph.ids, indexOf: graph.indexOf, nodeAttrs: graph.attrs, edges: { count: graph.count, eu: graph.eu, ev: graph.ev, attr: graph.attr, attrs: graph.edgeAttrs } };
  const ag: AttackGraph = {
    get graph() {
      // The graphology graph of the records: edge keys are insertion numbers, as they always were.
      return (named ??= graphologyOf(recording));
    },
    compiled,
    index,
    options,
    workloads: placed.map((a) => a.id).sort(),
    unplacedEscapes: unplacedEscapes.sort(),
    identities,
  };
  capacityHint = Math.max(1024, graph.count + (graph.count >> 3));
  recordings.set(ag, recording);
  return ag;
}

/**
 * Identity edges (identity.ts says which RBAC grants make which move). Only ServiceAccounts
 * with a move become nodes: a token that opens nothing is no step for an attacker, and a
 * cluster without RBAC in the input keeps the graph it had.
 */
function addIdentityEdges(
  compiled: CompiledCluster,
  index: EndpointIndex,
  epPods: readonly (readonly Pod[])[],
  placed: readonly WorkloadNodeAttributes[],
  options: AttackGraphOptions,
  graph: GraphRecorder,
  addEdge: (u: string, v: string, attrs: AttackEdgeAttributes) => void,
  machine: (name: string) => string,
  knownNodes: readonly string[],
): string[] {
  const { cluster, classCount } = compiled;
  if (!cluster.roleBindings?.length) return [];
  const drawn = new Set(options.edges ?? EDGE_CATEGORIES);
  const grants = identityGrants(cluster);
  const withMoves = new Set([...grants].filter(([, g]) => hasMoves(g)).map(([k]) => k));
  if (withMoves.size === 0) return [];
  const namespaces = new Map(cluster.namespaces.map((n) => [n.name, n]));
  const accountsIn = new Map<string, string[]>();
  for (const key of grants.keys()) {
    const ns = key.slice(0, key.indexOf('/'));
    const l = accountsIn.get(ns);
    if (l) l.push(key);
    else accountsIn.set(ns, [key]);
  }
  const workloadsIn = new Map<string, WorkloadNodeAttributes[]>();
  for (const a of placed) {
    const l = workloadsIn.get(a.namespace);
    if (l) l.push(a);
    else workloadsIn.set(a.namespace, [a]);
  }
  const nodes = new Set<string>();
  const node = (key: string) => {
    const id = key === CLUSTER_ADMIN ? CLUSTER_ADMIN : identityId(key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1));
    if (!graph.hasNode(id)) {
      const [namespace, name] = key === CLUSTER_ADMIN ? ['', CLUSTER_ADMIN] : [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      graph.addNode(id, { kind: 'identity', id, namespace, name });
    }
    nodes.add(id);
    return id;
  };
  const label = (key: string) => `ServiceAccount ${key}`;
  const automount = new Map((cluster.serviceAccounts ?? []).map((sa) => [`${sa.namespace}/${sa.name}`, sa.automountServiceAccountToken]));

  // Workload -> its token: mounted (pod, else ServiceAccount, else true) and usable (egress
  // reaches the API server).
  const api = options.apiServer ?? cluster.apiServer;
  const apiTargets = api ? api.addresses.map((address) => ({ address, node: classCount + compiled.externalOf(address) })) : [];
  const reach = compiled.reach();
  const tokenAttrs = new Map<string, NonNullable<WorkloadNodeAttributes['token']>>();
  for (const a of placed) {
    const pods = epPods[a.endpoint]!;
    const mounted = pods.find((p) => {
      const key = `${p.namespace}/${p.serviceAccountName ?? 'default'}`;
      return withMoves.has(key) && (p.automountServiceAccountToken ?? automount.get(key) ?? true);
    });
    if (!mounted) continue;
    const key = `${mounted.namespace}/${mounted.serviceAccountName ?? 'default'}`;
    const how = mounted.automountServiceAccountToken === true ? 'the pod sets automountServiceAccountToken: true' : automount.get(key) === true ? 'the ServiceAccount sets automountServiceAccountToken: true' : 'automountServiceAccountToken is not turned off';
    let usable = true;
    let because: string;
    let apiServer: { address: string; port: number; via: string } | undefined;
    if (!api) because = `mounts the token of ${label(key)} (${how}); the API server's address is not in the input (the default/kubernetes Service or EndpointSlice, or --apiserver): taken as reachable`;
    else if (a.hostNetwork) because = `mounts the token of ${label(key)} (${how}); on the host network, outside NetworkPolicy, it reaches the API server`;
    else {
      const cls = index.endpointNode[a.endpoint]!;
      const open = apiTargets.find((t) => rangesContain(reach.ports(cls, t.node).TCP, api.port));
      usable = open !== undefined;
      const where = `the API server (${api.addresses.join(', ')} TCP ${api.port}, from ${api.via})`;
      if (open) apiServer = { address: open.address, port: api.port, via: api.via };
      because = usable
        ? `mounts the token of ${label(key)} (${how}) and its egress allows ${where}`
        : `mounts the token of ${label(key)} (${how}) but its egress policy does not allow ${where}: the token cannot be used from it`;
    }
    tokenAttrs.set(a.id, { serviceAccount: key, usable, because });
    if (usable && drawn.has('identity')) addEdge(a.id, node(key), { kind: 'identity', reason: because, ...(apiServer ? { apiServer } : {}) });
  }
  for (const [id, token] of tokenAttrs) graph.mergeNodeAttributes(id, { token } as Partial<WorkloadNodeAttributes>);

  const inScope = <T>(by: Map<string, T[]>, scope: string): T[] => (scope === ALL_NAMESPACES ? [...by.values()].flat() : by.get(scope) ?? []);
  const scopeText = (scope: string) => (scope === ALL_NAMESPACES ? 'every namespace' : `namespace ${scope}`);
  const toEveryNode = (from: string, reason: string, grant?: string) => {
    const g = grant !== undefined ? { grant } : {};
    for (const n of knownNodes) addEdge(from, machine(n), { kind: 'escalation', reason, ...g });
    addEdge(from, machine('*'), { kind: 'escalation', reason, ...g });
  };
  for (const key of [...withMoves].sort()) {
    const g = grants.get(key)!;
    let startsPrivileged: { reason: string; ev: string; contested: boolean } | undefined;
    const from = node(key);
    // A move is cuttable as its grant only when that grant alone gives it: a second grant (the
    // same move in a wider scope, exec and nodes/proxy into one pod, two bindings) keeps the
    // move when the first is removed, so such moves are drawn without a grant.
    const moves = new Map<string, { attrs: AttackEdgeAttributes; grants: Set<string> }>();
    const once = (to: string, attrs: AttackEdgeAttributes, contestKey?: string) => {
      if (to === from) return;
      const grant = attrs.kind === 'identity' || attrs.kind === 'escalation' ? attrs.grant : undefined;
      const had = moves.get(to);
      const mark = grant !== undefined ? (contestKey !== undefined && g.contested.has(contestKey) ? `${grant}\u0000contested` : grant) : '\u0000none';
      if (had) had.grants.add(mark);
      else moves.set(to, { attrs, grants: new Set([mark]) });
    };
    if (g.admin) {
      once(node(CLUSTER_ADMIN), { kind: 'identity', reason: `may ${g.admin}: it can grant itself anything (cluster admin)`, grant: g.admin }, 'admin');
    }
    for (const [scope, ev] of g.exec) {
      for (const w of inScope(workloadsIn, scope)) once(w.id, { kind: 'identity', reason: `may exec into pods in ${scopeText(scope)}: ${ev}`, grant: ev }, `exec:${scope}`);
    }
    if (g.nodesProxy) {
      for (const w of placed) once(w.id, { kind: 'identity', reason: `may use the kubelet API of every node (nodes/proxy), which execs into every pod on it: ${g.nodesProxy}`, grant: g.nodesProxy! }, 'nodesProxy');
    }
    for (const [scope, ev] of g.startPods) {
      const nss = scope === ALL_NAMESPACES ? [...namespaces.values()] : [namespaces.get(scope) ?? { name: scope, labels: {} }];
      const admitting = nss.map((n) => ({ n, psa: podSecurityAdmitsPrivileged(n) })).find((x) => x.psa.admits);
      if (admitting) {
        const reason = `may start pods in ${scopeText(scope)} (${ev}); namespace ${admitting.n.name} has ${admitting.psa.level}, so a pod it starts may be privileged, mount hostPath and share the host's PID namespace: the node`;
        if (!startsPrivileged) startsPrivileged = { reason, ev, contested: g.contested.has(`startPods:${scope}`) };
        else startsPrivileged.contested = true;
      }
      for (const other of inScope(accountsIn, scope)) {
        once(node(other), { kind: 'identity', reason: `may start pods in ${scopeText(scope)} (${ev}): a pod it starts can run as ${label(other)} and use its token`, grant: ev }, `startPods:${scope}`);
      }
    }
    for (const [scope, ev] of g.readSecrets) {
      for (const other of inScope(accountsIn, scope)) {
        once(node(other), {
          kind: 'identity',
          reason: `may read Secrets in ${scopeText(scope)} (${ev}): a service-account token Secret there (a legacy one, or one it creates) gives ${label(other)}'s identity; Secrets are not read, so every ServiceAccount of the namespace is assumed`,
          grant: ev,
        }, `readSecrets:${scope}`);
      }
    }
    for (const [pattern, ev] of g.tokens) {
      const targets = pattern === '*' ? [...grants.keys()] : pattern.endsWith('/*') ? inScope(accountsIn, pattern.slice(0, -2)) : grants.has(pattern) ? [pattern] : [];
      for (const other of targets) once(node(other), { kind: 'identity', reason: `may create tokens for ${label(other)} (${ev})`, grant: ev }, `tokens:${pattern}`);
    }
    for (const [to, m] of moves) {
      const only = m.grants.size === 1 ? [...m.grants][0]! : undefined;
      const cuttable = only !== undefined && !only.includes('\u0000');
      const attrs = m.attrs;
      if (!cuttable && (attrs.kind === 'identity' || attrs.kind === 'escalation') && attrs.grant !== undefined) {
        const { grant: _g, ...rest } = attrs;
        addEdge(from, to, rest as AttackEdgeAttributes);
      } else addEdge(from, to, attrs);
    }
    if (startsPrivileged) toEveryNode(from, startsPrivileged.reason, startsPrivileged.contested ? undefined : startsPrivileged.ev);
  }
  if (graph.hasNode(CLUSTER_ADMIN)) toEveryNode(CLUSTER_ADMIN, 'a cluster admin can start a privileged pod on any node');
  // Identities no move reaches and that lead nowhere in this drawing are left out.
  graph.dropIsolated(nodes);
  return [...nodes].filter((id) => graph.hasNode(id)).sort();
}

/** `--edges network,identity`: which kinds of move to draw. */
export function parseEdgeCategories(text: string): EdgeCategory[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError(`--edges: name one or more of ${EDGE_CATEGORIES.join(', ')}`);
  for (const c of list) {
    if (!(EDGE_CATEGORIES as readonly string[]).includes(c)) throw new InputError(`--edges: "${c}" is not one of ${EDGE_CATEGORIES.join(', ')}`);
  }
  return [...new Set(list)] as EdgeCategory[];
}

/** `--apiserver IP` or `IP:PORT` (`[IPv6]:PORT`); the port defaults to 443. */
export function parseApiServerAddress(text: string): ApiServerAddress {
  const t = text.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t) ?? (t.split(':').length === 2 ? /^([^:]+):(\d+)$/.exec(t) : /^([^\s]+)()$/.exec(t));
  const ip = m?.[1];
  const port = m?.[2] ? Number(m[2]) : 443;
  if (!ip || !tryParseIp(ip) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError(`--apiserver "${text}": write the API server's address as IP or IP:PORT (e.g. 172.18.0.2:6443)`);
  }
  return { addresses: [ip], port, via: '--apiserver' };
}
