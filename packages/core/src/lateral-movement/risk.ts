/**
 * The lateral-movement findings a reviewer wants first: which workloads would hurt most if
 * compromised (blast radius) and which are easiest to get to (exposure), which have no
 * isolation at all, which entry points lead to a crown jewel, which workloads escape to their
 * node, and the choke points — the fewest connections to close, with the policy change.
 */
import { INTERNET, type AttackGraph, type AttackPort, type Exposure, type WorkloadNodeAttributes } from './attack-graph.js';
import { attackClosure } from './attack-closure.js';
import { describePath, distanceToTargets, shortestAttackPath, type AttackPath } from './attack-paths.js';
import { emptyBitset, setBit } from '../engine/bitset.js';
import { blastRadius, type AttackMetrics } from './blast-radius.js';
import { chokePoints, type ChokePoints } from './choke-points.js';
import { proposeConnectionRemoval, type ConnectionRemoval, type ObservedConnection } from './connection-removal.js';
import { proposeTokenRemoval } from './token-removal.js';
import { proposeAdminTierDeny } from './admin-tier-removal.js';
import { proposeGrantRemoval } from './grant-removal.js';
import { walkTier } from '../explain/explain-tiers.js';
import { setAsideDominatingEscapes, type DominatingEscape } from './dominating-escape.js';
import { matchesSelector } from '../semantics/label-selector.js';
import { identityId } from './identity.js';
import { podIsolation } from '../semantics/policy-types.js';
import type { NetworkPolicy } from '../model/model.js';

export interface RankedWorkload {
  readonly id: string;
  /** Workloads it reaches (blast radius) or that reach it (exposure), in any number of moves. */
  readonly count: number;
  readonly percent: number;
}

export interface UnprotectedWorkload {
  readonly id: string;
  readonly ingressIsolated: boolean;
  readonly egressIsolated: boolean;
}

export interface EntryPointFinding {
  readonly id: string;
  readonly exposures: readonly Exposure[];
  /** The shortest path from the internet through this entry point to a crown jewel, if any. */
  readonly pathToCrownJewel?: AttackPath;
}

export interface EscapeFinding {
  readonly id: string;
  readonly reasons: readonly string[];
  /** Node names, `every node` or `unknown`. */
  readonly placement: string;
  /** Workloads that can reach it (itself excluded). */
  readonly reachedBy: number;
  readonly reachableFromInternet: boolean;
}

/** A workload whose pods mount a token RBAC gives a move, and what that token leads to. */
export interface TokenFinding {
  readonly id: string;
  readonly serviceAccount: string;
  /** False when the workload's egress does not reach the API server. */
  readonly usable: boolean;
  readonly because: string;
  /** Workloads the token reaches in any number of moves (when unusable: would reach). */
  readonly reaches: number;
  readonly reachableFromInternet: boolean;
}

export interface RiskReport {
  readonly workloads: number;
  /**
   * Escapes that made most workloads reach everything, most reached first: the top finding,
   * each with its de-privileging change. The rankings are computed with them set aside.
   */
  readonly dominatingEscapes: readonly DominatingEscape[];
  readonly crownJewels: readonly string[];
  readonly byBlastRadius: readonly RankedWorkload[];
  readonly byExposure: readonly RankedWorkload[];
  readonly unprotected: readonly UnprotectedWorkload[];
  readonly entryPoints: readonly EntryPointFinding[];
  readonly escapes: readonly EscapeFinding[];
  /** Mounted tokens with a move: usable ones first, by what they reach. */
  readonly tokens: readonly TokenFinding[];
  readonly chokePoints: ChokePoints & {
    readonly removals: readonly ConnectionRemoval[];
    /**
     * The changes a person makes to apply every proposal: each policy edited or added once, each
     * workload whose token mount goes once (several cut connections often share one policy).
     */
    readonly objectsChanged: readonly string[];
  };
  /** Metrics from the internet (all zero when nothing is exposed). */
  readonly metrics: AttackMetrics;
}

export interface RiskOptions {
  readonly crownJewels: readonly string[];
  /** How many workloads each ranking lists (default 10). */
  readonly top?: number;
  readonly cuttableEntry?: boolean;
  /** At most this many choke points get a verified policy change (each is a compile). */
  readonly maxProposals?: number;
  /**
   * Connections seen in traffic: legitimate, so the cut avoids them where it can (each costs
   * OBSERVED_CUT_COST unobserved ones) and every proposal lists those it would break.
   */
  readonly observed?: readonly ObservedConnection[];
  /**
   * Where the attacker starts for the choke points (a node of the attack graph: a workload id,
   * node:<name>); default the internet. The rest of the report is the cluster's, whatever the foothold.
   */
  readonly from?: string;
}

/** How many unobserved connections one observed connection is worth keeping open. */
export const OBSERVED_CUT_COST = 1000;

function covers(ports: readonly AttackPort[], o: ObservedConnection): boolean {
  return ports.some((p) => p.protocol === o.protocol && o.port >= p.port && o.port <= (p.endPort ?? p.port));
}

export function riskReport(ag: AttackGraph, options: RiskOptions): RiskReport {
  const { graph, compiled } = ag;
  const { cluster } = compiled;
  const top = options.top ?? 10;
  const closure = attackClosure(ag);
  const mask = emptyBitset(closure.ids.length);
  for (const id of ag.workloads) setBit(mask, closure.indexOf.get(id)!);
  const total = Math.max(1, ag.workloads.length - 1);
  const pct = (n: number) => Math.round((n / total) * 1000) / 10;
  const rank = (counts: [string, number][]): RankedWorkload[] =>
    counts
      .filter(([, c]) => c > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, top)
      .map(([id, count]) => ({ id, count, percent: pct(count) }));
  const reachedBy = closure.reachedByCounts(mask);
  // Rankings carry signal only with a dominating escape set aside (said once, as the top finding).
  const aside = setAsideDominatingEscapes(ag, closure);
  const asideMask = emptyBitset(aside.closure.ids.length);
  for (const id of ag.workloads) setBit(asideMask, aside.closure.indexOf.get(id)!);
  const asideReachedBy = aside.closure.reachedByCounts(asideMask);
  const byBlastRadius = rank(ag.workloads.map((id) => [id, aside.closure.countReached(aside.closure.indexOf.get(id)!, asideMask)]));
  const byExposure = rank(ag.workloads.map((id) => [id, asideReachedBy[aside.closure.indexOf.get(id)!]!]));

  const policiesByNs = new Map<string, NetworkPolicy[]>();
  for (const p of cluster.policies) {
    const l = policiesByNs.get(p.namespace);
    if (l) l.push(p);
    else policiesByNs.set(p.namespace, [p]);
  }
  const unprotected: UnprotectedWorkload[] = [];
  for (const id of ag.workloads) {
    const a = graph.getNodeAttributes(id) as WorkloadNodeAttributes;
    if (a.hostNetwork) continue;
    const pods = ag.index.endpointPods[a.endpoint]!.map((i) => cluster.pods[i]!);
    const isolation = pods.map((pod) => podIsolation(pod, policiesByNs.get(a.namespace) ?? []));
    const ingressIsolated = isolation.some((x) => x.ingress);
    const egressIsolated = isolation.some((x) => x.egress);
    if (!ingressIsolated || !egressIsolated) unprotected.push({ id, ingressIsolated, egressIsolated });
  }

  const jewels = [...options.crownJewels];
  const jewelSet = new Set(jewels);
  const dist = distanceToTargets(ag, jewels);
  const entryPoints: EntryPointFinding[] = [];
  if (graph.hasNode(INTERNET)) {
    for (const id of [...graph.outNeighbors(INTERNET)].sort()) {
      const e = graph.getEdgeAttributes(INTERNET, id);
      if (e.kind !== 'entry') continue;
      let pathToCrownJewel: AttackPath | undefined;
      if (dist.has(id)) {
        const rest = jewelSet.has(id) ? [id] : shortestAttackPath(ag, id, jewelSet);
        if (rest) pathToCrownJewel = describePath(ag, [INTERNET, ...rest]);
      }
      entryPoints.push({ id, exposures: e.exposures, ...(pathToCrownJewel ? { pathToCrownJewel } : {}) });
    }
    // Those with a path to a crown jewel first: they are the findings.
    entryPoints.sort((x, y) => Number(!!y.pathToCrownJewel) - Number(!!x.pathToCrownJewel) || (x.id < y.id ? -1 : 1));
  }
  const internetReach = graph.hasNode(INTERNET) ? closure.reaches(closure.indexOf.get(INTERNET)!) : undefined;
  const escapes: EscapeFinding[] = ag.workloads
    .map((id) => graph.getNodeAttributes(id) as WorkloadNodeAttributes)
    .filter((a) => a.escapes.length > 0)
    .map((a) => {
      const i = closure.indexOf.get(a.id)!;
      return {
        id: a.id,
        reasons: a.escapes,
        placement: a.placement.kind === 'nodes' ? a.placement.nodes.join(', ') : a.placement.kind === 'every' ? 'every node' : 'unknown',
        reachedBy: reachedBy[i]!,
        reachableFromInternet: internetReach !== undefined && ((internetReach[i >>> 5]! >>> (i & 31)) & 1) === 1,
      };
    })
    .sort((x, y) => Number(y.reachableFromInternet) - Number(x.reachableFromInternet) || y.reachedBy - x.reachedBy || (x.id < y.id ? -1 : 1));

  const inInternetReach = (id: string) => {
    const i = closure.indexOf.get(id);
    return i !== undefined && internetReach !== undefined && ((internetReach[i >>> 5]! >>> (i & 31)) & 1) === 1;
  };
  const tokens: TokenFinding[] = ag.workloads
    .map((id) => graph.getNodeAttributes(id) as WorkloadNodeAttributes)
    .filter((a) => a.token !== undefined)
    .map((a) => {
      const sa = identityId(...(a.token!.serviceAccount.split('/') as [string, string]));
      const i = closure.indexOf.get(sa);
      return {
        id: a.id,
        serviceAccount: a.token!.serviceAccount,
        usable: a.token!.usable,
        because: a.token!.because,
        reaches: i === undefined ? 0 : closure.countReached(i, mask),
        reachableFromInternet: inInternetReach(a.id),
      };
    })
    .sort((x, y) => Number(y.usable) - Number(x.usable) || y.reaches - x.reaches || (x.id < y.id ? -1 : 1));

  const sources = options.from !== undefined ? (graph.hasNode(options.from) ? [options.from] : []) : graph.hasNode(INTERNET) ? [INTERNET] : [];
  const observed = options.observed;
  const seen = new Set((observed ?? []).map((o) => `${o.from}\u0000${o.to}`));
  const cp = chokePoints(ag, sources, jewels, {
    cuttableEntry: options.cuttableEntry ?? false,
    ...(observed ? { cost: (from: string, to: string) => (seen.has(`${from}\u0000${to}`) ? OBSERVED_CUT_COST : 1) } : {}),
  });
  // Connections straight into a crown jewel first: closing them is the jewel owner's own change.
  // Every cut connection into one destination is one change (one policy edit or new policy),
  // proposed and verified together.
  const ordered = [...cp.cut]
    .sort((x, y) => Number(jewelSet.has(y.to)) - Number(jewelSet.has(x.to)))
    .filter((c) => c.from !== INTERNET && (c.grant !== undefined || graph.getEdgeAttributes(c.from, c.to).kind !== 'entry'));
  const groups: { to: string; from: string[]; identity: boolean; grant?: string }[] = [];
  for (const c of ordered) {
    const identity = c.grant !== undefined || graph.getEdgeAttributes(c.from, c.to).kind !== 'network';
    const g = identity ? undefined : groups.find((x) => !x.identity && x.to === c.to);
    if (g) g.from.push(c.from);
    else groups.push({ to: c.to, from: [c.from], identity, ...(c.grant !== undefined ? { grant: c.grant } : {}) });
  }
  const removals = groups
    .slice(0, options.maxProposals ?? 10)
    .map((g) =>
      g.grant !== undefined
        ? proposeGrantRemoval(ag, g.from[0]!, g.to, g.grant)
        : g.identity
          ? proposeTokenRemoval(ag, g.from[0]!, g.to)
          : proposeClosing(ag, g.from, g.to),
    )
    .map((r): ConnectionRemoval => {
      if (!observed) return r;
      const cutPorts = graph.getEdgeAttributes(r.sources[0]!, r.to);
      const closed = (o: ObservedConnection) =>
        (r.sources.includes(o.from) && o.to === r.to && cutPorts.kind === 'network' && r.verified) ||
        r.alsoBlocks.some((b) => b.from === o.from && b.to === o.to && covers(b.ports, o));
      return { ...r, breaksObserved: observed.filter(closed) };
    });
  const metrics = graph.hasNode(INTERNET)
    ? blastRadius(ag, INTERNET, { crownJewels: jewels }).metrics
    : {
        workloads: ag.workloads.length,
        reached: 0,
        reachedPercent: 0,
        nodesReached: 0,
        identitiesReached: 0,
        crownJewels: jewels.length,
        crownJewelsReached: 0,
        minHopsToCrownJewel: null,
        paths: { count: 0, capped: false, hopLimit: 6 },
      };
  return {
    workloads: ag.workloads.length,
    dominatingEscapes: aside.escapes,
    crownJewels: jewels,
    byBlastRadius,
    byExposure,
    unprotected,
    entryPoints,
    escapes,
    tokens,
    chokePoints: {
      ...cp,
      removals,
      objectsChanged: [
        ...new Set(
          removals.flatMap((r) =>
            r.tierPolicies
              ? r.tierPolicies.map((p) => `ClusterNetworkPolicy ${p.name}`)
              : r.policies.length > 0
                ? r.policies.map((p) => `NetworkPolicy ${p.namespace}/${p.name}`)
                : r.changes.slice(0, 1).map((c) => c.slice(0, c.indexOf(':'))),
          ),
        ),
      ].sort(),
    },
    metrics,
  };
}

/**
 * The change a person would make to close these moves into `to`: the NetworkPolicy change in
 * the destination's namespace, or one Admin-tier ClusterNetworkPolicy — weighed only where the
 * inputs already use the tiers (a plugin that enforces them), or where no NetworkPolicy can
 * close the moves. The ClusterNetworkPolicy wins when the NetworkPolicy change cannot close them
 * (an Admin-tier Accept decides first) or would edit more than one object; otherwise the
 * destination's own policy edit does, as the smaller hammer.
 */
function proposeClosing(ag: AttackGraph, from: readonly string[], to: string): ConnectionRemoval {
  const np = proposeConnectionRemoval(ag, from, to);
  const { cluster } = ag.compiled;
  const tiers = (cluster.tierPolicies ?? []).length > 0;
  if (!tiers || np.problem !== undefined) return np;
  const admin = proposeAdminTierDeny(ag, from, to);
  if (!admin.verified) return np;
  if (!np.verified) return { ...admin, why: `no NetworkPolicy change closes it: ${adminAccept(ag, from, to) ?? 'the NetworkPolicy change was not enough'}` };
  const edits = np.policies.length;
  if (edits > 1) return { ...admin, why: `one ClusterNetworkPolicy instead of ${edits} NetworkPolicy edits` };
  return { ...np, why: `one NetworkPolicy change in ${to.split('/')[0]}, the destination's own (a ClusterNetworkPolicy, ${admin.tierPolicies![0]!.name}, would close it too)` };
}

/** The Admin-tier rule that admits one of the moves before NetworkPolicy is asked, as text. */
function adminAccept(ag: AttackGraph, from: readonly string[], to: string): string | undefined {
  const { cluster } = ag.compiled;
  const pod = (id: string) => cluster.pods[ag.index.endpointPods[(ag.graph.getNodeAttributes(id) as WorkloadNodeAttributes).endpoint]![0]!]!;
  const dst = pod(to);
  for (const f of from) {
    const e = ag.graph.getEdgeAttributes(f, to);
    if (e.kind !== 'network' || e.ports.length === 0) continue;
    const port = e.ports[0]!;
    for (const [direction, subject, other] of [['ingress', dst, pod(f)], ['egress', pod(f), dst]] as const) {
      const step = walkTier(cluster, 'Admin', subject, direction, { kind: 'pod', pod: other }, { kind: 'pod', pod: dst }, port.port, port.protocol).step;
      if (step?.action === 'Allow') return `${step.policy} ${direction} rule ${step.ruleName ? `"${step.ruleName}"` : step.rule} accepts ${f} -> ${to} in the Admin tier, before any NetworkPolicy`;
    }
  }
  return undefined;
}
