/**
 * One connection of a capture (two flow ends, the port as recorded) turned into what policy
 * sees: the pods (or outside addresses) at both ends, and the port as the destination pod
 * sees it. Three things happen here and nowhere else, so that generation and verification
 * read a capture the same way:
 *
 * 1. **Service ports become target ports.** A client that dials a Service records the
 *    Service's address and port; NetworkPolicy sees the backend pod's port after translation.
 *    The Service object in the inputs maps `port` to `targetPort` (a named targetPort through
 *    the backend pod's container ports, as kube-proxy does). A Service that the inputs do not
 *    have, one without a selector (its endpoints are managed by hand) or a port it does not
 *    list is reported, never guessed.
 * 2. **A pod to itself is told from two replicas.** postgres-1 -> postgres-0 is a connection
 *    between two pods that happen to share a workload; a pod to its own address is not a
 *    connection NetworkPolicy can block. Decided on the pods the capture names (name, or an
 *    address the inputs give to one pod).
 * 3. **Node-local traffic is recognised.** Traffic between a pod and the node it runs on
 *    (kubelet probes) is always allowed by NetworkPolicy, whatever the policies say. A node's
 *    addresses come from the capture (Hubble `reserved:host`, Gadget `podHostIP`), Node objects
 *    (`status.addresses`, and the first address of each `spec.podCIDRs`, the bridge/gateway
 *    address on the node), and pods' `status.hostIP`.
 */
import { formatIp, tryParseCidr, tryParseIp, type Cluster, type CompiledCluster, type Pod, type Protocol, type Service } from '@lateral/core';
import { isIpv4, type FlowPeer } from './flow-record.js';
import { FlowResolver, type ResolvedEndpoint } from './flow-resolver.js';

/** One pod-level reading of a connection (a Service dial may give one per backend workload). */
export interface ConnectionEnd {
  readonly src: ResolvedEndpoint;
  readonly dst: ResolvedEndpoint;
  /** The port as the destination pod sees it. */
  readonly port: number;
  /** Both ends are the same pod: always allowed, no rule. */
  readonly samePod: boolean;
  /**
   * One end is the node the other end (a pod) runs on: always allowed, no rule. `node` is the
   * node's name when known, else its address.
   */
  readonly nodeLocal?: { readonly node: string; readonly address: string };
  /** `namespace/name` of the Service the connection was dialled through. */
  readonly service?: string;
}

export type ConnectionResolution =
  | { readonly ok: true; readonly ends: readonly ConnectionEnd[]; readonly problems: readonly string[] }
  | { readonly ok: false; readonly reason: string };

interface NodeAddress {
  /** Node name, or '' when only a pod's hostIP names the address. */
  readonly node: string;
}

export class ConnectionResolver {
  readonly endpoints: FlowResolver;
  private readonly cluster: Cluster;
  private readonly services = new Map<string, Service>();
  private readonly nodeAddress = new Map<string, NodeAddress>();
  private readonly identities = new Map<string, string | null>();
  /** Endpoint index -> how many pods it stands for (replicas summed). */
  private readonly endpointSize = new Map<number, number>();

  constructor(cluster: Cluster, compiled?: CompiledCluster, endpoints?: FlowResolver) {
    this.cluster = cluster;
    this.endpoints = endpoints ?? new FlowResolver(cluster, compiled);
    for (const s of cluster.services) this.services.set(`${s.namespace}/${s.name}`, s);
    for (const n of cluster.nodes ?? []) {
      for (const a of n.addresses) {
        const ip = canonical(a);
        if (ip) this.nodeAddress.set(ip, { node: n.name });
      }
      for (const c of n.podCIDRs ?? []) {
        const cidr = tryParseCidr(c);
        // The first address of the node's pod range is its bridge / gateway (cni0, cbr0): the
        // source of kubelet probes on several plugins.
        if (cidr && cidr.end > cidr.start) this.nodeAddress.set(formatIp(cidr.family, cidr.start + 1n), { node: n.name });
      }
    }
    // Pod names and addresses: the endpoint resolver's maps (built once, for every pod).
    cluster.pods.forEach((p) => {
      if (p.hostIP) {
        const ip = canonical(p.hostIP);
        if (ip && !this.nodeAddress.has(ip)) this.nodeAddress.set(ip, { node: p.node ?? '' });
      }
    });
    const index = this.endpoints.index;
    index.endpointPods.forEach((pods, e) => {
      this.endpointSize.set(
        e,
        pods.reduce((s, i) => s + (cluster.pods[i]?.replicas ?? 1), 0),
      );
    });
  }

  resolve(src: FlowPeer, dst: FlowPeer, port: number, protocol: Protocol): ConnectionResolution {
    const s = this.endpoints.resolve(src);
    const d = this.endpoints.resolve(dst);
    if (!s.ok || !d.ok) {
      const reason = !s.ok && !d.ok ? `${s.reason}; ${d.reason}` : !s.ok ? s.reason : (d as { reason: string }).reason;
      return { ok: false, reason };
    }
    let service: Service | undefined;
    let serviceId: string | undefined;
    if (dst.service !== undefined && dst.namespace !== undefined) {
      serviceId = `${dst.namespace}/${dst.service}`;
      service = this.services.get(serviceId);
      // The selector alone (Gadget reports it) finds the backends but not the port mapping.
      if (!service) return { ok: false, reason: `service ${serviceId} is not in the inputs: its port ${port}/${protocol} cannot be mapped to a pod's port` };
    }
    const ends: ConnectionEnd[] = [];
    const problems: string[] = [];
    for (const se of s.endpoints) {
      for (const de of d.endpoints) {
        let p = port;
        if (service) {
          const t = targetPort(service, port, protocol, this.podOf(de, dst));
          if (typeof t === 'string') {
            problems.push(t);
            continue;
          }
          p = t;
        }
        const nodeLocal = this.nodeLocal(src, se, dst, de);
        ends.push({
          src: se,
          dst: de,
          port: p,
          samePod: se.index === de.index && this.samePod(src, dst, se.index),
          ...(nodeLocal ? { nodeLocal } : {}),
          ...(serviceId !== undefined ? { service: serviceId } : {}),
        });
      }
    }
    if (ends.length === 0) return { ok: false, reason: problems[0] ?? 'no backend' };
    return { ok: true, ends, problems };
  }

  /** The pod a flow end names, when the inputs have it; else the endpoint's representative. */
  podOf(e: ResolvedEndpoint, peer: FlowPeer): Pod | undefined {
    if (e.endpoint.kind !== 'pod') return undefined;
    const id = this.identity(peer);
    const named = id === undefined ? undefined : this.endpoints.podNamed(id);
    if (named !== undefined && this.endpoints.index.podEndpoint[named] === e.index) return this.cluster.pods[named];
    return this.cluster.pods[e.endpoint.pod];
  }

  /** `namespace/pod` of the pod a flow end names, if it names one. */
  identity(peer: FlowPeer): string | undefined {
    let id = this.identities.get(peer.key);
    if (id === undefined) {
      id = this.identityOf(peer) ?? null;
      this.identities.set(peer.key, id);
    }
    return id ?? undefined;
  }

  private identityOf(peer: FlowPeer): string | undefined {
    if (peer.service !== undefined) return undefined;
    if (peer.pod !== undefined && peer.namespace !== undefined) return `${peer.namespace}/${peer.pod}`;
    if (peer.ref !== undefined) return this.endpoints.podNamed(peer.ref) !== undefined ? peer.ref : undefined;
    if (peer.ip !== undefined && peer.namespace === undefined && peer.labels === undefined) {
      const i = this.endpoints.podWithIp(peer.ip);
      if (i !== undefined) return `${this.cluster.pods[i]!.namespace}/${this.cluster.pods[i]!.name}`;
    }
    return undefined;
  }

  private samePod(src: FlowPeer, dst: FlowPeer, endpoint: number): boolean {
    const a = this.identity(src);
    const b = this.identity(dst);
    if (a !== undefined && b !== undefined) return a === b;
    // A workload named without its pods (a CSV row `shop/db -> shop/db`): one pod can only
    // talk to itself; with more, it is taken as two of them.
    return (this.endpointSize.get(endpoint) ?? 1) <= 1;
  }

  private nodeLocal(src: FlowPeer, se: ResolvedEndpoint, dst: FlowPeer, de: ResolvedEndpoint): ConnectionEnd['nodeLocal'] {
    return this.nodeEnd(src, se, dst, de) ?? this.nodeEnd(dst, de, src, se);
  }

  /** `nodePeer` is the node `podPeer` runs on (a method, not a closure per call: this runs per connection). */
  private nodeEnd(nodePeer: FlowPeer, nodeEnd: ResolvedEndpoint, podPeer: FlowPeer, podEnd: ResolvedEndpoint): ConnectionEnd['nodeLocal'] {
    if (nodeEnd.endpoint.kind !== 'ip' || podEnd.endpoint.kind !== 'pod') return undefined;
    const address = nodeEnd.endpoint.ip;
    if (nodePeer.localNode) return { node: this.podOf(podEnd, podPeer)?.node ?? address, address };
    const known = this.nodeAddress.get(address);
    if (!known) return undefined;
    // The pod the capture names; a workload named without its pod (a CSV row) may be any of
    // its pods.
    const named = this.identity(podPeer);
    const pods = named !== undefined ? [this.podOf(podEnd, podPeer)!] : (this.endpoints.index.endpointPods[podEnd.index] ?? []).map((i) => this.cluster.pods[i]!);
    let unknownNode = false;
    for (const pod of pods) {
      const podHost = pod.hostIP === undefined ? undefined : canonical(pod.hostIP);
      if (pod.node === undefined && podHost === undefined) unknownNode = true;
      else if (podHost === address || (known.node !== '' && known.node === pod.node)) return { node: known.node || address, address };
    }
    // The pod's node unknown (a workload template): a node address is taken as its own.
    return unknownNode ? { node: known.node || address, address } : undefined;
  }
}

function canonical(a: string): string | undefined {
  if (isIpv4(a)) return a;
  const ip = tryParseIp(a);
  if (!ip) return undefined;
  return ip.family === 4 ? a.trim() : formatIp(6, ip.value);
}

/**
 * The backend's port for a Service port, as kube-proxy picks it: the ServicePort with this
 * port and protocol; its targetPort (absent: the same number); a name through the backend
 * pod's container ports. A string is the reason it cannot be mapped.
 */
export function targetPort(service: Service, port: number, protocol: Protocol, backend: Pod | undefined): number | string {
  const id = `${service.namespace}/${service.name}`;
  if (service.selector === undefined) return `service ${id} has no selector: its endpoints are managed by hand and not in the inputs`;
  const sp = service.ports.find((p) => p.port === port && p.protocol === protocol);
  if (!sp) return `service ${id} has no port ${port}/${protocol}`;
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const cp = backend?.ports.find((c) => c.name === tp && c.protocol === protocol);
  if (!cp) return `service ${id} port ${port}/${protocol} targets port "${tp}", which pod ${backend ? `${backend.namespace}/${backend.name}` : '(none)'} does not name`;
  return cp.containerPort;
}
