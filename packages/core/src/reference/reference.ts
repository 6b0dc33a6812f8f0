/**
 * The reference evaluator: one connection, one port, decided by reading the NetworkPolicy
 * documentation (https://kubernetes.io/docs/concepts/services-networking/network-policies/)
 * clause by clause, and the cluster-wide tiers (ClusterNetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy) by the type documentation of kubernetes-sigs/network-policy-api. It is deliberately slow and plain, and shares nothing but the model's
 * types with the fast engine (compile.ts): its own selector, CIDR and port matching, so that a
 * bug in one cannot hide in the other when the differential and conformance tests compare them.
 */
import type {
  Cluster,
  ContainerPort,
  EvalOptions,
  Endpoint,
  IPBlock,
  LabelSelector,
  Labels,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Pod,
  PolicyType,
  Protocol,
  Verdict,
} from '../model/model.js';
import type { Cni, TierName, TierPeer, TierPort, TierSubject } from '../model/model.js';
import { calicoDirectionTrace, calicoDirectionVerdict, type CalicoTrace, type ReferenceRules } from './calico.js';

/**
 * The network plugins' own evaluators, by plugin. Cilium's registers itself from its own file
 * (reference/cilium.ts), so that this file needs none of it and it can use its NetworkPolicy
 * reading; Calico's is registered below, with the rules reference/calico.ts is handed (it places
 * the same NetworkPolicy and tier clauses in Calico's tiers). The package's public face imports
 * them all.
 */
export const CNI_VERDICTS: { [K in Cni]?: (ctx: Context, src: Endpoint, dst: Endpoint, port: number, protocol: Protocol, options: EvalOptions) => Verdict } = {};

/**
 * May `src` open a connection to `dst` on `port`/`protocol`? True only when the answer is
 * certainly yes (see referenceVerdict for the answer with `unknown`).
 */
export function referenceAllowed(
  cluster: Cluster,
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol,
  options?: EvalOptions,
): boolean {
  return referenceVerdict(cluster, src, dst, port, protocol, options) === 'allowed';
}

/**
 * The verdict on one connection.
 *
 * "For a connection from a source pod to a destination pod to be allowed, both the egress
 * policy on the source pod and the ingress policy on the destination pod need to allow the
 * connection." Each direction goes through the tiers in the order the network-policy-api
 * documents: "Policy tiers are evaluated in the following order: Admin tier, NetworkPolicy tier,
 * Baseline tier ... If a given connection wasn't allowed or denied by any of the tiers, the
 * default kubernetes policy is applied, which says that all pods can communicate with each other."
 */
export function referenceVerdict(
  cluster: Cluster,
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol,
  options?: EvalOptions,
): Verdict {
  // Written out rather than imported: the default (DEFAULT_EVAL_OPTIONS) is a value, and the
  // reference takes only types from the model.
  const ipBlockPods = options?.ipBlockPods ?? 'match';

  // Neither end is a pod: no policy selects either side, so nothing restricts it.
  if (src.kind === 'ip' && dst.kind === 'ip') return 'allowed';

  // "traffic to and from the node where a Pod is running is always allowed" and, as upstream's
  // e2e tests assume, a pod reaching itself is never blocked by NetworkPolicy.
  if (src.kind === 'pod' && dst.kind === 'pod' && samePod(src.pod, dst.pod)) return 'allowed';

  const ctx: Context = { cluster, ipBlockPods };
  // A plugin with kinds of its own decides in its own order (reference/cilium.ts, reference/calico.ts).
  const plugin = options?.cni === undefined ? undefined : CNI_VERDICTS[options.cni];
  if (plugin) return plugin(ctx, src, dst, port, protocol, options!);
  const egress: Verdict = src.kind === 'ip' ? 'allowed' : kubernetesDirectionVerdict(ctx, src.pod, 'egress', dst, port, protocol);
  const ingress: Verdict = dst.kind === 'ip' ? 'allowed' : kubernetesDirectionVerdict(ctx, dst.pod, 'ingress', src, port, protocol);
  if (egress === 'denied' || ingress === 'denied') return 'denied';
  if (egress === 'unknown' || ingress === 'unknown') return 'unknown';
  return 'allowed';
}

/** The rules reference/calico.ts uses: the same NetworkPolicy and tier clauses, placed in Calico's tiers. */
const RULES: ReferenceRules = {
  peersMatch,
  portsMatch,
  selectorMatches,
  policyTypesOf,
  tierSubjectSelects,
  tierPeersMatch,
  tierPortsMatch,
  namespaceLabels,
  inCidrs: (cidrs, addresses) => addresses.some((a) => cidrs.some((c) => cidrContains(parseCidrText(c), parseAddress(a)))),
  sameAddress: (a, b) => {
    const x = parseAddress(a);
    const y = parseAddress(b);
    return x.bits === y.bits && x.value === y.value;
  },
};

/** One side of a connection under Calico, with the chain of tiers and rules that decided (explain shows it). */
export function referenceCalicoTrace(
  cluster: Cluster,
  subject: Pod,
  direction: Direction,
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  options?: EvalOptions,
): CalicoTrace {
  return calicoDirectionTrace(RULES, { cluster, ipBlockPods: options?.ipBlockPods ?? 'match' }, subject, direction, peer, port, protocol);
}

/** Calico: every kind in Calico's tiers, each direction separately; a connection needs both. */
CNI_VERDICTS.calico = (ctx, src, dst, port, protocol) => {
  const egress: Verdict = src.kind === 'ip' ? 'allowed' : calicoDirectionVerdict(RULES, ctx, src.pod, 'egress', dst, port, protocol);
  const ingress: Verdict = dst.kind === 'ip' ? 'allowed' : calicoDirectionVerdict(RULES, ctx, dst.pod, 'ingress', src, port, protocol);
  if (egress === 'denied' || ingress === 'denied') return 'denied';
  if (egress === 'unknown' || ingress === 'unknown') return 'unknown';
  return 'allowed';
};

export interface Context {
  readonly cluster: Cluster;
  readonly ipBlockPods: 'match' | 'ignore';
  /** Addresses an ipBlock never matches (Cilium: the nodes' own, which have the host identity). */
  readonly ipBlockSkips?: (ip: string) => boolean;
}

function samePod(a: Pod, b: Pod): boolean {
  return a === b || (a.namespace === b.namespace && a.name === b.name);
}

// --- Tiers ------------------------------------------------------------------------------------

type Direction = 'ingress' | 'egress';

/**
 * Admin tier, then NetworkPolicy, then Baseline tier, then allowed. "If Admin tier has made a
 * final decision (Accept or Deny) on a connection, then no further evaluation is done";
 * "v1.NetworkPolicy always makes a final decision for selected pods. Further evaluation only
 * happens for Pods not selected by a v1.NetworkPolicy."
 */
function kubernetesDirectionVerdict(ctx: Context, subject: Pod, direction: Direction, peer: Endpoint, port: number, protocol: Protocol): Verdict {
  const destination = direction === 'ingress' ? subject : peer.kind === 'pod' ? peer.pod : undefined;
  const baseline = () =>
    tierVerdict(ctx, 'Baseline', subject, direction, peer, port, protocol, destination, () => 'allowed');
  const networkPolicy = (): Verdict => {
    const type: PolicyType = direction === 'ingress' ? 'Ingress' : 'Egress';
    if (policiesSelecting(ctx.cluster, subject, type).length === 0) return baseline();
    const ok =
      direction === 'ingress'
        ? ingressAllows(ctx, subject, peer, port, protocol)
        : egressAllows(ctx, subject, peer, port, protocol);
    return ok ? 'allowed' : 'denied';
  };
  return tierVerdict(ctx, 'Admin', subject, direction, peer, port, protocol, destination, networkPolicy);
}



/**
 * One tier: its policies that select `subject`, by priority ("Policies with lower priority values
 * have higher precedence"), each policy's rules in written order ("a rule that appears at the top
 * ... would take the highest precedence"); the first rule that matches decides. Pass, or no
 * match, goes on to `next`. Equal priorities: the API lets the implementation choose; we take
 * kind, then name.
 *
 * A rule that may or may not match (a domainNames peer and an address) is followed both ways:
 * when the two outcomes differ, the verdict is unknown.
 */
function tierVerdict(
  ctx: Context,
  tier: TierName,
  subject: Pod,
  direction: Direction,
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  destination: Pod | undefined,
  next: () => Verdict,
): Verdict {
  const policies = (ctx.cluster.tierPolicies ?? [])
    .filter((p) => p.tier === tier && tierSubjectSelects(ctx, p.subject, subject))
    .sort((a, b) => a.priority - b.priority || cmp(a.kind, b.kind) || cmp(a.name, b.name));
  const rules = policies.flatMap((p) => p[direction]);
  const from = (i: number): Verdict => {
    if (i === rules.length) return next();
    const rule = rules[i]!;
    const match = tierPortsMatch(rule.ports, port, protocol, destination) ? tierPeersMatch(ctx, rule.peers, peer) : 'no';
    if (match === 'no') return from(i + 1);
    const decided = rule.action === 'Allow' ? 'allowed' : rule.action === 'Deny' ? 'denied' : next();
    if (match === 'yes') return decided;
    const otherwise = from(i + 1);
    return decided === otherwise ? decided : 'unknown';
  };
  return from(0);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** "Note that host-networked pods are not included in subject selection." */
function tierSubjectSelects(ctx: Context, subject: TierSubject, pod: Pod): boolean {
  if (pod.hostNetwork) return false;
  return (
    selectorMatches(subject.namespaceSelector, namespaceLabels(ctx.cluster, pod.namespace)) &&
    (subject.podSelector === undefined || selectorMatches(subject.podSelector, pod.labels))
  );
}

type Match = 'yes' | 'no' | 'maybe';

/** "If any element matches the source (destination) of the traffic then the specified action is applied." */
function tierPeersMatch(ctx: Context, peers: readonly TierPeer[], endpoint: Endpoint): Match {
  let result: Match = 'no';
  for (const peer of peers) {
    const m = tierPeerMatches(ctx, peer, endpoint);
    if (m === 'yes') return 'yes';
    if (m === 'maybe') result = 'maybe';
  }
  return result;
}

function tierPeerMatches(ctx: Context, peer: TierPeer, endpoint: Endpoint): Match {
  const addresses = endpoint.kind === 'ip' ? [endpoint.ip] : endpoint.pod.ips;
  switch (peer.kind) {
    case 'pods': {
      // "Note that host-networked pods are not included in this type of peer."
      if (endpoint.kind === 'ip' || endpoint.pod.hostNetwork) return 'no';
      const pod = endpoint.pod;
      const ok =
        selectorMatches(peer.namespaceSelector, namespaceLabels(ctx.cluster, pod.namespace)) &&
        (peer.podSelector === undefined || selectorMatches(peer.podSelector, pod.labels));
      return ok ? 'yes' : 'no';
    }
    case 'nodes': {
      // "It selects the nodeIPs as the peer type by matching on the IPs present in the
      // node.Status.Addresses field of the node."
      const nodeIps = (ctx.cluster.nodes ?? [])
        .filter((n) => selectorMatches(peer.nodeSelector, n.labels))
        .flatMap((n) => n.addresses.map(parseAddress));
      return addresses.some((a) => {
        const x = parseAddress(a);
        return nodeIps.some((n) => n.bits === x.bits && n.value === x.value);
      })
        ? 'yes'
        : 'no';
    }
    case 'networks':
      // "note that cluster-internal traffic will be checked against the rule as well": a
      // network matches pods by their addresses, whatever ipBlockPods says of NetworkPolicy.
      return addresses.some((a) => peer.networks.some((c) => cidrContains(parseCidrText(c), parseAddress(a)))) ? 'yes' : 'no';
    case 'domainNames':
      // An address outside the cluster may be one a name resolves to; nothing in the input
      // says which. Pods are addressed by the cluster's own names, never by these.
      return endpoint.kind === 'ip' ? 'maybe' : 'no';
  }
}

/** "If Ports is not set then the rule does not filter traffic via port." */
function tierPortsMatch(ports: readonly TierPort[] | undefined, port: number, protocol: Protocol, destination: Pod | undefined): boolean {
  if (ports === undefined) return true;
  return ports.some((p) => {
    if ('namedPort' in p) {
      // "NamedPort selects a port on a pod(s) based on name": the container port of the
      // destination, with its own protocol.
      return destination !== undefined && destination.ports.some((cp) => cp.name === p.namedPort && cp.protocol === protocol && cp.containerPort === port);
    }
    return p.protocol === protocol && port >= p.port && port <= (p.endPort ?? p.port);
  });
}

// --- Isolation ------------------------------------------------------------------------------

/**
 * "If no policyTypes are specified on a NetworkPolicy then by default Ingress will always be
 * set and Egress will be set if the NetworkPolicy has any egress rules." The API server's
 * defaulting tests `len(spec.Egress) != 0`, so `egress: []` does not make a policy Egress.
 */
function policyTypesOf(policy: NetworkPolicy): readonly PolicyType[] {
  if (policy.policyTypes && policy.policyTypes.length > 0) return policy.policyTypes;
  const hasEgressRules = policy.egress !== undefined && policy.egress.length > 0;
  return hasEgressRules ? ['Ingress', 'Egress'] : ['Ingress'];
}

/**
 * The policies that select `pod` for `direction`: "NetworkPolicy ... selects pods in the
 * policy's namespace by podSelector", and only for the policyTypes it has.
 */
export function policiesSelecting(cluster: Cluster, pod: Pod, direction: PolicyType): NetworkPolicy[] {
  return cluster.policies.filter(
    (policy) =>
      policy.namespace === pod.namespace &&
      selectorMatches(policy.podSelector, pod.labels) &&
      policyTypesOf(policy).includes(direction),
  );
}

/**
 * "A pod is isolated for ingress if there is any NetworkPolicy that both selects the pod and has
 * Ingress in its policyTypes ... the only allowed connections into the pod are those from
 * the pod's node and those allowed by the ingress list of some NetworkPolicy that applies to
 * the pod for ingress." Policies are additive: any one rule of any one policy suffices. (The
 * caller has checked that the pod is isolated.)
 */
export function ingressAllows(ctx: Context, subject: Pod, from: Endpoint, port: number, protocol: Protocol): boolean {
  const policies = policiesSelecting(ctx.cluster, subject, 'Ingress');
  return policies.some((policy) =>
    (policy.ingress ?? []).some(
      (rule) =>
        peersMatch(ctx, policy, rule.from, from) &&
        // The destination of an ingress connection is the subject pod itself.
        portsMatch(rule.ports, port, protocol, subject),
    ),
  );
}

/** The egress mirror of ingressAllows: "... those allowed by the egress list of some policy". */
export function egressAllows(ctx: Context, subject: Pod, to: Endpoint, port: number, protocol: Protocol): boolean {
  const policies = policiesSelecting(ctx.cluster, subject, 'Egress');
  return policies.some((policy) =>
    (policy.egress ?? []).some(
      (rule) =>
        peersMatch(ctx, policy, rule.to, to) &&
        // Named ports are looked up on the destination: the peer pod; an address outside the
        // cluster has no container ports to name.
        portsMatch(rule.ports, port, protocol, to.kind === 'pod' ? to.pod : undefined),
    ),
  );
}

// --- Peers ----------------------------------------------------------------------------------

/**
 * "If this field is empty or missing, this rule matches all sources (traffic not restricted
 * by source). If this field is present and contains at least one item, this rule allows
 * traffic only if the traffic matches at least one item in the from list."
 */
function peersMatch(
  ctx: Context,
  policy: NetworkPolicy,
  peers: readonly NetworkPolicyPeer[] | undefined,
  endpoint: Endpoint,
): boolean {
  if (peers === undefined || peers.length === 0) return true;
  return peers.some((peer) => peerMatches(ctx, policy, peer, endpoint));
}

function peerMatches(ctx: Context, policy: NetworkPolicy, peer: NetworkPolicyPeer, endpoint: Endpoint): boolean {
  if (peer.ipBlock) {
    if (endpoint.kind === 'ip') return !(ctx.ipBlockSkips?.(endpoint.ip) ?? false) && ipBlockContains(peer.ipBlock, endpoint.ip);
    // Whether an ipBlock also selects cluster pods by their IPs is left to the plugin; see
    // EvalOptions.ipBlockPods.
    return ctx.ipBlockPods === 'match' && endpoint.pod.ips.some((ip) => ipBlockContains(peer.ipBlock!, ip));
  }
  // Selectors only ever name pods of the cluster.
  if (endpoint.kind === 'ip') return false;
  const pod = endpoint.pod;
  // "namespaceSelector ... selects particular namespaces for which all Pods should be
  // allowed"; without one, "podSelector ... selects particular Pods in the same namespace as
  // the NetworkPolicy". With both, the pods must satisfy both (AND).
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, namespaceLabels(ctx.cluster, pod.namespace))
    : pod.namespace === policy.namespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, pod.labels) : true;
  return namespaceOk && podOk;
}

/**
 * A namespace the cluster does not list still has the label the API server puts on every
 * namespace, so that `kubernetes.io/metadata.name` selectors keep working.
 */
export function namespaceLabels(cluster: Cluster, name: string): Labels {
  const ns = cluster.namespaces.find((n) => n.name === name);
  return ns ? ns.labels : { 'kubernetes.io/metadata.name': name };
}

// --- Label selectors ------------------------------------------------------------------------

/**
 * "The requirements of matchLabels and matchExpressions are ANDed together"; an empty
 * selector matches everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!hasLabel(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const present = hasLabel(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        // apimachinery: "NotIn ... the label key is not present, or its value is not in the
        // set" — a pod without the key satisfies NotIn.
        if (present && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}

function hasLabel(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

// --- Ports ----------------------------------------------------------------------------------

/**
 * "If this field is empty or missing, this rule matches all ports (traffic not restricted by
 * port). If this field is present and contains at least one item, then this rule allows
 * traffic only if the traffic matches at least one port in the list."
 */
function portsMatch(
  ports: readonly NetworkPolicyPort[] | undefined,
  port: number,
  protocol: Protocol,
  destination: Pod | undefined,
): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some((p) => portMatches(p, port, protocol, destination));
}

function portMatches(p: NetworkPolicyPort, port: number, protocol: Protocol, destination: Pod | undefined): boolean {
  // "protocol ... If not specified, this field defaults to TCP."
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  // "If this field is not provided, this matches all port names and numbers."
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') {
    // "endPort indicates that the range of ports from port to endPort if set, inclusive".
    const last = p.endPort ?? p.port;
    return port >= p.port && port <= last;
  }
  // A named port is resolved on the destination pod: a container port with that name and
  // the rule's protocol. An external address has no named ports.
  const name = p.port;
  return (
    destination !== undefined &&
    destination.ports.some((cp: ContainerPort) => cp.name === name && cp.protocol === protocol && cp.containerPort === port)
  );
}

// --- IP blocks ------------------------------------------------------------------------------

/**
 * "ipBlock ... selects particular IP CIDR ranges ... except is a slice of CIDRs that should
 * not be included within an IPBlock". The families are separate spaces: an IPv4 address is
 * never inside an IPv6 CIDR, including the IPv4-mapped ::ffff:0:0/96.
 */
function ipBlockContains(block: IPBlock, ip: string): boolean {
  const addr = parseAddress(ip);
  if (!cidrContains(parseCidrText(block.cidr), addr)) return false;
  return !(block.except ?? []).some((e) => cidrContains(parseCidrText(e), addr));
}

export interface Address {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

interface CidrBlock {
  readonly bits: 32 | 128;
  /** The network address: the CIDR's address with its host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

export function cidrContains(cidr: CidrBlock, addr: Address): boolean {
  if (cidr.bits !== addr.bits) return false;
  return networkOf(addr.value, cidr.prefix, cidr.bits) === cidr.network;
}

function networkOf(value: bigint, prefix: number, bits: 32 | 128): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

/** A cidr with host bits set (`10.0.0.1/8`, which the API server has long accepted) means its network, 10.0.0.0/8. */
export function parseCidrText(text: string): CidrBlock {
  const [addrText, prefixText, ...rest] = text.trim().split('/');
  if (addrText === undefined || prefixText === undefined || rest.length > 0 || !/^\d+$/.test(prefixText)) {
    throw new Error(`invalid CIDR "${text}"`);
  }
  const addr = parseAddress(addrText);
  const prefix = Number(prefixText);
  if (prefix > addr.bits) throw new Error(`invalid CIDR "${text}": prefix longer than the address`);
  return { bits: addr.bits, prefix, network: networkOf(addr.value, prefix, addr.bits) };
}

export function parseAddress(text: string): Address {
  const t = text.trim();
  const value = t.includes(':') ? parseIPv6(t) : parseIPv4(t);
  if (value === undefined) throw new Error(`invalid IP address "${text}"`);
  return { bits: t.includes(':') ? 128 : 32, value };
}

function parseIPv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256n + BigInt(Number(o)), 0n);
}

/** Eight 16-bit groups; `::` stands for the missing zero groups; the last 32 bits may be dotted. */
function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, endsAddress: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (endsAddress && i === pieces.length - 1 && piece.includes('.')) {
        // An embedded IPv4 address (::ffff:192.0.2.1) is the last two groups.
        const v4 = parseIPv4(piece);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groupsOf(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}
