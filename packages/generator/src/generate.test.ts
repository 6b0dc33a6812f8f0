import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { NO_SECURITY_FLAGS, type Cluster, type ContainerPort, type Labels, type NetworkPolicy, type Pod, type Protocol, type Workload } from '@lateral/core';
import type { FlowEdge, FlowEndpoint, FlowSet } from '@lateral/flows';
import { generatePolicies, type GenerateOptions } from './generate.js';
import { policiesYaml, policyObject } from './policy-yaml.js';
import { BASIC, flowSet, gen, makeCluster, pod } from './test-shop.js';

describe('generatePolicies', () => {
  it('selects each workload by its stable labels, never per-pod or per-release ones', () => {
    const c = makeCluster([], [pod({ ns: 'shop', owner: 'worker', labels: { app: 'worker', 'app.kubernetes.io/version': '9', 'pod-template-hash': 'x1' } })]);
    const { byName } = gen(c, flowSet(c, [...BASIC, ['shop/worker', 'shop/api', 7070]]));
    // The Deployment's own selector wins over the pod's labels.
    expect(byName('shop/lateral-web-ingress')!.podSelector).toEqual({ matchLabels: { app: 'web' } });
    // A StatefulSet's pods carry their own names and revision hashes: never selected on.
    expect(byName('shop/lateral-db-ingress')!.podSelector).toEqual({ matchLabels: { app: 'db' } });
    // No workload object: the pod's labels minus per-pod and per-release labels.
    expect(byName('shop/lateral-worker-egress')!.podSelector).toEqual({ matchLabels: { app: 'worker' } });
  });

  it('keeps a release label when nothing else tells two workloads apart, and says so when nothing does', () => {
    const c = makeCluster([], [
      pod({ ns: 'shop', owner: 'job-a', kind: 'Job', labels: { app: 'batch', version: 'a', 'job-name': 'job-a' } }),
      pod({ ns: 'shop', owner: 'job-b', kind: 'Job', labels: { app: 'batch', version: 'b', 'job-name': 'job-b' } }),
      pod({ ns: 'shop', owner: 'twin-1', kind: 'Pod', labels: { app: 'twin' }, name: 'twin-1', replicas: 1 }),
      pod({ ns: 'shop', owner: 'twin-2', kind: 'Pod', labels: { app: 'twin' }, name: 'twin-2', replicas: 1 }),
    ]);
    const { g, byName } = gen(c, flowSet(c, [['shop/job-a', 'shop/api', 7070], ['shop/twin-1', 'shop/api', 7070]]), { egressOnly: true });
    expect(byName('shop/lateral-job-a-egress')!.podSelector).toEqual({ matchLabels: { app: 'batch', version: 'a' } });
    expect(g.warnings.some((w) => w.startsWith('shop/twin-1: no stable labels tell its pods apart from shop/twin-2'))).toBe(true);
  });

  it('builds peers: podSelector in the namespace, namespace and pod across namespaces, /32 outside', () => {
    const c = makeCluster();
    const { byName } = gen(c, flowSet(c, BASIC));
    const api = byName('shop/lateral-api-ingress')!;
    expect(api.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ protocol: 'TCP', port: 7070 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } }, podSelector: { matchLabels: { app: 'prom' } } }],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
    ]);
    expect(byName('shop/lateral-web-ingress')!.ingress).toEqual([{ from: [{ ipBlock: { cidr: '203.0.113.7/32' } }], ports: [{ protocol: 'TCP', port: 8080 }] }]);
    const egress = byName('shop/lateral-api-egress')!.egress!;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '198.51.100.20/32' } }], ports: [{ protocol: 'TCP', port: 443 }] });
  });

  it('writes IPv6 addresses as /128 and widens only on request', () => {
    const c = makeCluster();
    const flows = flowSet(c, [['shop/api', '2001:db8::10', 443], ['shop/api', '198.51.100.20', 443], ['shop/api', '198.51.100.99', 443]]);
    const exact = gen(c, flows, { egressOnly: true });
    const peers = exact.byName('shop/lateral-api-egress')!.egress!.flatMap((r) => r.to ?? []).map((p) => p.ipBlock?.cidr);
    expect(peers).toEqual([undefined, '198.51.100.20/32', '198.51.100.99/32', '2001:db8::10/128']);

    const wide = gen(c, flows, { egressOnly: true, aggregateExternal: { v4: 24 } });
    const widePeers = wide.byName('shop/lateral-api-egress')!.egress!.flatMap((r) => r.to ?? []).map((p) => p.ipBlock?.cidr);
    expect(widePeers).toEqual([undefined, '198.51.100.0/24', '2001:db8::10/128']);
    expect(wide.g.aggregates).toEqual(['198.51.100.0/24']);
    // The unobserved rest of the /24 is declared, not a leak.
    expect(wide.v.ok).toBe(true);
    expect(wide.v.granted.aggregation).toBeGreaterThan(0);
  });

  it('allows exact ports, merges peers only when their ports are the same, and names ports on request', () => {
    const c = makeCluster();
    const flows = flowSet(c, [['shop/web', 'shop/api', 7070], ['shop/web', 'shop/api', 9090], ['shop/web', 'shop/db', 5432], ['ops/prom', 'shop/api', 9090]]);
    const numbered = gen(c, flows, { egressOnly: true }).byName('shop/lateral-web-egress')!;
    expect(numbered.egress!.slice(1)).toEqual([
      { to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 7070 }, { protocol: 'TCP', port: 9090 }] },
      { to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 5432 }] },
    ]);
    const named = gen(c, flows, { namedPorts: true });
    expect(named.byName('shop/lateral-web-egress')!.egress!.slice(1)).toEqual([
      { to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ protocol: 'TCP', port: 'grpc' }, { protocol: 'TCP', port: 'metrics' }] },
      { to: [{ podSelector: { matchLabels: { app: 'db' } } }], ports: [{ protocol: 'TCP', port: 'postgres' }] },
    ]);
    expect(named.v.ok).toBe(true);
    // An outside address has no container ports to name.
    const ext = gen(c, flowSet(c, [['shop/api', '198.51.100.20', 443]]), { namedPorts: true }).byName('shop/lateral-api-egress')!;
    expect(ext.egress![1]!.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
  });

  it('gives every generated egress policy DNS to kube-dns and files observed lookups under it', () => {
    const c = makeCluster();
    const { g, v } = gen(c, flowSet(c, BASIC));
    const egress = g.policies.filter((p) => p.policy.policyTypes?.includes('Egress'));
    expect(egress.length).toBeGreaterThan(0);
    for (const p of egress) {
      expect(p.policy.egress![0]).toEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      });
    }
    const api = g.policies.find((p) => p.policy.name === 'lateral-api-egress')!;
    expect(api.egressRules[0]).toMatchObject({ dns: true, flows: [{ from: 'shop/api', to: 'kube-system/coredns', protocol: 'UDP', port: 53 }] });
    // No policy for CoreDNS itself (kube-system is skipped), and no ingress-only DNS.
    expect(g.policies.some((p) => p.policy.namespace === 'kube-system')).toBe(false);
    expect(gen(c, flowSet(c, BASIC), { ingressOnly: true }).g.policies.every((p) => !p.policy.egress)).toBe(true);
    expect(v.ok).toBe(true);
  });

  it('adds a default-deny per namespace generated for, only on request', () => {
    const c = makeCluster();
    expect(gen(c, flowSet(c, BASIC)).g.policies.some((p) => p.subject === '*')).toBe(false);
    const { g, v } = gen(c, flowSet(c, BASIC), { defaultDeny: true, ingressOnly: true });
    const deny = g.policies.filter((p) => p.subject === '*').map((p) => p.policy);
    // ops/prom is in the capture (as a client): its namespace is generated for too.
    expect(deny).toEqual([
      { namespace: 'ops', name: 'lateral-default-deny', podSelector: {}, policyTypes: ['Ingress'] },
      { namespace: 'shop', name: 'lateral-default-deny', podSelector: {}, policyTypes: ['Ingress'] },
    ]);
    expect(v.ok).toBe(true);
  });

  it('adds only what existing policies do not already allow, judged as if the workload were isolated', () => {
    const allowWebToApi: NetworkPolicy = {
      namespace: 'shop',
      name: 'api-from-web',
      podSelector: { matchLabels: { app: 'api' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 7070 }] }],
    };
    const c = makeCluster([allowWebToApi]);
    const flows = flowSet(c, [['shop/web', 'shop/api', 7070], ['ops/prom', 'shop/api', 9090], ['shop/web', 'shop/db', 5432]]);
    const { byName, v } = gen(c, flows, { ingressOnly: true });
    // api is isolated already and web:7070 is allowed: only prom:9090 is new.
    expect(byName('shop/lateral-api-ingress')!.ingress!.map((r) => r.ports)).toEqual([[{ protocol: 'TCP', port: 9090 }]]);
    // db was open to everything; once isolated, web -> db needs its own rule.
    expect(byName('shop/lateral-db-ingress')!.ingress).toHaveLength(1);
    expect(v.ok).toBe(true);

    // Every flow already allowed on an isolated workload: nothing to add for it. The client,
    // web, is in the capture too: it is isolated, with nothing allowed in.
    const covered = gen(c, flowSet(c, [['shop/web', 'shop/api', 7070]]), { ingressOnly: true });
    expect(covered.g.policies.map((p) => [p.policy.name, p.policy.ingress])).toEqual([['lateral-web-ingress', []]]);

    // A policy name that exists is never reused (apply would replace it).
    const clash = makeCluster([{ ...allowWebToApi, name: 'lateral-api-ingress' }]);
    const names = gen(clash, flowSet(clash, [['ops/prom', 'shop/api', 9090]]), { ingressOnly: true }).g.policies.map((p) => `${p.policy.namespace}/${p.policy.name}`);
    expect(names).toEqual(['ops/lateral-prom-ingress', 'shop/lateral-api-ingress-2']);
  });

  it('gives no rule to connections the network dropped, at either end, and lists them with what denies them', () => {
    const c = makeCluster();
    // Some records forwarded (the client's egress), some dropped (the server's ingress).
    const flows = flowSet(c, [['shop/web', 'shop/db', 5432]], { dropped: 2 });
    const { g, v } = gen(c, flows);
    expect(g.droppedOnly).toHaveLength(1);
    expect(g.dropped).toEqual([
      expect.objectContaining({ from: 'shop/web', to: 'shop/db', port: 5432, dropped: 2, deniedBy: expect.stringContaining('the policies in the inputs allow it') }),
    ]);
    // Both ends are still isolated, with nothing but DNS allowed.
    expect(g.policies.flatMap((p) => [...(p.policy.ingress ?? []), ...(p.policy.egress ?? []).slice(1)])).toEqual([]);
    expect(v.ok).toBe(true);
    const allowed = gen(c, flows, { allowDropped: true });
    expect(allowed.g.policies.find((p) => p.policy.name === 'lateral-db-ingress')!.policy.ingress).toHaveLength(1);
  });

  it('is deterministic: same flows in any order give the same bytes', () => {
    const c = makeCluster();
    const flows = flowSet(c, BASIC);
    const a = policiesYaml(generatePolicies(c, flows, { defaultDeny: true }).policies);
    const shuffled = { ...flows, edges: [...flows.edges].reverse() };
    const b = policiesYaml(generatePolicies(c, shuffled, { defaultDeny: true }).policies);
    expect(b).toBe(a);
  });

  it('writes YAML that reads back as the same objects, with the flows named above each rule', () => {
    const c = makeCluster([], [pod({ ns: 'shop', owner: 'odd', labels: { app: 'true', 'x.io/n': '007' } })]);
    const { g } = gen(c, flowSet(c, [...BASIC, ['shop/odd', 'shop/api', 7070]]), { defaultDeny: true });
    const text = policiesYaml(g.policies, ['header line']);
    const docs = yaml.loadAll(text).filter((d) => d !== null);
    expect(docs).toEqual(g.policies.map((p) => policyObject(p.policy)));
    expect(text.startsWith('# header line\n---\n')).toBe(true);
    expect(text).toContain('    # shop/web -> shop/api TCP 7070: 5 flows, first 2025-03-14T10:00:00Z, last 2025-03-14T11:00:00Z\n    - from:');
    // Values YAML would read as something else are quoted.
    expect(text).toContain('app: "true"');
    expect(text).toContain('x.io/n: "007"');
  });
});
