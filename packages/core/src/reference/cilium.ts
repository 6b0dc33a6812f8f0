/**
 * The reference evaluator under `cni: cilium`: one connection, one port, read from Cilium's
 * policy documentation (docs.cilium.io, security/policy/*) clause by clause. Slow and plain,
 * like reference.ts, whose NetworkPolicy reading it reuses for the NetworkPolicies Cilium also
 * enforces.
 *
 * Per direction (the source's egress, the destination's ingress):
 *   "Deny policies take precedence over allow policies, regardless of whether they are a Cilium
 *   Network Policy, a Clusterwide Cilium Network Policy or even a Kubernetes Network Policy."
 *   → a matching ingressDeny/egressDeny rule denies.
 *   Otherwise, an endpoint in default deny for the direction ("If any rule selects an Endpoint
 *   and the rule has an ingress section, the endpoint goes into default deny at ingress";
 *   enableDefaultDeny: "If multiple policies apply to an endpoint, that endpoint's default deny
 *   will be enabled if any policy requests it"; a NetworkPolicy isolating it) allows only what
 *   some allow rule of a CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or NetworkPolicy
 *   selecting it allows: the allow lists are one union.
 *   An endpoint not in default deny allows everything.
 * Enforcement mode: "always: policy enforcement is enabled on all endpoints even if no rules
 * select specific endpoints"; "never: ... all traffic is allowed".
 *
 * A rule the input cannot decide (toFQDNs, an unresolvable toServices) is followed both ways: when
 * the outcomes differ the verdict is unknown.
 *
 * Entities relative to the endpoint: "host: The host entity includes the local host"; "remote-node:
 * Any node in any of the connected clusters other than the local host" (security/policy/language,
 * Entities Based). The local host of a pod is the node it runs on (`spec.nodeName`); a pod without
 * one (a template) leaves host and remote-node undecided for every node address: unknown.
 * `allow-localhost` ("Policy when to allow local stack to reach local endpoints"; auto, the
 * default, is "always" under Kubernetes): the local host's addresses are allowed into its
 * endpoints, as one more allow (a deny rule still takes precedence).
 */
import type {
  CiliumAllowLocalhost,
  CiliumEnforcement,
  CiliumPeer,
  CiliumPolicy,
  CiliumPort,
  CiliumRule,
  CiliumSelector,
  Cluster,
  Endpoint,
  Pod,
  Protocol,
  Verdict,
} from '../model/model.js';
import {
  CNI_VERDICTS,
  cidrContains,
  egressAllows,
  ingressAllows,
  namespaceLabels,
  parseAddress,
  parseCidrText,
  policiesSelecting,
  selectorMatches,
  type Address,
  type Context,
} from './reference.js';

type Direction = 'ingress' | 'egress';
type Match = 'yes' | 'no' | 'maybe';

CNI_VERDICTS.cilium = (ctx, src, dst, port, protocol, options) =>
  ciliumVerdict(ctx, src, dst, port, protocol, options.ciliumEnforcement ?? 'default', options.ciliumAllowLocalhost ?? 'always');

export function ciliumVerdict(
  base: Context,
  src: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol,
  enforcement: CiliumEnforcement,
  allowLocalhost: CiliumAllowLocalhost = 'always',
): Verdict {
  if (enforcement === 'never') return 'allowed';
  const nodes = nodeAddresses(base.cluster);
  // ipBlocks never select pods under Cilium, nor the nodes' addresses (they carry the host and
  // remote-node identities, which CIDR rules do not select).
  const ctx: CiliumContext = { ...base, ipBlockPods: 'ignore', ipBlockSkips: (ip) => isNode(nodes, ip), nodes, enforcement, allowLocalhost };
  const egress: Verdict = src.kind === 'ip' ? 'allowed' : directionVerdict(ctx, src.pod, 'egress', dst, port, protocol, dst.kind === 'pod' ? dst.pod : undefined);
  const ingress: Verdict = dst.kind === 'ip' ? 'allowed' : directionVerdict(ctx, dst.pod, 'ingress', src, port, protocol, dst.pod);
  if (egress === 'denied' || ingress === 'denied') return 'denied';
  if (egress === 'unknown' || ingress === 'unknown') return 'unknown';
  return 'allowed';
}

interface CiliumContext extends Context {
  readonly nodes: readonly Address[];
  readonly enforcement: CiliumEnforcement;
  readonly allowLocalhost: CiliumAllowLocalhost;
}

function isNode(nodes: readonly Address[], ip: string): boolean {
  const a = parseAddress(ip);
  return nodes.some((n) => n.bits === a.bits && n.value === a.value);
}

/** Whether `ip` is one of the nodes' own addresses (status.addresses of a Node of the input). */
export function isNodeAddress(cluster: Cluster, ip: string): boolean {
  return isNode(nodeAddresses(cluster), ip);
}

function nodeAddresses(cluster: Cluster): Address[] {
  return (cluster.nodes ?? []).flatMap((n) => n.addresses.map(parseAddress));
}

/** The Nodes of the input that own address `ip`. */
function nodesOwning(cluster: Cluster, ip: string): string[] {
  const a = parseAddress(ip);
  return (cluster.nodes ?? []).filter((n) => n.addresses.map(parseAddress).some((x) => x.bits === a.bits && x.value === a.value)).map((n) => n.name);
}

/**
 * Whether `peer` is the local host of `subject` (the node it runs on): a node address of the
 * input, or a host-networked pod ("This also includes all containers running in host networking
 * mode on the local host"). Yes, no, or maybe when either names no node.
 */
export function isLocalHost(cluster: Cluster, subject: Pod, peer: Endpoint): Match {
  return hostRelation(cluster, subject, peer, 'host');
}

/** `host` or `remote-node` for `subject`: does `peer` carry that identity? no for what is not a node. */
function hostRelation(cluster: Cluster, subject: Pod, peer: Endpoint, entity: 'host' | 'remote-node'): Match {
  let local: boolean;
  if (peer.kind === 'pod') {
    if (!peer.pod.hostNetwork) return 'no';
    if (peer.pod.node === undefined || subject.node === undefined) return 'maybe';
    local = peer.pod.node === subject.node;
  } else {
    const owners = nodesOwning(cluster, peer.ip);
    if (owners.length === 0) return 'no';
    if (subject.node === undefined) return 'maybe';
    local = owners.includes(subject.node);
  }
  return local === (entity === 'host') ? 'yes' : 'no';
}

/** Why host/remote-node or allow-localhost cannot be decided for `subject` and `peer`. */
export function unplacedReason(subject: Pod, peer?: Endpoint): string {
  const who = subject.node === undefined ? subject : peer?.kind === 'pod' ? peer.pod : subject;
  return `which node ${who.namespace}/${who.name} runs on is not in the input (no spec.nodeName), so whether ${peer?.kind === 'pod' ? 'a host-networked pod' : 'a node address'} is the local host cannot be told`;
}

/** The Cilium policies whose endpointSelector selects `pod` (host-networked pods are not Cilium endpoints). */
export function ciliumPoliciesSelecting(cluster: Cluster, pod: Pod): CiliumPolicy[] {
  if (pod.hostNetwork) return [];
  return (cluster.ciliumPolicies ?? []).filter((p) => {
    if (p.subject.kind !== 'endpoints') return false;
    if (p.kind === 'CiliumNetworkPolicy' && p.namespace !== pod.namespace) return false;
    return selectsPod(cluster, p.subject.selector, pod);
  });
}

function selectsPod(cluster: Cluster, sel: CiliumSelector, pod: Pod): boolean {
  return !sel.matchesNoPod && selectorMatches(sel.pod, pod.labels) && selectorMatches(sel.namespace, namespaceLabels(cluster, pod.namespace));
}

function directionVerdict(ctx: CiliumContext, subject: Pod, direction: Direction, peer: Endpoint, port: number, protocol: Protocol, destination: Pod | undefined): Verdict {
  // A host-networked pod is the node itself to Cilium: endpoint policies and NetworkPolicies do not apply.
  if (subject.hostNetwork) return 'allowed';
  const selecting = ciliumPoliciesSelecting(ctx.cluster, subject);
  const denyRules = selecting.flatMap((p) => (direction === 'ingress' ? p.ingressDeny : p.egressDeny).map((r) => [p, r] as const));
  const deny = rulesMatch(ctx, denyRules, peer, port, protocol, destination, subject);
  if (deny === 'yes') return 'denied';

  const type = direction === 'ingress' ? 'Ingress' : 'Egress';
  const isolated =
    ctx.enforcement === 'always' ||
    policiesSelecting(ctx.cluster, subject, type).length > 0 ||
    selecting.some((p) => p.defaultDeny[direction]);
  let allow: Verdict;
  if (!isolated) allow = 'allowed';
  else {
    const byNetworkPolicy =
      direction === 'ingress' ? ingressAllows(ctx, subject, peer, port, protocol) : egressAllows(ctx, subject, peer, port, protocol);
    const allowRules = selecting.flatMap((p) => (direction === 'ingress' ? p.ingress : p.egress).map((r) => [p, r] as const));
    const localhost: Match = direction === 'ingress' && ctx.allowLocalhost === 'always' ? isLocalHost(ctx.cluster, subject, peer) : 'no';
    const byRules = byNetworkPolicy || localhost === 'yes' ? 'yes' : rulesMatch(ctx, allowRules, peer, port, protocol, destination, subject);
    const m = byRules === 'no' ? localhost : byRules;
    allow = m === 'yes' ? 'allowed' : m === 'maybe' ? 'unknown' : 'denied';
  }
  if (deny === 'maybe') return allow === 'denied' ? 'denied' : 'unknown';
  return allow;
}

/** Any rule matching: yes beats maybe beats no. */
function rulesMatch(
  ctx: CiliumContext,
  rules: readonly (readonly [CiliumPolicy, CiliumRule])[],
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  destination: Pod | undefined,
  subject: Pod,
): Match {
  let result: Match = 'no';
  for (const [policy, rule] of rules) {
    const m = ruleMatches(ctx, policy, rule, peer, port, protocol, destination, subject);
    if (m === 'yes') return 'yes';
    if (m === 'maybe') result = 'maybe';
  }
  return result;
}

/**
 * A rule matches when its L3 part (any peer; every peer when it names none) and its L4 part
 * ("toPorts ... If omitted or empty, the rule applies to all ports"; every port entry OR'ed)
 * both match. L7 rules filter requests inside an allowed connection: L4 is allowed. `subject`: the
 * pod the policy selects (host and remote-node are relative to its node).
 */
export function ruleMatches(
  ctx: CiliumContext | Context,
  policy: CiliumPolicy,
  rule: CiliumRule,
  peer: Endpoint,
  port: number,
  protocol: Protocol,
  destination: Pod | undefined,
  subject: Pod,
): Match {
  if (!portsMatch(rule.ports, port, protocol, destination)) return 'no';
  if (rule.peers === undefined) return 'yes';
  const c = 'nodes' in ctx ? ctx : { ...ctx, nodes: nodeAddresses(ctx.cluster), enforcement: 'default' as const, allowLocalhost: 'always' as const };
  let result: Match = 'no';
  for (const p of rule.peers) {
    const m = peerMatches(c, policy, p, peer, subject);
    if (m === 'yes') return 'yes';
    if (m === 'maybe') result = 'maybe';
  }
  return result;
}

function portsMatch(ports: readonly CiliumPort[] | undefined, port: number, protocol: Protocol, destination: Pod | undefined): boolean {
  if (ports === undefined) return true;
  return ports.some((p) => {
    if (p.protocol !== 'ANY' && p.protocol !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const name = p.port;
      return destination !== undefined && destination.ports.some((cp) => cp.name === name && cp.protocol === protocol && cp.containerPort === port);
    }
    return port >= p.port && port <= (p.endPort ?? p.port);
  });
}

function peerMatches(ctx: CiliumContext, policy: CiliumPolicy, peer: CiliumPeer, endpoint: Endpoint, subject: Pod): Match {
  const node = endpoint.kind === 'ip' && isNode(ctx.nodes, endpoint.ip);
  const yes = (b: boolean): Match => (b ? 'yes' : 'no');
  switch (peer.kind) {
    case 'endpoints': {
      // Endpoint selectors select Cilium endpoints: pods, never host-networked ones.
      if (endpoint.kind === 'ip' || endpoint.pod.hostNetwork) return 'no';
      const pod = endpoint.pod;
      if (peer.ownNamespace !== undefined && pod.namespace !== peer.ownNamespace) return 'no';
      return yes(selectsPod(ctx.cluster, peer.selector, pod));
    }
    case 'cidr': {
      // "CIDR rules do not apply to traffic where both sides of the connection are either
      // managed by Cilium or use an IP belonging to a node in the cluster".
      if (endpoint.kind === 'pod' || node) return 'no';
      const a = parseAddress(endpoint.ip);
      return yes(cidrContains(parseCidrText(peer.cidr), a) && !(peer.except ?? []).some((e) => cidrContains(parseCidrText(e), a)));
    }
    case 'nodes': {
      if (endpoint.kind === 'pod') return 'no';
      const a = parseAddress(endpoint.ip);
      return yes(
        (ctx.cluster.nodes ?? [])
          .filter((n) => selectorMatches(peer.selector, n.labels))
          .some((n) => n.addresses.map(parseAddress).some((x) => x.bits === a.bits && x.value === a.value)),
      );
    }
    case 'service-pods': {
      if (endpoint.kind === 'ip' || endpoint.pod.hostNetwork) return 'no';
      const pod = endpoint.pod;
      return yes(pod.namespace === peer.namespace && Object.entries(peer.selector).every(([k, v]) => pod.labels[k] === v));
    }
    case 'unresolved':
      // Names resolve to addresses outside the cluster; nothing in the input says which.
      return endpoint.kind === 'ip' && !node ? 'maybe' : 'no';
    case 'entity':
      switch (peer.entity) {
        case 'all':
          return 'yes';
        case 'cluster':
          // "all network endpoints inside of the local cluster", the hosts included.
          return yes(endpoint.kind === 'pod' || node);
        case 'world':
        case 'world-ipv4':
        case 'world-ipv6': {
          if (endpoint.kind === 'pod' || node) return 'no';
          if (peer.entity === 'world') return 'yes';
          return yes(parseAddress(endpoint.ip).bits === (peer.entity === 'world-ipv4' ? 32 : 128));
        }
        case 'host':
        case 'remote-node':
          // "The host entity includes the local host. This also includes all containers running
          // in host networking mode on the local host"; remote-node: "Any node ... other than the
          // local host. This also includes all containers running in host-networking mode on
          // remote nodes."
          return hostRelation(ctx.cluster, subject, endpoint, peer.entity);
        case 'kube-apiserver': {
          if (endpoint.kind === 'pod' || !ctx.cluster.apiServer) return 'no';
          const a = parseAddress(endpoint.ip);
          return yes(ctx.cluster.apiServer.addresses.map(parseAddress).some((x) => x.bits === a.bits && x.value === a.value));
        }
        case 'health':
        case 'init':
        case 'ingress':
        case 'unmanaged':
          // Endpoints the model has none of.
          return 'no';
      }
  }
}
