/**
 * The fast engine: compiles a cluster once into pod classes, external groups, port atoms and
 * bitsets of peers and subjects, then answers single connections (allowed) and all pairs
 * (reach) from them. The contract is reachability.ts; the semantics are those the reference
 * evaluator (reference/reference.ts) spells out — NetworkPolicy v1 between the Admin and
 * Baseline tiers of the cluster-wide policies — and the differential test holds the two together.
 *
 * Cost grows with classes x rules: selectors are evaluated once per distinct label set (via an
 * inverted index), namespace selectors once per namespace, and every later step works on
 * classes and external groups, never on pod pairs.
 *
 * The stages, each a function of the records before it:
 *   1. policy-table.ts       policies of every tier in one rule form, peers and ports interned
 *   2. class-stage.ts        pod classes and external groups: the nodes of the relation
 *   3. peer-sets.ts          port atoms; peers, rules and subjects as bitsets over nodes
 *   4. connection-check.ts   one connection, one port
 *   5. destination-groups.ts per destination, the (sources, ports) groups all-pairs reads
 */
import { reachabilityOf, towardOnly, type DestinationGroups } from './all-pairs.js';
import { emptyBitset, setBit } from './bitset.js';
import { DEFAULT_EVAL_OPTIONS, type Cluster, type Endpoint, type EvalOptions } from '../model/model.js';
import { buildClassState } from './class-stage.js';
import { CompileMemo } from './compile-memo.js';
import { connectionCheck } from './connection-check.js';
import { buildDestinationGroups } from './destination-groups.js';
import { buildPeerSets } from './peer-sets.js';
import { buildPolicyTable, type PolicyTable } from './policy-table.js';
import { buildCiliumTable } from './cilium-table.js';
import type { CompiledCluster, Reachability } from './reachability.js';
import { buildEndpointIndex } from '../workloads/workload-reach.js';
import type { EndpointIndex } from '../workloads/endpoint-types.js';

/** What each compiled cluster learnt, for recompile to start from. */
const memos = new WeakMap<CompiledCluster, CompileMemo>();
/** Each compiled cluster's policy table: recompile patches it where only some policies changed. */
const tables = new WeakMap<CompiledCluster, PolicyTable>();

/**
 * Compiles a cluster for fast queries. Throws InputError for what cannot be evaluated (an
 * ipBlock CIDR or a pod IP that does not parse), naming the object and field.
 */
export function compile(cluster: Cluster, options: EvalOptions = DEFAULT_EVAL_OPTIONS): CompiledCluster {
  return compileWith(cluster, options, new CompileMemo());
}

/**
 * Compiles `cluster` — typically `previous.cluster` with a policy or some labels changed, as a
 * what-if makes it — reusing what `previous` evaluated: selector answers per label set (only
 * selectors the change introduced are evaluated), namespace-selector answers per namespace
 * label set, and parsed pod IPs of pods that are the same objects. The result is the one
 * compile(cluster, options) gives, class numbering included (classes are numbered by their
 * first pod, and the partition does not depend on how selectors are numbered).
 */
export function recompile(previous: CompiledCluster, cluster: Cluster, options: EvalOptions = previous.options): CompiledCluster {
  const memo = memos.get(previous);
  return memo === undefined ? compileWith(cluster, options, new CompileMemo()) : compileWith(cluster, options, memo, tables.get(previous));
}

function compileWith(cluster: Cluster, options: EvalOptions, memo: CompileMemo, previousTable?: PolicyTable): CompiledCluster {
  const table = buildPolicyTable(cluster, memo, options, buildCiliumTable, previousTable);
  // Cilium: "ipBlock never matches pods" (CIDR rules select only what is not a Cilium endpoint).
  const state = buildClassState(cluster, options.cni === 'cilium' ? { ...options, ipBlockPods: 'ignore' } : options, table, memo);
  const sets = buildPeerSets(table, state);
  const check = connectionCheck(cluster, table, state, sets);
  let reachability: Reachability | undefined;
  let allGroups: DestinationGroups | undefined;
  const groups = () => (allGroups ??= buildDestinationGroups(table, state, sets));
  let possible: Reachability | undefined;
  let endpointIndex: EndpointIndex | undefined;
  // Only a domainNames peer (a Cilium peer the input cannot resolve, or, with Calico, a rule the
  // manifests cannot decide) can leave a connection unknown.
  const unknowns = table.peerDefs.some((d) => d.kind === 'none' || (d.kind === 'hostPods' && d.maybe)) || (table.calico?.mayBeUnknown ?? false);
  const compiled: CompiledCluster = {
    cluster,
    options,
    classCount: state.classCount,
    podClass: state.classes.podClass,
    classPods: state.classes.classPods,
    externals: state.ipAtoms.groups,
    externalOf: check.externalOf,
    nodeOf: (e: Endpoint) => check.nodeOf(e),
    endpoints: () => (endpointIndex ??= buildEndpointIndex(compiled)),
    allowed: check.allowed,
    reach: () => (reachability ??= reachabilityOf(groups())),
    reachToward: (destinations) => {
      const only = emptyBitset(state.nodeCount);
      for (const d of destinations) {
        if (!Number.isInteger(d) || d < 0 || d >= state.nodeCount) throw new RangeError(`destination ${d} is not a node (0..${state.nodeCount - 1})`);
        setBit(only, d);
      }
      return towardOnly(reachability ?? reachabilityOf(allGroups ?? buildDestinationGroups(table, state, sets, only)), only);
    },
    reachFrom: (sources) => reachabilityOf(groups(), nodeSet(state.nodeCount, sources, 'source')),
    ...(unknowns
      ? { possible: () => (possible ??= reachabilityOf(buildDestinationGroups(table, state, buildPeerSets(table, state, 'externals')))) }
      : {}),
  };
  memos.set(compiled, memo);
  tables.set(compiled, table);
  return compiled;
}

/** `nodes` as a bitset over the nodes, each checked to be one. */
function nodeSet(nodeCount: number, nodes: Iterable<number>, what: string) {
  const set = emptyBitset(nodeCount);
  for (const n of nodes) {
    if (!Number.isInteger(n) || n < 0 || n >= nodeCount) throw new RangeError(`${what} ${n} is not a node (0..${nodeCount - 1})`);
    setBit(set, n);
  }
  return set;
}
