/**
 * Observed traffic, as the readers hand it to the generator, what-if and audit: flow records
 * folded into distinct edges (memory grows with distinct edges, not records) and resolved
 * against the cluster to workloads or outside addresses.
 *
 * This file is the contract between packages/flows and its users; readers fill it.
 */
import type { Protocol } from '@lateral/core';
import type { FlowPeer } from './flow-record.js';

export type FlowFormat = 'hubble' | 'gadget' | 'csv' | 'jsonl';

/** One side of an observed connection, resolved against the cluster. */
export type FlowEndpoint =
  /**
   * A pod of the cluster. `workload` is the endpoint id the reachability view uses
   * (`namespace/name`, see the compiled cluster's endpoints()); `pod` indexes cluster.pods (a
   * representative: the first pod the flows named for this workload and class).
   */
  | { readonly kind: 'pod'; readonly workload: string; readonly pod: number }
  /** An address outside the cluster (or one the cluster does not know). */
  | { readonly kind: 'ip'; readonly ip: string };

export interface FlowEdge {
  readonly src: FlowEndpoint;
  readonly dst: FlowEndpoint;
  readonly port: number;
  readonly protocol: Protocol;
  /** Records folded into this edge (or the sum of their `count` fields). */
  readonly count: number;
  /** ISO 8601, when the records carried times. */
  readonly firstSeen?: string;
  readonly lastSeen?: string;
  /** Records of this edge that the network reported as dropped (Hubble verdict DROPPED). */
  readonly dropped: number;
  /**
   * Every record was a pod to itself (its own address): always allowed, needs no rule. Absent
   * for an edge between two pods, also two replicas of one workload (src and dst then share
   * `workload`, and even the representative `pod`).
   */
  readonly samePod?: true;
}

/** Records between a pod and the node it runs on: always allowed by NetworkPolicy, no rule. */
export interface NodeLocalFlow {
  /** Node name, or its address when the inputs do not name it. */
  readonly node: string;
  readonly address: string;
  /** The pod end (endpoint id). */
  readonly pod: string;
  /** Index in cluster.pods of the pod end (the endpoint's representative). */
  readonly podIndex?: number;
  /** from-node: the node connected to the pod (kubelet probes); to-node: the pod to its node. */
  readonly direction: 'from-node' | 'to-node';
  readonly protocol: Protocol;
  readonly port: number;
  readonly count: number;
}

/**
 * The capture itself, before resolution: each distinct (flow end, flow end, protocol, port as
 * recorded) with its record counts. What verification reads, at the pod level, instead of the
 * folded edges.
 */
export interface ObservedConnection {
  readonly src: FlowPeer;
  readonly dst: FlowPeer;
  readonly port: number;
  readonly protocol: Protocol;
  readonly count: number;
  readonly dropped: number;
}

export interface BadLine {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface UnresolvedFlow {
  /** What could not be matched, e.g. `pod shop/cart-7d9 not in the cluster`. */
  readonly reason: string;
  readonly count: number;
}

export interface FlowSet {
  /** Distinct edges, sorted by src, dst, protocol, port. */
  readonly edges: readonly FlowEdge[];
  /** Records read (lines that parsed), before folding. */
  readonly records: number;
  /** Replies and duplicates folded into existing edges. */
  readonly folded: number;
  readonly badLines: readonly BadLine[];
  readonly badLineCount: number;
  readonly unresolved: readonly UnresolvedFlow[];
  /**
   * Lines that parsed but carry no L4 connection to learn from (ICMP, Hubble node and
   * lost-event records, Inspektor Gadget debug events, host-network pods): skipped, counted.
   */
  readonly ignored?: number;
  /** Traffic between pods and their own nodes, left out of the edges. */
  readonly nodeLocal?: readonly NodeLocalFlow[];
  /** The capture's distinct connections as recorded (see ObservedConnection). */
  readonly connections?: readonly ObservedConnection[];
}
