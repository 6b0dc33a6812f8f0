/**
 * What reach answers are about: workloads (pods grouped by their top-level owner) and external
 * address groups, and the index from the engine's nodes to them. Types only, imported by the
 * engine's contract (a compiled cluster's endpoints()) and by the code that builds them.
 */

export interface WorkloadEndpoint {
  readonly id: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Number of pods (replicas for a workload that stands for its template). */
  readonly pods: number;
  /** Set when the owner's pods are treated differently by policy and this is one group of them. */
  readonly podNames?: readonly string[];
}

export interface ExternalEndpoint {
  readonly id: string;
  readonly kind: 'External';
  /** Inclusive `start-end` address ranges. */
  readonly ranges: readonly string[];
}

export type ReachEndpoint = WorkloadEndpoint | ExternalEndpoint;

export interface EndpointIndex {
  readonly endpoints: readonly ReachEndpoint[];
  /** node (class or classCount+external group) -> endpoint indices covering it */
  readonly nodeEndpoints: readonly (readonly number[])[];
  /** endpoint index -> nodes (classes) it spans; exactly one after splitting */
  readonly endpointNode: readonly number[];
  /** endpoint index -> pod indices (empty for externals) */
  readonly endpointPods: readonly (readonly number[])[];
  readonly warnings: readonly string[];
  /** pod index -> endpoint index */
  readonly podEndpoint: Int32Array;
}
