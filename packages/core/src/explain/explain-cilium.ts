/**
 * One side of a connection under `cni: cilium`, with its reasons: the deny rule that decided, or
 * whether the endpoint is in default deny (and through which policies), the allow rules
 * (CiliumNetworkPolicy rules by index, `cnp shop/allow-web ingress[0]`, and NetworkPolicy rules),
 * the rules that almost matched, and what the input cannot decide. Rule matching is the
 * reference's (reference/cilium.ts), so explain and the verdict cannot drift apart.
 */
import { ciliumPolicyId, type CiliumPolicy, type CiliumRule, type Cluster, type Endpoint, type EvalOptions, type Pod, type Protocol } from '../model/model.js';
import { ciliumPoliciesSelecting, isLocalHost, isNodeAddress, ruleMatches, unplacedReason } from '../reference/cilium.js';
import type { TierNearMiss, TierStep } from './explain-tiers.js';

type Direction = 'ingress' | 'egress';

export interface CiliumSide {
  readonly chain: TierStep[];
  readonly denied: boolean;
  readonly unknown?: string;
  readonly nearMisses: TierNearMiss[];
  /** Allow rules with L7 filtering that allow the connection at L4. */
  readonly l7: string[];
}

/** `cnp shop/allow-web ingress[0]`. */
export function ciliumRuleName(p: CiliumPolicy, list: 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny', rule: CiliumRule): string {
  return `${ciliumPolicyId(p)} ${list}[${rule.index}]`;
}

/**
 * `networkPolicy`: the NetworkPolicy side as explain.ts read it (isolating policies, allowing rules),
 * with ipBlocks already kept off pods; `nodeIpBlock` tells an allowing rule that matched only
 * through an ipBlock on a node's address (Cilium: never).
 */
export function explainCiliumSide(
  cluster: Cluster,
  options: EvalOptions,
  direction: Direction,
  subject: Pod,
  other: Endpoint,
  port: number,
  protocol: Protocol,
  destination: Pod | undefined,
  networkPolicy: { readonly isolatingPolicies: readonly string[]; readonly allowedBy: readonly { policy: string; rule: number; peer?: number; detail: string }[] },
): CiliumSide {
  const name = other.kind === 'pod' ? `${other.pod.namespace}/${other.pod.name}` : other.ip;
  const enforcement = options.ciliumEnforcement ?? 'default';
  if (enforcement === 'never') return { chain: [{ tier: 'default', action: 'Allow', detail: 'Cilium policy enforcement is "never"' }], denied: false, nearMisses: [], l7: [] };
  if (subject.hostNetwork) {
    return { chain: [{ tier: 'default', action: 'Allow', detail: 'a host-networked pod is the node to Cilium: no endpoint policy applies' }], denied: false, nearMisses: [], l7: [] };
  }
  const selecting = ciliumPoliciesSelecting(cluster, subject);
  const chain: TierStep[] = [];
  const nearMisses: TierNearMiss[] = [];
  let maybe: string | undefined;
  const denyList = direction === 'ingress' ? 'ingressDeny' : 'egressDeny';
  const allowList = direction;
  const step = (p: CiliumPolicy, list: typeof denyList | typeof allowList, r: CiliumRule, action: 'Allow' | 'Deny', detail: string): TierStep => ({
    tier: 'Cilium',
    action,
    policy: `${ciliumPolicyId(p)} ${list}[${r.index}]`,
    direction,
    detail,
  });
  for (const p of selecting) {
    for (const r of p[denyList]) {
      const m = ruleMatches({ cluster, ipBlockPods: 'ignore' }, p, r, other, port, protocol, destination, subject);
      if (m === 'yes') {
        chain.push(step(p, denyList, r, 'Deny', `denies ${name} on ${protocol} ${port} ("deny policies take precedence over allow policies")`));
        return { chain, denied: true, nearMisses: [], l7: [] };
      }
      if (m === 'maybe') maybe ??= `${ciliumRuleName(p, denyList, r)} may deny ${name}: ${unresolvedText(r, subject, other)}`;
    }
  }
  const defaultDenyBy = selecting.filter((p) => p.defaultDeny[direction]).map(ciliumPolicyId);
  const isolating = [...networkPolicy.isolatingPolicies, ...defaultDenyBy];
  const isolated = enforcement === 'always' || isolating.length > 0;
  const l7: string[] = [];
  let allowed = false;
  let allowMaybe: string | undefined;
  if (!isolated) {
    allowed = true;
    chain.push({ tier: 'default', action: 'Allow', detail: `${endpointText(subject)} is not in default deny for ${direction}` });
  } else {
    // An ipBlock never matches a node's own address under Cilium: only a rule without peers can
    // allow one (for an address, ipBlocks are the only peers that can match).
    const node = other.kind === 'ip' && isNodeAddress(cluster, other.ip);
    const npAllow = networkPolicy.allowedBy.find((r) => !node || r.peer === undefined);
    if (npAllow) {
      allowed = true;
      chain.push({ tier: 'NetworkPolicy', action: 'Allow', policy: npAllow.policy, direction, rule: npAllow.rule, detail: npAllow.detail });
    }
    // allow-localhost ("Policy when to allow local stack to reach local endpoints"; auto is
    // always under Kubernetes): the node the pod runs on reaches it.
    if (direction === 'ingress' && (options.ciliumAllowLocalhost ?? 'always') === 'always') {
      const local = isLocalHost(cluster, subject, other);
      if (local === 'yes' && !allowed) {
        allowed = true;
        chain.push({ tier: 'Cilium', action: 'Allow', policy: 'allow-localhost', direction, detail: `${name} is the local host of ${endpointText(subject)} (node ${subject.node}): the local host may reach its endpoints` });
      } else if (local === 'maybe') allowMaybe ??= `allow-localhost may allow ${name}: ${unplacedReason(subject, other)}`;
    }
    for (const p of selecting) {
      for (const r of p[allowList]) {
        const m = ruleMatches({ cluster, ipBlockPods: 'ignore' }, p, r, other, port, protocol, destination, subject);
        if (m === 'yes') {
          if (r.l7) l7.push(ciliumRuleName(p, allowList, r));
          if (!allowed) chain.push(step(p, allowList, r, 'Allow', `allows ${name} on ${protocol} ${port}${r.l7 ? ' (L7-filtered: requests may be denied)' : ''}`));
          allowed = true;
        } else if (m === 'maybe') allowMaybe ??= `${ciliumRuleName(p, allowList, r)} may allow ${name}: ${unresolvedText(r, subject, other)}`;
        else {
          const portOnly = ruleMatches({ cluster, ipBlockPods: 'ignore' }, p, { ...r, peers: undefined } as CiliumRule, other, port, protocol, destination, subject) === 'yes';
          nearMisses.push({
            tier: 'Cilium',
            policy: ciliumPolicyId(p),
            action: 'Allow',
            direction,
            rule: r.index,
            detail: portOnly ? `${name} is not among its peers` : `${protocol} ${port} is not among its ports`,
          });
        }
      }
    }
    if (!allowed) {
      chain.push({
        tier: 'Cilium',
        action: 'Deny',
        policy: isolating.length === 0 ? 'enforcement "always"' : isolating.join(', '),
        detail: `default deny for ${direction}; no rule allows ${name} on ${protocol} ${port}`,
      });
    }
  }
  // As the reference: a denial stands whatever an undecidable deny rule does; an undecidable
  // allow makes a denial unknown; an undecidable deny makes an allow unknown.
  if (!allowed && allowMaybe) return { chain, denied: false, unknown: allowMaybe, nearMisses, l7 };
  if (!allowed) return { chain, denied: true, nearMisses, l7 };
  if (maybe) return { chain, denied: false, unknown: maybe, nearMisses: [], l7 };
  return { chain, denied: false, nearMisses: [], l7 };
}

/** `Cilium: Deny (cnp x/lock ingressDeny[0]): denies ...`; the default step by its detail. */
export function formatCiliumChain(chain: readonly TierStep[]): string {
  return chain.map((s) => (s.tier === 'default' ? `allowed: ${s.detail}` : `${s.tier}: ${s.action}${s.policy ? ` (${s.policy}${s.tier === 'NetworkPolicy' && s.rule !== undefined ? `, rule ${s.rule}` : ''})` : ''}: ${s.detail}`)).join(' → ');
}

function endpointText(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

function unresolvedText(r: CiliumRule, subject: Pod, other: Endpoint): string {
  const u = (r.peers ?? []).find((p) => p.kind === 'unresolved');
  if (u && u.kind === 'unresolved') return u.what;
  const e = (r.peers ?? []).find((p) => p.kind === 'entity' && (p.entity === 'host' || p.entity === 'remote-node'));
  if (e && e.kind === 'entity') return `${e.entity}: ${unplacedReason(subject, other)}`;
  return 'not decidable from the input';
}
