/**
 * The contract of the fast engine (compile.ts), written down before it so that the CLI, the
 * workload view, the differential test and the benchmarks can be built against it.
 */
import type { IpRange } from '../semantics/ip.js';
import type { Cluster, EvalOptions, Endpoint, Protocol } from '../model/model.js';
import type { ProtoPorts } from '../semantics/port-set.js';
import type { EndpointIndex } from '../workloads/endpoint-types.js';

/** A set of external addresses (outside the cluster) that every policy treats alike. */
export interface ExternalGroup {
  /** Disjoint, sorted: IPv4 ranges first, then IPv6. */
  readonly ranges: readonly IpRange[];
}

/**
 * A compiled cluster. Pods that no policy can tell apart (same namespace, same answers to every
 * pod selector, same named ports, same ipBlock membership of their IPs) share a class.
 *
 * Nodes of the reachability relation are numbered: 0..classCount-1 are pod classes,
 * classCount..classCount+externals.length-1 are external groups.
 */
export interface CompiledCluster {
  readonly cluster: Cluster;
  readonly options: EvalOptions;
  readonly classCount: number;
  /** pod index (into cluster.pods) -> class */
  readonly podClass: Int32Array;
  /** class -> pod indices, ascending */
  readonly classPods: readonly (readonly number[])[];
  readonly externals: readonly ExternalGroup[];
  /** The external group an address outside the cluster belongs to. */
  externalOf(ip: string): number;
  /**
   * The node an endpoint is: its pod's class, or classCount + the external group of its
   * address. -1 for a pod that is not one of the cluster's (compared by identity). Use this,
   * not the numbering, outside the engine.
   */
  nodeOf(endpoint: Endpoint): number;
  /** The workload and external endpoints over the nodes, built on first use and kept. */
  endpoints(): EndpointIndex;

  /**
   * One connection, one port: is it allowed? Fast (no all-pairs work): for single queries
   * after load. A pod to itself is always allowed. An external to an external is reported
   * allowed (no policy applies to it).
   */
  allowed(src: Endpoint, dst: Endpoint, port: number, protocol: Protocol): boolean;

  /** All-pairs reachability over nodes (classes and external groups). Computed once, cached. */
  reach(): Reachability;

  /**
   * reach() for the pairs toward `destinations` only: what a what-if diff of a few pairs reads,
   * without working out every destination's groups (reach() itself is used when it is already
   * computed). ports() toward any other destination throws a RangeError; forEachAllowed lists
   * just these destinations' pairs. Not cached.
   */
  reachToward(destinations: Iterable<number>): Reachability;

  /**
   * reach() for the pairs from `sources` only: every destination's groups are worked out (and
   * kept for reach()), and the sweep skips the other sources word by word. ports() from any
   * other source throws a RangeError; forEachAllowed lists just these sources' pairs. Not
   * cached.
   */
  reachFrom(sources: Iterable<number>): Reachability;

  /**
   * Present only when a rule may match addresses the input cannot place (a tier policy's
   * domainNames peer): everything that may be allowed, i.e. reach() plus the connections whose
   * verdict is unknown. Same nodes as reach(). Computed once, cached.
   */
  possible?(): Reachability;
}

export interface Reachability {
  readonly nodeCount: number;
  /**
   * Ports allowed from node `src` to node `dst` (two *distinct* pods when both are classes,
   * including two pods of the same class). External to external is empty.
   */
  ports(src: number, dst: number): ProtoPorts;
  /**
   * Every (src, dst) pair with a non-empty port set, in ascending (dst, src) order is not
   * promised; each pair exactly once.
   */
  forEachAllowed(cb: (src: number, dst: number, ports: ProtoPorts) => void): void;
}
