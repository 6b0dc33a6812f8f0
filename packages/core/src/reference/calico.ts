/**
 * The reference evaluator's Calico reading (EvalOptions.cni `calico`): one direction of one
 * connection, walked through Calico's tiers as its documentation tells it ("Get started with
 * policy tiers", the NetworkPolicy and GlobalNetworkPolicy references). Every policy kind takes
 * its place in a tier: Calico's own policies where they say, Kubernetes NetworkPolicies in the
 * `default` tier at order 1000, the Admin-tier kinds in `kube-admin` at their priority, the
 * Baseline-tier kinds in `kube-baseline` (the BaselineAdminNetworkPolicy at order 1000).
 *
 * Like reference.ts it is plain and slow, and it shares only the model's types (and Calico's
 * selector parser: the language is the input's, not an evaluation strategy) with the engine.
 */
import type {
  CalicoEntityRule,
  CalicoPolicy,
  CalicoPort,
  CalicoRule,
  Endpoint,
  Labels,
  NetworkPolicy,
  Pod,
  Protocol,
  TierPolicy,
  Verdict,
} from '../model/model.js';
import { calicoSelector, matchesCalicoSelector } from '../semantics/calico-selector.js';
import type { Cluster, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort, TierPeer, TierPort, TierSubject } from '../model/model.js';

export type Direction = 'ingress' | 'egress';
export type Match = 'yes' | 'no' | 'maybe';

/** What the reference evaluator's Calico reading needs of reference.ts: its context and rules. */
export interface Context {
  readonly cluster: Cluster;
  readonly ipBlockPods: 'match' | 'ignore';
}

/**
 * The reference evaluator's NetworkPolicy and tier rules (reference.ts), handed in rather than
 * imported so that the two files do not import each other.
 */
export interface ReferenceRules {
  peersMatch(ctx: Context, policy: NetworkPolicy, peers: readonly NetworkPolicyPeer[] | undefined, endpoint: Endpoint): boolean;
  portsMatch(ports: readonly NetworkPolicyPort[] | undefined, port: number, protocol: Protocol, destination: Pod | undefined): boolean;
  selectorMatches(selector: LabelSelector, labels: Labels): boolean;
  policyTypesOf(policy: NetworkPolicy): readonly string[];
  tierSubjectSelects(ctx: Context, subject: TierSubject, pod: Pod): boolean;
  tierPeersMatch(ctx: Context, peers: readonly TierPeer[], endpoint: Endpoint): Match;
  tierPortsMatch(ports: readonly TierPort[] | undefined, port: number, protocol: Protocol, destination: Pod | undefined): boolean;
  namespaceLabels(cluster: Cluster, name: string): Labels;
  /** Is any of the addresses in any of the CIDRs (an ipBlock without except, each)? */
  inCidrs(cidrs: readonly string[], addresses: readonly string[]): boolean;
  sameAddress(a: string, b: string): boolean;
}


/** "The default tier ... has the order of 1,000,000"; kube-admin 1,000 and kube-baseline 10,000,000, both "a default action of Pass". */
const BUILTIN_TIERS = [
  { name: 'kube-admin', order: 1_000, defaultAction: 'Pass' as const },
  { name: 'default', order: 1_000_000, defaultAction: 'Deny' as const },
  { name: 'kube-baseline', order: 10_000_000, defaultAction: 'Pass' as const },
];

/** One policy of any kind in its tier: how it sorts, whom it selects, what its rules say. */
interface Entry {
  /** `gnp/name`, `np/ns/name`, `knp/ns/name`, `anp/name`, ...: how answers name it. */
  readonly id: string;
  readonly tier: string;
  readonly order: number;
  readonly key: string;
  selects(pod: Pod, direction: Direction): boolean;
  /** Rules in order: each one's action and whether it matches the connection. */
  rules(direction: Direction): readonly ((peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined, subject: Pod) => { action: CalicoRule['action']; match: Match })[];
  /** For a rule that does not match: what it would match if the peer or the port were another ("near miss"), when only one of them is off. */
  nearMiss?(direction: Direction, index: number, peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined, subject: Pod): string | undefined;
}

/**
 * Tiers by order, lowest first; in each, the policies that select the subject for this direction
 * by order. "Allow or Deny - traffic is allowed or denied ... No further rules are processed";
 * "Pass - skips to the next tier that contains a policy that applies to the endpoint"; "Log -
 * ... evaluation continues processing to the next rule"; "at the end of each tier is an
 * implicit default deny" unless the tier's default action is Pass; "if no policies within a tier
 * apply to endpoints, the tier is skipped". Past the last tier, a Kubernetes pod's profile
 * allows.
 */
export function calicoDirectionVerdict(R: ReferenceRules, ctx: Context, subject: Pod, direction: Direction, peer: Endpoint, port: number, protocol: Protocol): Verdict {
  return calicoDirectionTrace(R, ctx, subject, direction, peer, port, protocol).verdict;
}

/** One link of the chain explain shows: a tier's say, by a rule or by the tier's end. */
export interface CalicoStep {
  readonly tier: string;
  readonly action: 'Allow' | 'Deny' | 'Pass';
  /** The policy and rule that acted; absent when the tier's default action did. */
  readonly policy?: string;
  readonly rule?: number;
  /** The policies of the tier that selected the subject (for an end-of-tier action). */
  readonly selecting?: readonly string[];
}

/** An Allow rule on the walked path that would have matched with only the peer, or only the port, different. */
export interface CalicoNearMiss {
  readonly tier: string;
  readonly policy: string;
  readonly rule: number;
  readonly detail: string;
}

export interface CalicoTrace {
  readonly verdict: Verdict;
  /** Allow rules passed over on the recorded path that almost matched. */
  readonly nearMisses: readonly CalicoNearMiss[];
  /** The path taken when every rule that may match is taken not to. */
  readonly chain: readonly CalicoStep[];
  /** A rule that may match, when the verdict depends on it: `gnp/x ingress[0]`. */
  readonly undecided?: string;
}

/** calicoDirectionVerdict, with the chain of tiers and rules that decided (explain shows it). */
export function calicoDirectionTrace(R: ReferenceRules, ctx: Context, subject: Pod, direction: Direction, peer: Endpoint, port: number, protocol: Protocol): CalicoTrace {
  // Host-networked pods are not workload endpoints: no policy of a pod applies to them.
  if (subject.hostNetwork) return { verdict: 'allowed', chain: [], nearMisses: [] };
  const destination = direction === 'ingress' ? subject : peer.kind === 'pod' ? peer.pod : undefined;
  const entries = entriesOf(R, ctx);
  const tiers = [...BUILTIN_TIERS.filter((b) => !(ctx.cluster.calico?.tiers ?? []).some((t) => t.name === b.name)), ...(ctx.cluster.calico?.tiers ?? [])]
    .map((t) => ({ name: t.name, order: t.order ?? Infinity, defaultAction: t.defaultAction ?? 'Deny' }))
    .sort((a, b) => a.order - b.order || cmp(a.name, b.name));

  // The chain records the path where rules that may match do not: the certain part of the walk.
  const chain: CalicoStep[] = [];
  const nearMisses: CalicoNearMiss[] = [];
  let undecided: string | undefined;
  const fromTier = (ti: number, record: boolean): Verdict => {
    if (ti === tiers.length) return 'allowed';
    const tier = tiers[ti]!;
    const selecting = entries
      .filter((e) => e.tier === tier.name && e.selects(subject, direction))
      .sort((a, b) => a.order - b.order || cmp(a.key, b.key));
    if (selecting.length === 0) return fromTier(ti + 1, record);
    const rules = selecting.flatMap((e) => e.rules(direction).map((rule, index) => ({ rule, index, id: e.id, entry: e })));
    const fromRule = (i: number, record: boolean): Verdict => {
      if (i === rules.length) {
        if (record) chain.push({ tier: tier.name, action: tier.defaultAction, selecting: selecting.map((e) => e.id) });
        return tier.defaultAction === 'Pass' ? fromTier(ti + 1, record) : 'denied';
      }
      const { rule, index, id, entry } = rules[i]!;
      const { action, match } = rule(peer, port, protocol, destination, subject);
      if (match === 'no' && action === 'Allow' && record && entry.nearMiss) {
        const detail = entry.nearMiss(direction, index, peer, port, protocol, destination, subject);
        if (detail !== undefined) nearMisses.push({ tier: tier.name, policy: id, rule: index, detail });
      }
      if (match === 'no' || action === 'Log') return fromRule(i + 1, record);
      const step: CalicoStep = { tier: tier.name, action, policy: id, rule: index };
      if (match === 'yes') {
        if (record) chain.push(step);
        return action === 'Allow' ? 'allowed' : action === 'Deny' ? 'denied' : fromTier(ti + 1, record);
      }
      const decided = action === 'Allow' ? 'allowed' : action === 'Deny' ? 'denied' : fromTier(ti + 1, false);
      const otherwise = fromRule(i + 1, record);
      if (decided !== otherwise && record) undecided ??= `${id} ${direction}[${index}]`;
      return decided === otherwise ? decided : 'unknown';
    };
    return fromRule(0, record);
  };
  const verdict = fromTier(0, true);
  return { verdict, chain, nearMisses, ...(verdict === 'unknown' && undecided ? { undecided } : {}) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function entriesOf(R: ReferenceRules, ctx: Context): Entry[] {
  const { cluster } = ctx;
  const out: Entry[] = [];
  for (const p of cluster.calico?.policies ?? []) out.push(calicoEntry(R, ctx, p));
  for (const np of cluster.policies) out.push(kubernetesEntry(R, ctx, np));
  for (const tp of cluster.tierPolicies ?? []) out.push(tierEntry(R, ctx, tp));
  return out;
}

// --- Kubernetes NetworkPolicy and the network-policy-api kinds, placed in Calico's tiers ------

/** A Kubernetes NetworkPolicy: the default tier, order 1000, its rules Allow. */
function kubernetesEntry(R: ReferenceRules, ctx: Context, np: NetworkPolicy): Entry {
  return {
    id: `knp/${np.namespace}/${np.name}`,
    tier: 'default',
    order: 1000,
    key: `${np.namespace}/knp.default.${np.name}`,
    selects: (pod, direction) =>
      pod.namespace === np.namespace &&
      R.selectorMatches(np.podSelector, pod.labels) &&
      R.policyTypesOf(np).includes(direction === 'ingress' ? 'Ingress' : 'Egress'),
    rules: (direction) =>
      direction === 'ingress'
        ? (np.ingress ?? []).map((r) => (peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined) => ({
            action: 'Allow' as const,
            match: R.peersMatch(ctx, np, r.from, peer) && R.portsMatch(r.ports, port, protocol, dst) ? ('yes' as const) : ('no' as const),
          }))
        : (np.egress ?? []).map((r) => (peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined) => ({
            action: 'Allow' as const,
            match: R.peersMatch(ctx, np, r.to, peer) && R.portsMatch(r.ports, port, protocol, dst) ? ('yes' as const) : ('no' as const),
          })),
  };
}

/** AdminNetworkPolicy and Admin-tier ClusterNetworkPolicy: kube-admin at their priority; Baseline kinds: kube-baseline. */
function tierEntry(R: ReferenceRules, ctx: Context, tp: TierPolicy): Entry {
  const baseline = tp.tier === 'Baseline';
  return {
    id: `${tp.kind === 'ClusterNetworkPolicy' ? 'cnp' : tp.kind === 'AdminNetworkPolicy' ? 'anp' : 'banp'}/${tp.name}`,
    tier: baseline ? 'kube-baseline' : 'kube-admin',
    // "The BaselineAdminNetworkPolicy is treated as if it had an order of 1,000."
    order: tp.kind === 'BaselineAdminNetworkPolicy' ? 1000 : tp.priority,
    key: `${tp.kind}/${tp.name}`,
    selects: (pod, direction) => R.tierSubjectSelects(ctx, tp.subject, pod) && tp[direction].length > 0,
    rules: (direction) =>
      tp[direction].map((r) => (peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined) => ({
        action: r.action,
        match: R.tierPortsMatch(r.ports, port, protocol, dst) ? R.tierPeersMatch(ctx, r.peers, peer) : ('no' as const),
      })),
  };
}

// --- Calico policies --------------------------------------------------------------------------

/**
 * "If types has no value, Calico defaults as follows": Ingress without egress rules, Egress with
 * egress rules only, both with both.
 */
function calicoTypes(p: CalicoPolicy): readonly string[] {
  if (p.types && p.types.length > 0) return p.types;
  if (p.egress.length > 0) return p.ingress.length > 0 ? ['Ingress', 'Egress'] : ['Egress'];
  return ['Ingress'];
}

function calicoEntry(R: ReferenceRules, ctx: Context, p: CalicoPolicy): Entry {
  return {
    id: p.kind === 'GlobalNetworkPolicy' ? `gnp/${p.name}` : `np/${p.namespace}/${p.name}`,
    tier: p.tier,
    order: p.order ?? Infinity,
    key: p.kind === 'GlobalNetworkPolicy' ? p.name : `${p.namespace}/${p.name}`,
    selects: (pod, direction) => calicoTypes(p).includes(direction === 'ingress' ? 'Ingress' : 'Egress') && calicoSubject(R, ctx, p, pod),
    rules: (direction) =>
      p[direction].map((r) => (peer: Endpoint, port: number, protocol: Protocol, dst: Pod | undefined, subject: Pod) => ({
        action: r.action,
        match: ruleMatches(R, ctx, p, r, direction, subject, peer, port, protocol, dst),
      })),
    nearMiss: (direction, index, peer, port, protocol, dst, subject) => {
      const r = p[direction][index]!;
      const peerName = peer.kind === 'pod' ? `${peer.pod.namespace}/${peer.pod.name}` : peer.ip;
      // The rule with its protocol and destination ports left out: does the peer side match?
      const anyPort: CalicoRule = { ...r, protocol: undefined, notProtocol: undefined, destination: { ...r.destination, ports: undefined, notPorts: undefined } };
      if (ruleMatches(R, ctx, p, anyPort, direction, subject, peer, port, protocol, dst) === 'yes') {
        return `would match if the port were among its ${describeCalicoPorts(r)}: it matches ${peerName}, not ${protocol} ${port}`;
      }
      // The rule with the peer's entity left out (its ports kept): does the port side match?
      const anyPeer: CalicoRule =
        direction === 'ingress' ? { ...r, source: {} } : { ...r, destination: { ports: r.destination.ports, notPorts: r.destination.notPorts } };
      if (ruleMatches(R, ctx, p, anyPeer, direction, subject, peer, port, protocol, dst) === 'yes') {
        return `would match if ${peerName} were among its ${direction === 'ingress' ? 'sources' : 'destinations'}: it matches ${protocol} ${port}`;
      }
      return undefined;
    },
  };
}

/** `TCP 5432, 8000:8099` / `any protocol, ports http`: a rule's protocol and destination ports, for near misses. */
function describeCalicoPorts(r: CalicoRule): string {
  const port = (x: CalicoPort) => ('name' in x ? x.name : x.first === x.last ? `${x.first}` : `${x.first}:${x.last}`);
  const parts: string[] = [];
  parts.push(r.protocol !== undefined ? `protocol ${r.protocol}` : r.notProtocol !== undefined ? `protocol not ${r.notProtocol}` : 'any protocol');
  if (r.destination.ports !== undefined) parts.push(`ports ${r.destination.ports.map(port).join(', ')}`);
  if (r.destination.notPorts !== undefined) parts.push(`ports not ${r.destination.notPorts.map(port).join(', ')}`);
  return parts.join(', ');
}

/**
 * "The top-level selector in a NetworkPolicy selects over the workloads in the same namespace as
 * the NetworkPolicy"; a GlobalNetworkPolicy's over all endpoints, limited by its namespaceSelector;
 * serviceAccountSelector "selects the service account(s) to which this policy applies".
 */
function calicoSubject(R: ReferenceRules, ctx: Context, p: CalicoPolicy, pod: Pod): boolean {
  if (p.kind === 'NetworkPolicy' && pod.namespace !== p.namespace) return false;
  if (p.namespaceSelector !== undefined && !namespaceSelected(R, ctx, p.namespaceSelector, pod.namespace)) return false;
  if (!matchesCalicoSelector(calicoSelector(p.selector ?? ''), { labels: endpointLabels(R, ctx, pod), global: false })) return false;
  if (p.serviceAccountSelector !== undefined && !serviceAccountSelected(R, ctx, p.serviceAccountSelector, pod)) return false;
  return true;
}

/**
 * The labels Calico gives a pod's workload endpoint: the pod's own, its namespace and service
 * account by name, the orchestrator, and the namespace's and service account's labels under
 * `pcns.` and `pcsa.`.
 */
function endpointLabels(R: ReferenceRules, ctx: Context, pod: Pod): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(R.namespaceLabels(ctx.cluster, pod.namespace))) out[`pcns.${k}`] = v;
  for (const [k, v] of Object.entries(serviceAccountLabels(R, ctx, pod))) if (k !== 'projectcalico.org/name') out[`pcsa.${k}`] = v;
  Object.assign(out, pod.labels);
  out['projectcalico.org/namespace'] = pod.namespace;
  out['projectcalico.org/orchestrator'] = 'k8s';
  out['projectcalico.org/serviceaccount'] = pod.serviceAccountName ?? 'default';
  return out;
}

/** A ServiceAccount's labels and `projectcalico.org/name`; one not in the input has no labels but its name. */
function serviceAccountLabels(R: ReferenceRules, ctx: Context, pod: Pod): Labels {
  const name = pod.serviceAccountName ?? 'default';
  const sa = (ctx.cluster.serviceAccounts ?? []).find((s) => s.namespace === pod.namespace && s.name === name);
  return { ...(sa?.labels ?? {}), 'projectcalico.org/name': name };
}

function serviceAccountSelected(R: ReferenceRules, ctx: Context, selector: string, pod: Pod): boolean {
  return matchesCalicoSelector(calicoSelector(selector), { labels: serviceAccountLabels(R, ctx, pod), global: false });
}

/** "Match a specific namespace by name using the projectcalico.org/name label." */
function namespaceSelected(R: ReferenceRules, ctx: Context, selector: string, namespace: string): boolean {
  const labels = { ...R.namespaceLabels(ctx.cluster, namespace), 'projectcalico.org/name': namespace };
  return matchesCalicoSelector(calicoSelector(selector), { labels, global: false });
}

function and(...ms: Match[]): Match {
  if (ms.includes('no')) return 'no';
  return ms.includes('maybe') ? 'maybe' : 'yes';
}

function not(m: Match): Match {
  return m === 'yes' ? 'no' : m === 'no' ? 'yes' : 'maybe';
}

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };

function protocolNumber(p: string | number): number {
  return typeof p === 'number' ? p : PROTOCOL_NUMBERS[p]!;
}

/**
 * "If the rule contains multiple match criteria (for example, an IP and a port) then all match
 * criteria must match for the rule as a whole to match a packet." For an ingress rule the source
 * describes the peer and the destination the subject; for egress the other way round.
 */
function ruleMatches(
  R: ReferenceRules,
  ctx: Context,
  policy: CalicoPolicy,
  rule: CalicoRule,
  direction: Direction,
  subject: Pod,
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  dst: Pod | undefined,
): Match {
  const n = protocolNumber(protocol);
  if (rule.protocol !== undefined && protocolNumber(rule.protocol) !== n) return 'no';
  if (rule.notProtocol !== undefined && protocolNumber(rule.notProtocol) === n) return 'no';
  const self: Endpoint = { kind: 'pod', pod: subject };
  const [src, dstEnd] = direction === 'ingress' ? [peer, self] : [self, peer];
  const ports = rule.destination;
  if (ports.ports !== undefined && !ports.ports.some((p) => portMatches(p, port, protocol, dst))) return 'no';
  if (ports.notPorts !== undefined && ports.notPorts.some((p) => portMatches(p, port, protocol, dst))) return 'no';
  const m = and(entityMatches(R, ctx, policy, rule.source, src), entityMatches(R, ctx, policy, rule.destination, dstEnd));
  // Source ports, ipVersion, services: the adapter said why the match cannot be decided.
  return m === 'yes' && rule.unknown !== undefined ? 'maybe' : m;
}

/** "start:end ... All (numeric) ports within the range"; a named port "as defined in the ports list" of the destination. */
function portMatches(p: CalicoPort, port: number, protocol: Protocol, dst: Pod | undefined): boolean {
  if ('name' in p) return dst !== undefined && dst.ports.some((cp) => cp.name === p.name && cp.protocol === protocol && cp.containerPort === port);
  return port >= p.first && port <= p.last;
}

function addressesOf(e: Endpoint): string[] {
  return e.kind === 'ip' ? [e.ip] : [...e.pod.ips];
}

function inNets(R: ReferenceRules, nets: readonly string[], e: Endpoint): boolean {
  return R.inCidrs(nets, addressesOf(e));
}

function entityMatches(R: ReferenceRules, ctx: Context, policy: CalicoPolicy, entity: CalicoEntityRule, e: Endpoint): Match {
  const parts: Match[] = [];
  // "nets: Match packets with IP in any of the listed CIDRs"; "notNets: ... not in any".
  if (entity.nets !== undefined) parts.push(inNets(R, entity.nets, e) ? 'yes' : 'no');
  if (entity.notNets !== undefined) parts.push(inNets(R, entity.notNets, e) ? 'no' : 'yes');
  // "namespaceSelector ... If specified, only workload endpoints in the selected Kubernetes
  // namespaces are matched": with no selector it selects all of them.
  const selector = entity.selector ?? (entity.namespaceSelector !== undefined ? 'all()' : undefined);
  if (selector !== undefined) parts.push(selected(R, ctx, policy, selector, entity.namespaceSelector, e));
  // "notSelector: ... matches packets from/to anywhere ... except traffic from/to endpoints and network sets that have the label".
  if (entity.notSelector !== undefined) parts.push(not(selected(R, ctx, policy, entity.notSelector, entity.namespaceSelector, e)));
  if (entity.serviceAccounts !== undefined) parts.push(serviceAccountsMatch(R, ctx, policy, entity, e));
  return and(...parts);
}

/**
 * Whether an endpoint is one the selector selects in its scope: a pod's workload endpoint, or an
 * address of a network set or host endpoint the selector matches. "The namespaceSelector
 * determines the scope of the accompanying selector ... If no namespaceSelector is present then
 * the rule's selector matches the default scope for that type of policy. (This is the same
 * namespace for NetworkPolicy and all endpoints/network sets for GlobalNetworkPolicy)"; "global()
 * ... to change the scope of the main selector to include non-namespaced resources".
 */
function selected(R: ReferenceRules, ctx: Context, policy: CalicoPolicy, selector: string, nsSelector: string | undefined, e: Endpoint): Match {
  const sel = calicoSelector(selector);
  const inScope = (namespace: string | undefined): boolean => {
    if (nsSelector !== undefined) {
      if (namespace === undefined) return matchesCalicoSelector(calicoSelector(nsSelector), { labels: {}, global: true });
      return namespaceSelected(R, ctx, nsSelector, namespace);
    }
    return policy.kind === 'GlobalNetworkPolicy' || namespace === policy.namespace;
  };
  if (e.kind === 'pod' && !e.pod.hostNetwork && inScope(e.pod.namespace) && matchesCalicoSelector(sel, { labels: endpointLabels(R, ctx, e.pod), global: false })) {
    return 'yes';
  }
  let result: Match = 'no';
  const calico = ctx.cluster.calico;
  for (const set of calico?.networkSets ?? []) {
    if (!inScope(set.namespace) || !matchesCalicoSelector(sel, { labels: set.labels, global: set.namespace === undefined })) continue;
    if (inNets(R, set.nets, e)) return 'yes';
    // Which addresses a domain resolves to is in no manifest; a pod is never one of them.
    if (set.allowedEgressDomains !== undefined && e.kind === 'ip') result = 'maybe';
  }
  for (const hep of calico?.hostEndpoints ?? []) {
    if (!inScope(undefined) || !matchesCalicoSelector(sel, { labels: hep.labels, global: true })) continue;
    const addresses = addressesOf(e);
    if (hep.expectedIPs.some((ip) => addresses.some((a) => R.sameAddress(a, ip)))) return 'yes';
  }
  return result;
}


/** "Match endpoints running under service accounts ... limited to the service accounts in the selected namespaces." */
function serviceAccountsMatch(R: ReferenceRules, ctx: Context, policy: CalicoPolicy, entity: CalicoEntityRule, e: Endpoint): Match {
  if (e.kind !== 'pod' || e.pod.hostNetwork) return 'no';
  const pod = e.pod;
  const scoped =
    entity.namespaceSelector !== undefined
      ? namespaceSelected(R, ctx, entity.namespaceSelector, pod.namespace)
      : policy.kind === 'GlobalNetworkPolicy' || pod.namespace === policy.namespace;
  if (!scoped) return 'no';
  const sa = entity.serviceAccounts!;
  const name = pod.serviceAccountName ?? 'default';
  if (sa.names !== undefined && sa.names.length > 0 && !sa.names.includes(name)) return 'no';
  if (sa.selector !== undefined && !serviceAccountSelected(R, ctx, sa.selector, pod)) return 'no';
  return 'yes';
}
