/**
 * Why one connection is allowed or denied, rule by rule.
 *
 * This walks the policies straight from the NetworkPolicy v1 text for a single (src, dst, port,
 * protocol), like the reference evaluator, but keeps every reason on the way: which policies
 * isolate each side, which rules allow, and — the useful part when something is denied — which
 * rules *almost* allowed it and which clause (peer, port, named port) stood in the way.
 *
 * It deliberately does not use the fast engine: an explanation must be obviously right on its
 * own, and disagreeing with the engine is a bug the differential tests should find, not hide.
 */
import { cidrContains, tryParseCidr, tryParseIp } from '../semantics/ip.js';
import { formatSelector, matchesSelector } from '../semantics/label-selector.js';
import { isolatingPolicies as policiesIsolating } from '../semantics/policy-types.js';
import {
  DEFAULT_EVAL_OPTIONS,
  type Cluster,
  type Endpoint,
  type EvalOptions,
  type IPBlock,
  type Labels,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type Pod,
  type PolicyType,
  type Protocol,
  type Verdict,
} from '../model/model.js';

import { formatTierChain, formatTierStep, walkTier, type TierNearMiss, type TierStep } from './explain-tiers.js';
import { explainCiliumSide, formatCiliumChain } from './explain-cilium.js';
import { referenceCalicoTrace } from '../reference/reference.js';
type Direction = 'ingress' | 'egress';

export interface RuleRef {
  /** `namespace/name` of the policy. */
  policy: string;
  direction: 'ingress' | 'egress';
  /** Index in the policy's ingress or egress list, from 0. */
  rule: number;
  /** Index in the rule's from/to list, from 0; absent when the rule has no peers (all peers). */
  peer?: number;
  /** The rest of the sentence after "<direction> rule <n> of <policy>". */
  detail: string;
}

export interface SideExplanation {
  /** `ns/pod` or an IP. */
  endpoint: string;
  /** Selected by any policy for this direction. */
  isolated: boolean;
  /** `ns/name` of the policies selecting it for this direction, sorted. */
  isolatingPolicies: string[];
  /** Every rule that allows this connection on this side. */
  allowedBy: RuleRef[];
  /** Rules of the isolating policies that almost allowed it; only for a side that denies. */
  nearMisses: RuleRef[];
  /** One line. */
  reason: string;
  /**
   * Present when the cluster has tier policies: the chain across tiers for this side (Admin,
   * NetworkPolicy, Baseline, default) and the tier rules that almost matched.
   */
  tiers?: SideTiers;
  /** Under Cilium: allow rules with L7 filtering that allow this side at L4. */
  l7?: string[];
}

export interface SideTiers {
  /** Each tier's say, in order; the last step decided (a Pass hands on to the next). */
  chain: TierStep[];
  /** This side blocks the connection. */
  denied: boolean;
  /** Set when a rule the input cannot decide (domainNames) could change this side's answer. */
  unknown?: string;
  nearMisses: TierNearMiss[];
}

export interface Explanation {
  /** Certainly allowed (false for an unknown verdict). */
  allowed: boolean;
  /** Present when the cluster has tier policies, which can make a verdict unknown. */
  verdict?: Verdict;
  /** Why the verdict is unknown. */
  unknownReason?: string;
  /** Said of an allowed connection: `L7-filtered: requests may be denied (cnp shop/api ingress[0])`. */
  notes?: string[];
  src: string;
  dst: string;
  port: number;
  protocol: Protocol;
  /** A pod to itself: always allowed, whatever the policies say. */
  selfConnection: boolean;
  /** The source's egress. */
  egress: SideExplanation;
  /** The destination's ingress. */
  ingress: SideExplanation;
  /** Empty when allowed. */
  denyingSides: ('egress' | 'ingress')[];
}

function endpointName(e: Endpoint): string {
  return e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip;
}

export function explainConnection(
  cluster: Cluster,
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol,
  options: EvalOptions = DEFAULT_EVAL_OPTIONS,
): Explanation {
  const selfConnection =
    src.kind === 'pod' &&
    dst.kind === 'pod' &&
    src.pod.namespace === dst.pod.namespace &&
    src.pod.name === dst.pod.name;
  const cilium = options.cni === 'cilium';
  // Under Cilium an ipBlock never matches a pod.
  const ctx: Context = { cluster, options: cilium ? { ...options, ipBlockPods: 'ignore' } : options, src, dst, port, protocol, selfConnection };
  const egress = explainSide(ctx, 'egress');
  const ingress = explainSide(ctx, 'ingress');
  const denyingSides: Direction[] = [];
  if (!selfConnection) {
    if (sideDenies(egress)) denyingSides.push('egress');
    if (sideDenies(ingress)) denyingSides.push('ingress');
  }
  const tiers = (cluster.tierPolicies ?? []).length > 0 || cilium || options.cni === 'calico';
  const unknownReason = selfConnection || denyingSides.length > 0 ? undefined : (egress.tiers?.unknown ?? ingress.tiers?.unknown);
  const verdict: Verdict = denyingSides.length > 0 ? 'denied' : unknownReason ? 'unknown' : 'allowed';
  const l7 = verdict === 'denied' ? [] : [...(egress.l7 ?? []), ...(ingress.l7 ?? [])];
  return {
    allowed: verdict === 'allowed',
    ...(tiers ? { verdict } : {}),
    ...(unknownReason ? { unknownReason } : {}),
    ...(l7.length > 0 ? { notes: [`L7-filtered: requests may be denied (${l7.join(', ')})`] } : {}),
    src: endpointName(src),
    dst: endpointName(dst),
    port,
    protocol,
    selfConnection,
    egress,
    ingress,
    denyingSides,
  };
}

interface Context {
  readonly cluster: Cluster;
  readonly options: EvalOptions;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
  readonly selfConnection: boolean;
}

function sideDenies(s: SideExplanation): boolean {
  if (s.tiers) return s.tiers.denied;
  return s.isolated && s.allowedBy.length === 0;
}

function policyId(p: NetworkPolicy): string {
  return `${p.namespace}/${p.name}`;
}

function explainSide(ctx: Context, direction: Direction): SideExplanation {
  const side = explainNetworkPolicySide(ctx, direction);
  const subject = direction === 'egress' ? ctx.src : ctx.dst;
  if (ctx.options.cni === 'cilium') return subject.kind === 'ip' ? side : withCilium(ctx, direction, subject.pod, side);
  if (ctx.options.cni === 'calico') return subject.kind === 'ip' ? { ...side, isolated: false, isolatingPolicies: [], allowedBy: [], nearMisses: [] } : withCalico(ctx, direction, subject.pod, side);
  if ((ctx.cluster.tierPolicies ?? []).length === 0 || subject.kind === 'ip') return side;
  return withTiers(ctx, direction, subject.pod, side);
}

/**
 * The side through the tiers: "Admin tier ... If Admin tier has made a final decision (Accept
 * or Deny) on a connection, then no further evaluation is done"; NetworkPolicy "always makes a
 * final decision for selected pods"; then the Baseline tier; then allowed.
 */
function withTiers(ctx: Context, direction: Direction, pod: Pod, side: SideExplanation): SideExplanation {
  const other = direction === 'egress' ? ctx.dst : ctx.src;
  const walk = (tier: 'Admin' | 'Baseline') => walkTier(ctx.cluster, tier, pod, direction, other, ctx.dst, ctx.port, ctx.protocol);
  const chain: TierStep[] = [];
  const nearMisses: TierNearMiss[] = [];
  let undecided: { step: TierStep; reason: string } | undefined;
  const take = (w: ReturnType<typeof walk>) => {
    nearMisses.push(...w.nearMisses);
    undecided ??= w.undecided;
    if (w.step) chain.push(w.step);
    return w.step;
  };
  const admin = take(walk('Admin'));
  let denied: boolean;
  if (admin && admin.action !== 'Pass') denied = admin.action === 'Deny';
  else if (side.isolated) {
    denied = side.allowedBy.length === 0;
    const first = side.allowedBy[0];
    chain.push(
      first
        ? { tier: 'NetworkPolicy', action: 'Allow', policy: first.policy, direction, rule: first.rule, detail: first.detail }
        : { tier: 'NetworkPolicy', action: 'Deny', policy: side.isolatingPolicies.join(', '), detail: `isolated; no rule allows ${endpointName(other)} on ${ctx.protocol} ${ctx.port}` },
    );
  } else {
    const baseline = take(walk('Baseline'));
    denied = baseline?.action === 'Deny';
    if (!baseline || baseline.action === 'Pass') chain.push({ tier: 'default', action: 'Allow', detail: 'no tier decided' });
  }
  // A rule that may match (domainNames) was passed over: the answer holds only if it did not.
  const undecidedOutcome = undecided?.step.action === 'Allow' ? false : undecided?.step.action === 'Deny' ? true : denied;
  const unknown = undecided && undecidedOutcome !== denied ? `${formatTierStep(undecided.step)} may match: ${undecided.reason}` : undefined;
  const tiers: SideTiers = { chain, denied: denied && !unknown, ...(unknown ? { unknown } : {}), nearMisses: denied || unknown ? nearMisses : [] };
  return { ...side, reason: `${formatTierChain(chain)}${unknown ? `; unknown: ${unknown}` : ''}`, tiers };
}

/** The side under Cilium (explain-cilium.ts): deny rules, default deny, the union of allow lists. */
function withCilium(ctx: Context, direction: Direction, pod: Pod, side: SideExplanation): SideExplanation {
  const other = direction === 'egress' ? ctx.dst : ctx.src;
  const destination = ctx.dst.kind === 'pod' ? ctx.dst.pod : undefined;
  const c = explainCiliumSide(ctx.cluster, ctx.options, direction, pod, other, ctx.port, ctx.protocol, destination, side);
  const tiers: SideTiers = { chain: c.chain, denied: c.denied, ...(c.unknown ? { unknown: c.unknown } : {}), nearMisses: c.nearMisses };
  return { ...side, reason: `${formatCiliumChain(c.chain)}${c.unknown ? `; unknown: ${c.unknown}` : ''}`, tiers, ...(c.l7.length > 0 ? { l7: c.l7 } : {}) };
}

/** The side through Calico's tiers (reference/calico.ts walks them and records the chain). */
function withCalico(ctx: Context, direction: Direction, pod: Pod, side: SideExplanation): SideExplanation {
  const other = direction === 'egress' ? ctx.dst : ctx.src;
  const trace = referenceCalicoTrace(ctx.cluster, pod, direction, other, ctx.port, ctx.protocol, ctx.options);
  const chain: TierStep[] = trace.chain.map((s) => ({
    tier: `calico tier ${s.tier}`,
    action: s.action,
    ...(s.policy !== undefined ? { policy: s.policy, direction, rule: s.rule! } : {}),
    detail: s.policy !== undefined ? '' : `end of tier for ${s.selecting!.join(', ')}`,
  }));
  if (trace.verdict !== 'denied' && (chain.length === 0 || chain[chain.length - 1]!.action === 'Pass')) chain.push({ tier: 'default', action: 'Allow', detail: 'no tier decided' });
  const unknown = trace.verdict === 'unknown' ? `${trace.undecided ?? 'a rule'} may match: the manifests cannot decide it` : undefined;
  // Near misses: Calico's Allow rules on the walked path, and the NetworkPolicies' (in the
  // default tier as `knp/...`), shown when the side does not allow.
  const nearMisses: TierNearMiss[] =
    trace.verdict === 'allowed'
      ? []
      : [
          ...trace.nearMisses.map((m) => ({ tier: `calico tier ${m.tier}` as const, policy: m.policy, action: 'Allow' as const, direction, rule: m.rule, detail: m.detail })),
          ...(trace.chain.some((s) => s.tier === 'default') ? side.nearMisses : []).map((m) => ({ tier: 'calico tier default' as const, policy: `knp/${m.policy}`, action: 'Allow' as const, direction, rule: m.rule, detail: m.detail })),
        ];
  const tiers: SideTiers = { chain, denied: trace.verdict === 'denied', ...(unknown ? { unknown } : {}), nearMisses };
  const isolating = [...new Set(trace.chain.map((s) => s.policy ?? s.selecting ?? []).flat())];
  return {
    ...side,
    isolated: isolating.length > 0,
    isolatingPolicies: isolating,
    allowedBy: [],
    nearMisses: [],
    reason: `${formatTierChain(chain)}${unknown ? `; unknown: ${unknown}` : ''}`,
    tiers,
  };
}

function explainNetworkPolicySide(ctx: Context, direction: Direction): SideExplanation {
  // The subject is the pod whose isolation is in question; the other end is the peer its rules
  // must match. Named ports always resolve against the connection's destination.
  const subject = direction === 'egress' ? ctx.src : ctx.dst;
  const other = direction === 'egress' ? ctx.dst : ctx.src;
  const endpoint = endpointName(subject);
  if (subject.kind === 'ip') {
    // Policies select pods only; an address outside the cluster is never isolated.
    return {
      endpoint,
      isolated: false,
      isolatingPolicies: [],
      allowedBy: [],
      nearMisses: [],
      reason: 'not isolated (not a pod)',
    };
  }
  const pod = subject.pod;
  const type: PolicyType = direction === 'egress' ? 'Egress' : 'Ingress';
  const isolating = policiesIsolating(pod, ctx.cluster.policies, type).sort((a, b) => compareStrings(policyId(a), policyId(b)));
  const isolatingPolicies = isolating.map(policyId);
  if (isolating.length === 0) {
    return { endpoint, isolated: false, isolatingPolicies, allowedBy: [], nearMisses: [], reason: 'not isolated' };
  }

  const allowedBy: RuleRef[] = [];
  const nearMisses: RuleRef[] = [];
  for (const policy of isolating) {
    // Egress rules list peers under `to`, ingress rules under `from`; otherwise they are alike.
    const rules =
      direction === 'egress'
        ? (policy.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }))
        : (policy.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }));
    rules.forEach((rule, ruleIndex) => {
      const verdict = evaluateRule(ctx, direction, policy, rule.peers ?? [], rule.ports ?? [], other);
      const base = { policy: policyId(policy), direction, rule: ruleIndex };
      if (verdict.peerMatch && verdict.portMatch) {
        allowedBy.push(withPeer(base, verdict.matchedPeer, `${verdict.peerText} ${verdict.portText}`));
      } else {
        for (const miss of verdict.nearMisses) nearMisses.push(withPeer(base, miss.peer, miss.detail));
      }
    });
  }

  const isolatedBy = `isolated by ${isolatingPolicies.join(', ')}`;
  if (allowedBy.length > 0) {
    const by = allowedBy.map((r) => `${r.policy} ${r.direction} rule ${r.rule}`).join(', ');
    return { endpoint, isolated: true, isolatingPolicies, allowedBy, nearMisses: [], reason: `allowed by ${by}` };
  }
  const noRule = `no rule allows ${endpointName(other)} on ${ctx.protocol} ${ctx.port}`;
  if (ctx.selfConnection) {
    // The side would deny, but a pod's traffic to itself never leaves it: nothing to fix, so
    // near misses would only mislead.
    return {
      endpoint,
      isolated: true,
      isolatingPolicies,
      allowedBy,
      nearMisses: [],
      reason: `${isolatedBy}; ${noRule}, but a pod may always connect to itself`,
    };
  }
  return { endpoint, isolated: true, isolatingPolicies, allowedBy, nearMisses, reason: `${isolatedBy}; ${noRule}` };
}

function withPeer(base: Omit<RuleRef, 'detail' | 'peer'>, peer: number | undefined, detail: string): RuleRef {
  return peer === undefined ? { ...base, detail } : { ...base, peer, detail };
}

interface RuleVerdict {
  peerMatch: boolean;
  /** First matching peer; undefined when the rule lists no peers (every peer). */
  matchedPeer: number | undefined;
  /** How the peer matched, e.g. "podSelector `app=a` matches x/a". */
  peerText: string;
  portMatch: boolean;
  /** How the port matched, e.g. "on TCP 80-90". */
  portText: string;
  nearMisses: { peer: number | undefined; detail: string }[];
}

function evaluateRule(
  ctx: Context,
  direction: Direction,
  policy: NetworkPolicy,
  peers: readonly NetworkPolicyPeer[],
  ports: readonly NetworkPolicyPort[],
  other: Endpoint,
): RuleVerdict {
  const otherName = endpointName(other);
  let peerMatch = false;
  let matchedPeer: number | undefined;
  let peerText: string;
  const peerFailures: { peer: number; why: string }[] = [];
  if (peers.length === 0) {
    // Absent or empty from/to: every peer, inside or outside the cluster.
    peerMatch = true;
    peerText = direction === 'egress' ? 'any destination' : 'any source';
  } else {
    peerText = '';
    for (let i = 0; i < peers.length; i++) {
      const m = matchPeer(ctx, policy, peers[i]!, other);
      if (m.matches) {
        peerMatch = true;
        matchedPeer = i;
        peerText = peers.length > 1 ? `peer ${i}: ${m.text}` : m.text;
        break;
      }
      peerFailures.push({ peer: i, why: m.text });
    }
  }

  // Absent or empty ports: every port of every protocol.
  let portMatch = ports.length === 0;
  let portText = 'on any port';
  const namedIssues: string[] = [];
  for (const p of ports) {
    const m = matchPort(p, ctx.port, ctx.protocol, ctx.dst);
    if (m.namedIssue) namedIssues.push(m.namedIssue);
    if (m.matches && !portMatch) {
      portMatch = true;
      portText = `on ${m.text}`;
    }
  }

  const nearMisses: { peer: number | undefined; detail: string }[] = [];
  if (peerMatch && !portMatch) {
    // (a) the right peer, the wrong port or protocol; (c) named ports are explained here
    // because only once the peer matches is the named port the thing in the way.
    const allows = describePorts(ports, ctx.dst);
    const extra = namedIssues.length ? `; ${namedIssues.join('; ')}` : '';
    nearMisses.push({ peer: matchedPeer, detail: `matches ${otherName} but allows only ${allows}${extra}` });
  } else if (!peerMatch && portMatch) {
    // (b) the right port, but no peer: one entry per peer, each saying which clause failed.
    const allows = ports.length === 0 ? 'any port' : `${ctx.protocol} ${ctx.port}`;
    for (const f of peerFailures) {
      const which = peers.length > 1 ? `peer ${f.peer}: ` : '';
      nearMisses.push({ peer: f.peer, detail: `allows ${allows} but ${which}${f.why}` });
    }
  }
  return { peerMatch, matchedPeer, peerText, portMatch, portText, nearMisses };
}

interface Match {
  matches: boolean;
  /** Why it matched, or why not. */
  text: string;
}

function matchPeer(ctx: Context, policy: NetworkPolicy, peer: NetworkPolicyPeer, other: Endpoint): Match {
  if (peer.ipBlock) return matchIpBlock(ctx, peer.ipBlock, other);

  const parts: string[] = [];
  if (peer.namespaceSelector) parts.push(`namespaceSelector \`${formatSelector(peer.namespaceSelector)}\``);
  if (peer.podSelector) parts.push(`podSelector \`${formatSelector(peer.podSelector)}\``);
  const clause = parts.length ? parts.join(' and ') : 'an empty peer';
  if (other.kind === 'ip') {
    return { matches: false, text: `${other.ip} is not a pod, and ${clause} selects only pods` };
  }
  const pod = other.pod;
  const name = endpointName(other);
  const failures: string[] = [];
  if (peer.namespaceSelector) {
    if (!matchesSelector(peer.namespaceSelector, namespaceLabels(ctx.cluster, pod.namespace))) {
      failures.push(
        `namespaceSelector \`${formatSelector(peer.namespaceSelector)}\` does not match namespace ${pod.namespace}'s labels`,
      );
    }
  } else if (pod.namespace !== policy.namespace) {
    // Without a namespaceSelector the peer is confined to the policy's own namespace.
    failures.push(`${name} is not in namespace ${policy.namespace} (without a namespaceSelector the peer selects only the policy's namespace)`);
  }
  if (peer.podSelector && !matchesSelector(peer.podSelector, pod.labels)) {
    failures.push(`podSelector \`${formatSelector(peer.podSelector)}\` does not match ${name}'s labels`);
  }
  if (failures.length) return { matches: false, text: failures.join('; ') };
  if (peer.namespaceSelector && !peer.podSelector) {
    return { matches: true, text: `${clause} matches namespace ${pod.namespace}` };
  }
  return { matches: true, text: `${clause} ${parts.length > 1 ? 'match' : 'matches'} ${name}` };
}

function matchIpBlock(ctx: Context, block: IPBlock, other: Endpoint): Match {
  const blockText = `ipBlock ${block.cidr}`;
  if (other.kind === 'ip') {
    const m = ipInBlock(block, other.ip);
    return m.matches
      ? { matches: true, text: `${blockText} contains ${other.ip}` }
      : { matches: false, text: `${other.ip} ${m.text}` };
  }
  const name = endpointName(other);
  if (ctx.options.ipBlockPods === 'ignore') {
    return { matches: false, text: `${blockText} does not select pods (ipBlockPods: ignore)` };
  }
  if (other.pod.ips.length === 0) {
    return { matches: false, text: `${name} has no known IP for ${blockText} to match` };
  }
  const failures: string[] = [];
  for (const ip of other.pod.ips) {
    const m = ipInBlock(block, ip);
    // Any of the pod's IPs will do: on a dual-stack pod the connection uses the one of the
    // block's family.
    if (m.matches) return { matches: true, text: `${blockText} contains ${name}'s IP ${ip}` };
    failures.push(`${name}'s IP ${ip} ${m.text}`);
  }
  return { matches: false, text: failures.join('; ') };
}

/** On a miss, `text` is the predicate to follow the address: "is not in ipBlock ...". */
function ipInBlock(block: IPBlock, ipText: string): Match {
  const cidr = tryParseCidr(block.cidr);
  const ip = tryParseIp(ipText);
  if (!cidr || !ip) {
    // The adapters validate both; if one slipped through, it matches nothing rather than all.
    return { matches: false, text: `cannot be compared with ipBlock ${block.cidr}` };
  }
  if (!cidrContains(cidr, ip)) return { matches: false, text: `is not in ipBlock ${block.cidr}` };
  for (const ex of block.except ?? []) {
    const e = tryParseCidr(ex);
    if (e && cidrContains(e, ip)) return { matches: false, text: `is in except ${ex} of ipBlock ${block.cidr}` };
  }
  return { matches: true, text: `is in ipBlock ${block.cidr}` };
}

/**
 * The API server gives every namespace a `kubernetes.io/metadata.name` label; a namespace the
 * input never declared still has that one.
 */
function namespaceLabels(cluster: Cluster, ns: string): Labels {
  const found = cluster.namespaces.find((n) => n.name === ns);
  return found ? found.labels : { 'kubernetes.io/metadata.name': ns };
}

interface PortMatch extends Match {
  /** Set when the entry names a port the destination does not declare (for that protocol). */
  namedIssue?: string;
}

function matchPort(p: NetworkPolicyPort, port: number, protocol: Protocol, dst: Endpoint): PortMatch {
  const proto = p.protocol ?? 'TCP';
  if (typeof p.port === 'string') {
    const r = resolveNamedPort(p.port, proto, dst);
    if (r.port === undefined) return { matches: false, text: `${proto} '${p.port}'`, namedIssue: r.issue };
    return {
      matches: proto === protocol && r.port === port,
      text: `${proto} '${p.port}' (${r.port} on ${endpointName(dst)})`,
    };
  }
  if (p.port === undefined) return { matches: proto === protocol, text: `all ${proto} ports` };
  const end = p.endPort ?? p.port;
  return {
    matches: proto === protocol && port >= p.port && port <= end,
    text: end === p.port ? `${proto} ${p.port}` : `${proto} ${p.port}-${end}`,
  };
}

/**
 * A named port means the destination's container port of that name *and* protocol. An address
 * outside the cluster declares no ports, so a named port never matches it.
 */
function resolveNamedPort(name: string, protocol: Protocol, dst: Endpoint): { port?: number; issue?: string } {
  if (dst.kind === 'ip') return { issue: `${dst.ip} is not a pod, so it has no port named '${name}'` };
  const pod: Pod = dst.pod;
  const exact = pod.ports.find((c) => c.name === name && c.protocol === protocol);
  if (exact) return { port: exact.containerPort };
  const other = pod.ports.find((c) => c.name === name);
  const podName = endpointName(dst);
  if (other) return { issue: `${podName} declares '${name}' as ${other.protocol}, the rule asks ${protocol}` };
  return { issue: `${podName} declares no port named '${name}'` };
}

/** A rule's port list for "allows only ...": `TCP 8080, 9000-9100; UDP 53`. */
function describePorts(ports: readonly NetworkPolicyPort[], dst: Endpoint): string {
  const byProto = new Map<Protocol, string[]>();
  for (const p of ports) {
    const proto = p.protocol ?? 'TCP';
    let text: string;
    if (typeof p.port === 'string') {
      const r = resolveNamedPort(p.port, proto, dst);
      text = r.port === undefined ? `'${p.port}'` : `'${p.port}' (${r.port} on ${endpointName(dst)})`;
    } else if (p.port === undefined) {
      text = 'all';
    } else {
      const end = p.endPort ?? p.port;
      text = end === p.port ? `${p.port}` : `${p.port}-${end}`;
    }
    const list = byProto.get(proto) ?? [];
    list.push(text);
    byProto.set(proto, list);
  }
  return [...byProto].map(([proto, list]) => `${proto} ${list.join(', ')}`).join('; ');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
