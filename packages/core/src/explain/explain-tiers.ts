/**
 * The tier walk of one side of a connection, with its reasons: which tier decided, through which
 * policy and rule, what passed it on, and which tier rules almost matched. Written from the
 * network-policy-api type documentation like the reference evaluator, and held to it by the
 * differential test.
 */
import { cidrContains, tryParseCidr, tryParseIp } from '../semantics/ip.js';
import { formatSelector, matchesSelector } from '../semantics/label-selector.js';
import type { Cluster, Endpoint, Labels, Pod, Protocol } from '../model/model.js';
import { compareTierPolicies, tierPolicyId, type TierName, type TierPeer, type TierPolicy, type TierPort, type TierRule } from '../model/model.js';

/** One link of the chain: a tier's say on the connection. */
export interface TierStep {
  /** `calico tier <name>` under Calico (EvalOptions.cni), where any tier may hold any kind. */
  readonly tier: TierName | 'NetworkPolicy' | 'Cilium' | 'default' | `calico tier ${string}`;
  readonly action: 'Allow' | 'Deny' | 'Pass';
  /** `cnp/name`, `anp/name`, `banp/default`, or the NetworkPolicies' `namespace/name`s; absent for the default. */
  readonly policy?: string;
  readonly direction?: 'ingress' | 'egress';
  /** Index in the policy's ingress or egress list. */
  readonly rule?: number;
  /** The rule's `name`, when written. */
  readonly ruleName?: string;
  readonly detail: string;
}

/** A tier rule that would have matched but for one clause. */
export interface TierNearMiss {
  readonly tier: TierName | 'Cilium' | `calico tier ${string}`;
  readonly policy: string;
  readonly action: 'Allow' | 'Deny' | 'Pass';
  readonly direction: 'ingress' | 'egress';
  readonly rule: number;
  readonly ruleName?: string;
  readonly detail: string;
}

export interface TierWalk {
  /** The deciding step of the tier, or the Pass that handed the connection on; null: no rule matched. */
  readonly step: TierStep | null;
  readonly nearMisses: TierNearMiss[];
  /**
   * Set when a rule may or may not match (a domainNames peer and an address outside the
   * cluster): it was passed over, and the answer holds only if it did not match.
   */
  readonly undecided?: { readonly step: TierStep; readonly reason: string };
}

/** How an answer names a tier rule: `ingress rule "pass-dev"` or `egress rule 2`. */
export function tierRuleName(direction: 'ingress' | 'egress', rule: number, ruleName?: string): string {
  return ruleName ? `${direction} rule "${ruleName}"` : `${direction} rule ${rule}`;
}

/** `Admin: Pass (cnp/dev-pass, ingress rule "pass-dev")`. */
export function formatTierStep(s: TierStep): string {
  if (s.tier === 'default') return 'no tier decided: allowed by default';
  // `calico tier security: gnp/deny-db ingress[1] Deny`, or the tier's own end.
  if (s.tier.startsWith('calico tier ')) return s.rule !== undefined ? `${s.tier}: ${s.policy} ${s.direction}[${s.rule}] ${s.action}` : `${s.tier}: ${s.action} (${s.detail})`;
  const where =
    s.rule !== undefined && s.direction ? `${s.policy}, ${s.tier === 'NetworkPolicy' ? `rule ${s.rule}` : tierRuleName(s.direction, s.rule, s.ruleName)}` : s.policy;
  return `${s.tier}: ${s.action} (${where})`;
}

export function formatTierChain(steps: readonly TierStep[]): string {
  return steps.map(formatTierStep).join(' → ');
}

function endpointName(e: Endpoint): string {
  return e.kind === 'pod' ? `${e.pod.namespace}/${e.pod.name}` : e.ip;
}

function namespaceLabels(cluster: Cluster, ns: string): Labels {
  const found = cluster.namespaces.find((n) => n.name === ns);
  return found ? found.labels : { 'kubernetes.io/metadata.name': ns };
}

/** The tier's policies that select `pod` ("host-networked pods are not included in subject selection"), in checking order. */
function selecting(cluster: Cluster, tier: TierName, pod: Pod): TierPolicy[] {
  if (pod.hostNetwork) return [];
  return (cluster.tierPolicies ?? [])
    .filter(
      (p) =>
        p.tier === tier &&
        matchesSelector(p.subject.namespaceSelector, namespaceLabels(cluster, pod.namespace)) &&
        (p.subject.podSelector === undefined || matchesSelector(p.subject.podSelector, pod.labels)),
    )
    .sort(compareTierPolicies);
}

interface PeerMatch {
  readonly match: 'yes' | 'no' | 'maybe';
  readonly text: string;
}

function matchPeer(cluster: Cluster, peer: TierPeer, other: Endpoint): PeerMatch {
  const name = endpointName(other);
  switch (peer.kind) {
    case 'pods': {
      const clause = peer.podSelector
        ? `pods (namespaceSelector \`${formatSelector(peer.namespaceSelector)}\`, podSelector \`${formatSelector(peer.podSelector)}\`)`
        : `namespaces \`${formatSelector(peer.namespaceSelector)}\``;
      if (other.kind === 'ip') return { match: 'no', text: `${name} is not a pod, and ${clause} selects only pods` };
      if (other.pod.hostNetwork) return { match: 'no', text: `${name} is host-networked, and ${clause} leaves such pods out` };
      if (!matchesSelector(peer.namespaceSelector, namespaceLabels(cluster, other.pod.namespace))) {
        return { match: 'no', text: `${clause}: namespace ${other.pod.namespace}'s labels do not match` };
      }
      if (peer.podSelector && !matchesSelector(peer.podSelector, other.pod.labels)) {
        return { match: 'no', text: `${clause}: ${name}'s labels do not match` };
      }
      return { match: 'yes', text: `${clause} matches ${name}` };
    }
    case 'nodes': {
      const clause = `nodes \`${formatSelector(peer.nodeSelector)}\``;
      const ips = other.kind === 'ip' ? [other.ip] : other.pod.ips;
      for (const n of cluster.nodes ?? []) {
        if (!matchesSelector(peer.nodeSelector, n.labels)) continue;
        for (const a of n.addresses) {
          const x = tryParseIp(a);
          if (x && ips.some((ip) => { const y = tryParseIp(ip); return y && y.family === x.family && y.value === x.value; })) {
            return { match: 'yes', text: `${clause} matches node ${n.name}, address ${a}` };
          }
        }
      }
      return { match: 'no', text: `${name} is not an address of a node that ${clause} selects` };
    }
    case 'networks': {
      const ips = other.kind === 'ip' ? [other.ip] : other.pod.ips;
      for (const c of peer.networks) {
        const cidr = tryParseCidr(c);
        const hit = ips.find((ip) => {
          const a = tryParseIp(ip);
          return cidr && a && cidrContains(cidr, a);
        });
        if (hit) return { match: 'yes', text: `networks ${c} contains ${other.kind === 'ip' ? hit : `${name}'s IP ${hit}`}` };
      }
      return { match: 'no', text: `${ips.length === 0 ? `${name} has no known IP` : name} not in networks ${peer.networks.join(', ')}` };
    }
    case 'domainNames':
      if (other.kind === 'pod') return { match: 'no', text: `${name} is a pod, not reached by domainNames ${peer.domainNames.join(', ')}` };
      return {
        match: 'maybe',
        text: `whether ${name} is an address of ${peer.domainNames.join(', ')} is not in the input (DNS decides)`,
      };
  }
}

function describeTierPorts(ports: readonly TierPort[]): string {
  return ports.map((p) => ('namedPort' in p ? `named port '${p.namedPort}'` : p.endPort ? `${p.protocol} ${p.port}-${p.endPort}` : `${p.protocol} ${p.port}`)).join(', ');
}

function portsMatch(ports: readonly TierPort[] | undefined, port: number, protocol: Protocol, dst: Endpoint): boolean {
  if (ports === undefined) return true;
  return ports.some((p) => {
    if ('namedPort' in p) {
      return dst.kind === 'pod' && dst.pod.ports.some((cp) => cp.name === p.namedPort && cp.protocol === protocol && cp.containerPort === port);
    }
    return p.protocol === protocol && port >= p.port && port <= (p.endPort ?? p.port);
  });
}

/**
 * One tier for one side: the first matching rule of the policies selecting `pod`, by priority
 * and then written order.
 */
export function walkTier(
  cluster: Cluster,
  tier: TierName,
  pod: Pod,
  direction: 'ingress' | 'egress',
  other: Endpoint,
  dst: Endpoint,
  port: number,
  protocol: Protocol,
): TierWalk {
  const nearMisses: TierNearMiss[] = [];
  let undecided: TierWalk['undecided'];
  for (const policy of selecting(cluster, tier, pod)) {
    const rules: readonly TierRule[] = policy[direction];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const ref = { policy: tierPolicyId(policy), direction, rule: i, ...(rule.name ? { ruleName: rule.name } : {}) };
      const portOk = portsMatch(rule.ports, port, protocol, dst);
      let peer: PeerMatch = { match: 'no', text: '' };
      const misses: string[] = [];
      for (const p of rule.peers) {
        const m = matchPeer(cluster, p, other);
        if (m.match === 'yes') {
          peer = m;
          break;
        }
        if (m.match === 'maybe') peer = m;
        else misses.push(m.text);
      }
      if (peer.match === 'yes' && portOk) {
        const on = rule.ports ? ` on ${protocol} ${port}` : ' on any port';
        return { step: { tier, action: rule.action, ...ref, detail: `${peer.text}${on}` }, nearMisses, ...(undecided ? { undecided } : {}) };
      }
      if (peer.match === 'maybe' && portOk && !undecided) {
        undecided = { step: { tier, action: rule.action, ...ref, detail: peer.text }, reason: peer.text };
        continue;
      }
      if (peer.match === 'yes' && !portOk) {
        nearMisses.push({ tier, action: rule.action, ...ref, detail: `matches ${endpointName(other)} but only on ${describeTierPorts(rule.ports ?? [])}` });
      } else if (peer.match === 'no' && portOk) {
        nearMisses.push({ tier, action: rule.action, ...ref, detail: `matches ${protocol} ${port} but ${misses.join('; ')}` });
      }
    }
  }
  return { step: null, nearMisses, ...(undecided ? { undecided } : {}) };
}

/** An Admin-tier Deny that decides a connection, and the side it decides. */
export interface AdminDeny {
  readonly step: TierStep;
  readonly direction: 'ingress' | 'egress';
  /** `cnp/tenant-isolation ingress rule "deny-cross-tenant"`. */
  readonly text: string;
}

/**
 * The Admin-tier rule that denies this connection on either side, if one does: what no
 * NetworkPolicy can open ("If Admin tier has made a final decision (Accept or Deny) on a
 * connection, then no further evaluation is done"). A Pass hands the side on to NetworkPolicy,
 * so it is not a denial here. Egress first, as explain lists the sides.
 */
export function adminTierDeny(cluster: Cluster, src: Endpoint, dst: Endpoint, port: number, protocol: Protocol): AdminDeny | undefined {
  if ((cluster.tierPolicies ?? []).length === 0) return undefined;
  const sides: ['egress' | 'ingress', Endpoint, Endpoint][] = [
    ['egress', src, dst],
    ['ingress', dst, src],
  ];
  for (const [direction, subject, other] of sides) {
    if (subject.kind !== 'pod') continue;
    const step = walkTier(cluster, 'Admin', subject.pod, direction, other, dst, port, protocol).step;
    if (step?.action === 'Deny') return { step, direction, text: `${step.policy} ${tierRuleName(direction, step.rule ?? 0, step.ruleName)}` };
  }
  return undefined;
}
