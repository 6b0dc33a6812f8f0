/**
 * The API's JSON shapes as the browser reads them. Written out here rather than imported from
 * the server so the UI's type-check needs no Node types; the API tests pin both sides.
 */
export type PortRange = [number, number];
export interface Ports {
  TCP: PortRange[];
  UDP: PortRange[];
  SCTP: PortRange[];
}

export interface Endpoint {
  id: string;
  kind: string;
  namespace?: string;
  name?: string;
  pods?: number;
  ranges?: string[];
  labels?: Record<string, string>;
  ingressIsolated?: boolean;
  egressIsolated?: boolean;
  declaredPorts?: string[];
}

export interface Connection {
  from: string;
  to: string;
  all: boolean;
  ports: Ports;
  /** Ports whose verdict is unknown (a rule the manifests cannot decide), beyond `ports`. */
  unknown?: Ports;
}

export interface Reach {
  endpoints: Endpoint[];
  connections: Connection[];
}

export interface Summary {
  label: string;
  namespaces: number;
  workloads: number;
  pods: number;
  policies: number;
  externals: number;
  warnings: string[];
  flows: string[];
  features: { blast: boolean; flows: boolean; generate: boolean };
  targets?: string[];
  /** The server follows a live cluster (`serve --cluster --watch`): poll `generation`. */
  live: boolean;
  /** The network plugin the answers follow (`--cni`), and what it was detected from. */
  cni?: { name: string; detectedFrom?: string };
  /** Bumped whenever the server swaps in a recomputed cluster. */
  generation: number;
  changedAt: string | null;
}

export interface GroupNode {
  id: string;
  kind: 'Namespace' | 'External';
  workloads: number;
  pods: number;
}
export interface GroupEdge {
  from: string;
  to: string;
  pairs: number;
  ports: string;
  portRanges: Ports;
}
export interface Groups {
  nodes: GroupNode[];
  edges: GroupEdge[];
}

// The engine's explanation, as /api/explain sends it: the same type the CLI prints as JSON.
export type { Explanation, RuleRef, SideExplanation as Side } from '@lateral/core';
import type { Explanation } from '@lateral/core';

export interface PairExplanation {
  from: string;
  to: string;
  allowedPorts: string;
  explanation: Explanation;
  text: string;
}

// The what-if report, as /api/what-if sends it: `lateral whatif --format json`. Its parts are the
// engine's types; the report around them is written out (its package reads files, the UI cannot).
export type { BlastRadiusChange, ChangeKind, PairChange, PathChange } from '@lateral/core';
import type { BlastRadiusChange, PairChange, PathChange } from '@lateral/core';

export interface BrokenFlow {
  from: string;
  to: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  count: number;
  lastSeen?: string;
  deniedBy: string[];
  reason: string;
}

export interface WhatIfResult {
  change: string;
  summary: {
    newlyAllowed: number;
    newlyDenied: number;
    changed: number;
    newExposure: number;
    /** The lateral-movement counts: absent while that part is left for later. */
    blastRadiusChanged?: number;
    pathsOpened?: number;
    pathsClosed?: number;
    brokenFlows?: number;
  };
  changes: PairChange[];
  newExposure: { from: string; to: string; ports: Ports }[];
  brokenFlows?: BrokenFlow[];
  /** Absent when the request asked for the lateral-movement part later and the server left it out (`lateral: 'later'`). */
  blastRadius?: BlastRadiusChange[];
  paths?: PathChange[];
  /** Set when the blast radii, paths and foothold are left for a second request (`"lateral": "only"`). */
  lateral?: 'later';
  crownJewels: string[];
  failOn: string[];
  failed: string[];
  /** `changes` is this page of the rows; `total` rows in all. */
  page: { offset: number; limit: number; total: number };
  /** Changed pairs per namespace pair (externals as their own group), most first. */
  namespacePairs: { from: string; to: string; allowed: number; denied: number; changed: number }[];
  /** The request's foothold (`from`): its blast radius and paths to the crown jewels, before and after. */
  foothold?: FootholdChange;
}

/** A what-if's lateral-movement part, asked apart (`"lateral": "only"`). */
export interface WhatIfLateral {
  blastRadius: BlastRadiusChange[];
  paths: PathChange[];
  crownJewels: string[];
  failed: string[];
  foothold?: FootholdChange;
}

export interface PolicyRef {
  id: string;
  namespace: string;
  name: string;
}

export interface AttackPort {
  protocol: string;
  port: number;
  endPort?: number;
  name?: string;
}
export interface ReachedNode {
  id: string;
  kind: 'workload' | 'node' | 'internet' | 'identity';
  hops: number;
  /** category: network (entry moves too), escalation or identity. */
  via: { from: string; kind: string; category?: string; ports: AttackPort[] }[];
  crownJewel: boolean;
}
export interface AttackMetrics {
  workloads: number;
  reached: number;
  reachedPercent: number;
  nodesReached: number;
  identitiesReached?: number;
  crownJewels: number;
  crownJewelsReached: number;
  minHopsToCrownJewel: number | null;
  paths: { count: number; hopLimit: number; capped?: boolean };
}
export interface BlastRadius {
  from: string;
  maxHops: number | null;
  reached: ReachedNode[];
  crownJewelsReached: { id: string; hops: number }[];
  metrics: AttackMetrics;
}
export interface AttackHop {
  from: string;
  to: string;
  kind: string;
  category?: string;
  ports: AttackPort[];
  because: string[];
}
export interface AttackPath {
  nodes: string[];
  hops: AttackHop[];
}
export interface PathsResult {
  from: string;
  to: string[];
  k: number;
  paths: AttackPath[];
  metrics: AttackMetrics;
}
export interface RiskResult {
  crownJewels: string[];
  chokePoints: {
    connected: boolean;
    cuttable: boolean;
    cut: { from: string; to: string }[];
    removals: { from: string; to: string; changes: string[]; verified: boolean; alsoBlocks: { from: string; to: string }[]; problem?: string; yaml: string }[];
    /** Where the cut starts: the foothold asked for, or the internet. */
    sources: string[];
    /** The changes a person makes to apply every proposal (each policy edited or added once). */
    objectsChanged: string[];
  };
  entryPoints: { id: string }[];
  unprotected: { id: string; ingressIsolated: boolean; egressIsolated: boolean }[];
}

export interface GenerateResult {
  source: string;
  flows: { records: number; edges: number; badLines: number; unresolved: { reason: string; count: number }[] };
  policies: { name: string; subject: string }[];
  warnings: string[];
  verification: {
    flows: { edges: number; allowedEdges: number; records: number; allowedRecords: number; share: number; denied: { from: string; to: string; protocol: string; port: number; count: number; reason?: string }[] };
    added: { unobserved: { from: string; to: string; text: string }[]; dns: number; aggregation: number };
    granted: { unobserved: { from: string; to: string; text: string }[]; dns: number; aggregation: number };
    emitted: { policies: number; rules: number; peers: number; ports: number };
    ok: boolean;
  };
  yaml: string;
}

/** `GET /api/policy-objects`: the loaded policies of the kinds Lateral evaluates, with the reference a what-if `delete` takes. */
export interface PolicyObject {
  ref: string;
  kind: string;
  namespace?: string;
  name: string;
  /** Admin, NetworkPolicy or Baseline: where it sits in the evaluation order. */
  tier: string;
}

/** `POST /api/what-if {from}` adds this: the foothold's blast radius and paths before and after. */
export interface FootholdChange {
  from: string;
  before: AttackMetrics | null;
  after: AttackMetrics | null;
  paths: { to: string; change: 'opened' | 'closed' | 'shortened' | 'lengthened' | 'unchanged'; hopsBefore: number | null; hopsAfter: number | null; path: string[] }[];
}

/** A what-if as the page asks for it (and as a shared link carries it). */
export interface WhatIfRequest {
  yaml: string;
  delete: string[];
  from?: string;
}

/** A layout made for one graph: `GET /api/map-layout` sends the first picture's (empty when it has none). */
export interface MadeLayout {
  /** layoutInput's hash of the graph it was made for. */
  readonly hash: string;
  readonly positions: Record<string, { x: number; y: number }>;
  /** How it was made (recipe and time), for the status line. */
  readonly note: string;
}
