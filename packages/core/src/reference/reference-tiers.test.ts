import { describe, expect, it } from 'vitest';
import type { Cluster, ClusterNode, Endpoint, Labels, NetworkPolicy, Pod } from '../model/model.js';
import { NO_SECURITY_FLAGS } from '../model/model.js';
import type { TierPolicy, TierRule } from '../model/model.js';
import { referenceVerdict } from './reference.js';

function pod(namespace: string, name: string, labels: Labels, ips: string[], extra: Partial<Pod> = {}): Pod {
  return {
    namespace,
    name,
    labels,
    ips,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    owner: { kind: 'Pod', namespace, name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
    ...extra,
  };
}

const a1 = pod('tenant-a', 'a1', { app: 'web' }, ['10.0.1.1']);
const b1 = pod('tenant-b', 'b1', { app: 'web' }, ['10.0.2.1']);
const prom = pod('monitoring', 'prom', { app: 'prom' }, ['10.0.3.1']);
const hostAgent = pod('monitoring', 'agent', { app: 'agent' }, ['192.168.0.10'], { hostNetwork: true });
const node: ClusterNode = { name: 'n1', labels: { role: 'worker' }, addresses: ['192.168.0.10'] };

const ns = (name: string, labels: Labels = {}) => ({ name, labels: { 'kubernetes.io/metadata.name': name, ...labels } });
const byName = (name: string) => ({ kind: 'pods' as const, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
const tenants = { kind: 'pods' as const, namespaceSelector: { matchLabels: { tenant: 'yes' } } };

function cluster(tierPolicies: TierPolicy[], policies: NetworkPolicy[] = []): Cluster {
  return {
    namespaces: [ns('tenant-a', { tenant: 'yes' }), ns('tenant-b', { tenant: 'yes' }), ns('monitoring')],
    pods: [a1, b1, prom, hostAgent],
    workloads: [],
    services: [],
    policies,
    nodes: [node],
    tierPolicies,
  };
}

function tierPolicy(name: string, tier: 'Admin' | 'Baseline', priority: number, ingress: TierRule[], egress: TierRule[] = []): TierPolicy {
  return { kind: 'ClusterNetworkPolicy', name, tier, priority, subject: { namespaceSelector: {} }, ingress, egress };
}

const P = (p: Pod): Endpoint => ({ kind: 'pod', pod: p });
const verdict = (c: Cluster, s: Endpoint, d: Endpoint, port = 8080) => referenceVerdict(c, s, d, port, 'TCP');

const denyAllIngress: NetworkPolicy = { namespace: 'tenant-a', name: 'deny', podSelector: {}, policyTypes: ['Ingress'] };

describe('reference evaluator: tiers', () => {
  it('an Admin Deny wins over a NetworkPolicy that would allow; an Admin Allow over one that denies', () => {
    const allowAll: NetworkPolicy = { namespace: 'tenant-a', name: 'allow', podSelector: {}, ingress: [{}] };
    const deny = tierPolicy('no-cross-tenant', 'Admin', 10, [{ action: 'Deny', peers: [tenants] }]);
    expect(verdict(cluster([], [allowAll]), P(b1), P(a1))).toBe('allowed');
    expect(verdict(cluster([deny], [allowAll]), P(b1), P(a1))).toBe('denied');
    const allowMonitoring = tierPolicy('monitoring', 'Admin', 5, [{ action: 'Allow', peers: [byName('monitoring')] }]);
    expect(verdict(cluster([], [denyAllIngress]), P(prom), P(a1))).toBe('denied');
    expect(verdict(cluster([allowMonitoring], [denyAllIngress]), P(prom), P(a1))).toBe('allowed');
  });

  it('Pass skips the rest of the Admin tier and hands the connection to NetworkPolicy, then Baseline', () => {
    const pass = tierPolicy('pass', 'Admin', 1, [{ action: 'Pass', peers: [byName('tenant-b')] }]);
    const deny = tierPolicy('deny', 'Admin', 2, [{ action: 'Deny', peers: [tenants] }]);
    const baselineDeny = tierPolicy('baseline', 'Baseline', 1, [{ action: 'Deny', peers: [byName('tenant-b')] }]);
    expect(verdict(cluster([pass, deny]), P(b1), P(a1))).toBe('allowed');
    expect(verdict(cluster([pass, deny, baselineDeny]), P(b1), P(a1))).toBe('denied');
    // NetworkPolicy decides for pods it isolates: the Baseline tier is not reached.
    const allowB: NetworkPolicy = { namespace: 'tenant-a', name: 'allow-b', podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] };
    expect(verdict(cluster([pass, deny, baselineDeny], [allowB]), P(b1), P(a1))).toBe('allowed');
  });

  it('takes policies by priority, then rules in order: the first match decides', () => {
    const allow = tierPolicy('allow', 'Admin', 20, [{ action: 'Allow', peers: [tenants] }]);
    const deny = tierPolicy('deny', 'Admin', 10, [
      { action: 'Deny', peers: [byName('tenant-b')], ports: [{ protocol: 'TCP', port: 8080 }] },
      { action: 'Allow', peers: [byName('tenant-b')] },
    ]);
    expect(verdict(cluster([allow, deny]), P(b1), P(a1), 8080)).toBe('denied');
    expect(verdict(cluster([allow, deny]), P(b1), P(a1), 9000)).toBe('allowed');
    expect(verdict(cluster([{ ...allow, priority: 1 }, deny]), P(b1), P(a1), 8080)).toBe('allowed');
  });

  it('needs both directions: an egress Allow at the source does not open an ingress Deny at the destination', () => {
    const egressAllow = tierPolicy('egress', 'Admin', 1, [], [{ action: 'Allow', peers: [tenants] }]);
    const ingressDeny = tierPolicy('ingress', 'Admin', 2, [{ action: 'Deny', peers: [tenants] }]);
    expect(verdict(cluster([egressAllow, ingressDeny]), P(b1), P(a1))).toBe('denied');
  });

  it('host-networked pods are neither subjects nor pods peers; nodes and networks peers match them by address', () => {
    const denyFromAll = tierPolicy('deny', 'Admin', 1, [{ action: 'Deny', peers: [{ kind: 'pods', namespaceSelector: {} }] }]);
    expect(verdict(cluster([denyFromAll]), P(hostAgent), P(a1))).toBe('allowed');
    expect(verdict(cluster([denyFromAll]), P(a1), P(hostAgent))).toBe('allowed');
    const denyToNodes = tierPolicy('nodes', 'Admin', 1, [], [{ action: 'Deny', peers: [{ kind: 'nodes', nodeSelector: { matchLabels: { role: 'worker' } } }] }]);
    expect(verdict(cluster([denyToNodes]), P(a1), { kind: 'ip', ip: '192.168.0.10' })).toBe('denied');
    expect(verdict(cluster([denyToNodes]), P(a1), P(hostAgent))).toBe('denied');
    expect(verdict(cluster([denyToNodes]), P(a1), { kind: 'ip', ip: '192.168.0.11' })).toBe('allowed');
    const denyNet = tierPolicy('net', 'Admin', 1, [], [{ action: 'Deny', peers: [{ kind: 'networks', networks: ['10.0.2.0/24'] }] }]);
    // Networks match cluster-internal addresses as well.
    expect(verdict(cluster([denyNet]), P(a1), P(b1))).toBe('denied');
  });

  it('a domainNames Accept before a Deny makes connections to addresses outside the cluster unknown', () => {
    const allowDomain = tierPolicy('egress', 'Admin', 1, [], [
      { action: 'Allow', peers: [{ kind: 'domainNames', domainNames: ['api.example.com'] }] },
      { action: 'Deny', peers: [{ kind: 'networks', networks: ['0.0.0.0/0'] }] },
    ]);
    expect(verdict(cluster([allowDomain]), P(a1), { kind: 'ip', ip: '203.0.113.9' })).toBe('unknown');
    // Pods are not reached by those names: the Deny decides.
    expect(verdict(cluster([allowDomain]), P(a1), P(b1))).toBe('denied');
    // Without a Deny behind it, the answer is allowed either way.
    const alone = tierPolicy('egress', 'Admin', 1, [], [allowDomain.egress[0]!]);
    expect(verdict(cluster([alone]), P(a1), { kind: 'ip', ip: '203.0.113.9' })).toBe('allowed');
  });
});
