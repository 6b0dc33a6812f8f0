import { describe, expect, it } from 'vitest';
import { lateral } from './run-cli.js';

const MT = 'fixtures/multi-tenant';
/** The fixture without its cluster-wide guardrails (platform/guardrails.yaml): the tenants' NetworkPolicies alone. */
const PLATFORM = ['ci', 'ingress-nginx', 'kube-apiserver', 'kube-system', 'monitoring', 'rbac', 'shared-db'];
const UNGUARDED = [`${MT}/namespaces.yaml`, `${MT}/teams`, ...PLATFORM.map((f) => `${MT}/platform/${f}.yaml`)];

describe('lateral risk finds the multi-tenant holes', async () => {
  const r = await lateral(['risk', MT, '--target', 'app=postgres', '--format', 'json']);
  const report = JSON.parse(r.stdout);

  it('exits 0 with the metrics', () => {
    expect(r.code).toBe(0);
    expect(report.metrics).toMatchObject({ crownJewels: 1, crownJewelsReached: 1, minHopsToCrownJewel: 2 });
    expect(report.metrics.paths.count).toBeGreaterThan(0);
  });

  it('hole 5: the NodePort legacy-admin is an entry point two hops from the shared database', () => {
    const e = report.entryPoints.find((x: { id: string }) => x.id === 'team-c/legacy-admin');
    expect(e.exposures[0].via).toBe('Service team-c/legacy-admin (NodePort)');
    expect(e.pathToCrownJewel.nodes).toEqual(['internet', 'team-c/legacy-admin', 'shared-db/postgres']);
    expect(e.pathToCrownJewel.hops[1].because).toContain('ingress rule 0 of shared-db/postgres-from-tenants');
  });

  it('hole 4: the privileged hostPath DaemonSet escapes to every node and is reachable from the internet', () => {
    expect(report.escapes).toEqual([
      expect.objectContaining({ id: 'monitoring/fluent-bit', reasons: ['privileged', 'hostPath'], placement: 'every node', reachableFromInternet: true }),
    ]);
  });

  it('hole 1: team-c has no default-deny', () => {
    const ids = report.unprotected.map((u: { id: string }) => u.id);
    expect(ids).toContain('team-c/legacy-admin');
    expect(ids).toContain('team-c/reports-worker');
    expect(ids).not.toContain('team-a/orders-api');
  });

  it('choke points: a minimum cut including legacy-admin -> postgres, each closed by a verified policy change', () => {
    const cut = report.chokePoints.cut.map((c: { from: string; to: string }) => `${c.from} -> ${c.to}`);
    expect(cut).toContain('team-c/legacy-admin -> shared-db/postgres');
    // Every cut move into postgres is one change: one edit of postgres-from-tenants.
    const rm = report.chokePoints.removals.find((x: { sources: string[]; to: string }) => x.sources.includes('team-c/legacy-admin') && x.to === 'shared-db/postgres');
    expect(rm).toMatchObject({ from: 'team-a/orders-api, team-c/legacy-admin', sources: ['team-a/orders-api', 'team-c/legacy-admin'], change: 'NetworkPolicy', verified: true });
    expect(report.chokePoints.removals.filter((x: { to: string }) => x.to === 'shared-db/postgres')).toHaveLength(1);
    expect(rm.yaml).toContain('name: postgres-from-tenants');
    expect(rm.yaml).toMatch(/operator: NotIn\n\s+values:\n\s+- legacy-admin\n\s+- orders-api\n/);
    // The guardrails are in the inputs, so a ClusterNetworkPolicy was weighed: one edit of the
    // destination's own policy is the smaller change.
    expect(rm.why).toBe("one NetworkPolicy change in shared-db, the destination's own (a ClusterNetworkPolicy, lateral-deny-into-shared-db-postgres, would close it too)");
    // Three sources into fluent-bit: one new policy, not three.
    const fluent = report.chokePoints.removals.find((x: { to: string }) => x.to === 'monitoring/fluent-bit');
    expect(fluent.sources.length).toBeGreaterThan(1);
    expect(fluent.policies).toHaveLength(1);
  });

  it('text output names the findings', async () => {
    const t = await lateral(['risk', MT, '--target', 'app=postgres']);
    expect(t.stdout).toContain('team-c/legacy-admin (Service team-c/legacy-admin (NodePort) TCP 8000) reaches crown jewel shared-db/postgres in 2 hops');
    expect(t.stdout).toContain('monitoring/fluent-bit: privileged, hostPath; on every node');
  });
});

describe('lateral blast and paths', () => {
  it('without the guardrail, team-b/invoice-worker reaches team-c/legacy-admin in one hop (hole 1) and team-c/gateway billing-api (hole 2); the guardrail closes both', async () => {
    const r = await lateral(['blast', ...UNGUARDED, '--from', 'team-c/gateway', '--hops', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    const billing = b.reached.find((x: { id: string }) => x.id === 'team-b/billing-api');
    expect(billing.hops).toBe(1);
    expect(billing.via[0].ports).toEqual([{ protocol: 'TCP', port: 8443, name: 'https' }]);
    const inv = await lateral(['blast', ...UNGUARDED, '--from', 'team-b/invoice-worker', '--hops', '1']);
    expect(inv.stdout).toMatch(/team-c\/legacy-admin\s+<- team-b\/invoice-worker on TCP 8000 \(http\)/);
    // cnp/isolate-team-b and isolate-team-c deny ingress from other tenants.
    const guarded = JSON.parse((await lateral(['blast', MT, '--from', 'team-c/gateway', '--hops', '1', '--format', 'json'])).stdout);
    expect(guarded.reached.map((x: { id: string }) => x.id)).not.toContain('team-b/billing-api');
    const guardedInv = await lateral(['blast', MT, '--from', 'team-b/invoice-worker', '--hops', '1']);
    expect(guardedInv.stdout).not.toMatch(/team-c\/legacy-admin\s+<- team-b\/invoice-worker/);
  });

  it('paths lists loopless shortest paths first, with rules', async () => {
    const r = await lateral(['paths', MT, '--from', 'internet', '--to', 'shared-db/postgres', '--k', '3', '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.paths).toHaveLength(3);
    expect(j.paths[0].nodes).toEqual(['internet', 'team-c/legacy-admin', 'shared-db/postgres']);
    const lengths = j.paths.map((p: { nodes: string[] }) => p.nodes.length);
    expect([...lengths].sort()).toEqual(lengths);
    for (const p of j.paths) expect(new Set(p.nodes).size).toBe(p.nodes.length);
    expect(j.metrics.minHopsToCrownJewel).toBe(2);
  });

  it('an unknown --from or a selector that matches nothing exits 2 naming the closest workloads', async () => {
    const a = await lateral(['blast', MT, '--from', 'team-c/legacy-admn']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('closest: team-c/legacy-admin');
    const b = await lateral(['paths', MT, '--from', 'internet', '--to', 'shared-db/postgress']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--to "shared-db\/postgress" matches no workload; closest: shared-db\/postgres/);
    const c = await lateral(['risk', MT, '--target', 'app=nothing-like-this']);
    expect(c.code).toBe(2);
    expect(c.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('the text demo shows a blast radius', async () => {
    const r = await lateral(['demo', '--text']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('$ lateral blast fixtures/shop --from internet --target shop/postgres');
    expect(r.stdout).toContain('blast radius from internet');
    expect(r.stdout).toMatch(/\* shop\/postgres\s+<- /);
    expect(r.stdout).toContain('1 of 1 crown jewel reached, the first in 2 hops');
  });
});

describe('identity moves on the multi-tenant fixture', () => {
  it('the CI runner\'s token starts a privileged pod in ci (no Pod Security label) and so takes every node', async () => {
    const r = await lateral(['paths', MT, '--from', 'ci/gitlab-runner', '--to', 'node:*', '--k', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    const [p] = JSON.parse(r.stdout).paths;
    expect(p.nodes).toEqual(['ci/gitlab-runner', 'sa:ci/gitlab-runner', 'node:*']);
    expect(p.hops.map((h: { category: string }) => h.category)).toEqual(['identity', 'escalation']);
    expect(p.hops[0].because).toContain('API server 172.18.0.2:6443 allowed by egress rule 0 of ci/gitlab-runner');
    expect(p.hops[1].because[0]).toMatch(/may start pods in namespace ci .*rule 0 of Role ci\/gitlab-runner, bound by RoleBinding ci\/gitlab-runner.*no pod-security\.kubernetes\.io\/enforce label/);
  });

  it('Prometheus\'s nodes/proxy token reaches every pod through the kubelet, labelled identity in text', async () => {
    const r = await lateral(['blast', MT, '--from', 'monitoring/prometheus', '--hops', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sa:monitoring\/prometheus\s+<- monitoring\/prometheus \(identity\)/);
    const j = JSON.parse((await lateral(['blast', MT, '--from', 'sa:monitoring/prometheus', '--hops', '1', '--format', 'json'])).stdout);
    const ids = j.reached.map((x: { id: string }) => x.id);
    expect(ids).toContain('shared-db/postgres');
    expect(ids).toContain('team-a/orders-api');
    const pg = j.reached.find((x: { id: string }) => x.id === 'shared-db/postgres');
    expect(pg.via[0]).toMatchObject({ from: 'sa:monitoring/prometheus', kind: 'identity', category: 'identity' });
  });

  it('team-a\'s default-deny egress keeps orders-api\'s token from the API server: listed as not usable', async () => {
    const j = JSON.parse((await lateral(['risk', MT, '--target', 'app=postgres', '--format', 'json'])).stdout);
    const t = j.tokens.find((x: { id: string }) => x.id === 'team-a/orders-api');
    expect(t).toMatchObject({ serviceAccount: 'team-a/orders-api', usable: false });
    expect(t.because).toContain('its egress policy does not allow the API server (172.18.0.2 TCP 6443, from EndpointSlice default/kubernetes)');
    expect(j.tokens.filter((x: { usable: boolean }) => x.usable).map((x: { id: string }) => x.id)).toEqual(['ci/gitlab-runner', 'monitoring/prometheus']);
    const b = JSON.parse((await lateral(['blast', MT, '--from', 'team-a/orders-api', '--format', 'json'])).stdout);
    expect(b.reached.map((x: { id: string }) => x.id)).not.toContain('sa:team-a/orders-api');
  });

  it('--edges network shows what policy alone allows: no tokens, no escapes', async () => {
    const all = JSON.parse((await lateral(['blast', MT, '--from', 'ci/gitlab-runner', '--format', 'json'])).stdout);
    const net = JSON.parse((await lateral(['blast', MT, '--from', 'ci/gitlab-runner', '--edges', 'network', '--format', 'json'])).stdout);
    expect(all.reached[0]).toMatchObject({ hops: 1 });
    expect(all.metrics.identitiesReached).toBeGreaterThan(0);
    expect(net.metrics).toMatchObject({ identitiesReached: 0, nodesReached: 0 });
    expect(net.reached.every((x: { via: { category: string }[] }) => x.via.every((v) => v.category === 'network'))).toBe(true);
    const bad = await lateral(['blast', MT, '--from', 'ci/gitlab-runner', '--edges', 'rbac']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--edges: "rbac" is not one of network, escalation, identity');
  });

  it('--apiserver overrides the address: an address the runner\'s egress does not allow takes its token away', async () => {
    const j = JSON.parse((await lateral(['risk', MT, '--apiserver', '10.96.0.1:443', '--format', 'json'])).stdout);
    expect(j.tokens.find((x: { id: string }) => x.id === 'ci/gitlab-runner')).toMatchObject({ usable: false });
  });
});

describe('lateral risk --flows: fixes that keep the application working', () => {
  it('the cut avoids connections seen in traffic where it can, and each change lists the observed connections it breaks', async () => {
    const plain = JSON.parse((await lateral(['risk', MT, '--target', 'app=postgres', '--format', 'json'])).stdout);
    const cutOf = (j: { chokePoints: { cut: { from: string; to: string }[] } }) => j.chokePoints.cut.map((c) => `${c.from} -> ${c.to}`);
    // Blind to traffic, the smallest cut closes the ingress controller's way to the gateways:
    // the tenants' front doors.
    expect(cutOf(plain).filter((c) => /^ingress-nginx\/ingress-nginx-controller -> team-.\/gateway$/.test(c)).length).toBeGreaterThan(0);
    const r = await lateral(['risk', MT, '--target', 'app=postgres', '--flows', `${MT}/flows/hubble.jsonl`, '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // What it cannot avoid breaks three observed connections: the database clients' own
    // (legacy-admin is both the NodePort entry point and a db client) and team-b's front door.
    // team-b cannot be closed on its side for less: its pods have no egress isolation, so besides
    // billing-api -> postgres (observed) every team-b workload's way into monitoring (six moves)
    // would have to go. team-a's and team-c's gateways stay open.
    expect(cutOf(j).filter((c) => /-> team-[ac]\/gateway$/.test(c))).toEqual([]);
    const breaking = j.chokePoints.removals.filter((x: { breaksObserved: unknown[] }) => x.breaksObserved.length > 0);
    expect(breaking.map((x: { from: string; to: string }) => `${x.from} -> ${x.to}`).sort()).toEqual([
      'ingress-nginx/ingress-nginx-controller -> team-b/gateway',
      'team-a/orders-api, team-c/legacy-admin -> shared-db/postgres',
    ]);
    const db = breaking.find((x: { to: string }) => x.to === 'shared-db/postgres');
    expect(db.breaksObserved.map((o: { from: string; protocol: string; port: number }) => `${o.from} ${o.protocol} ${o.port}`)).toEqual(['team-a/orders-api TCP 5432', 'team-c/legacy-admin TCP 5432']);
    expect(j.chokePoints.removals.every((x: { breaksObserved?: unknown[] }) => Array.isArray(x.breaksObserved))).toBe(true);
    // Counted in changes a person makes: the two database connections are one policy edit.
    const edits = j.chokePoints.objectsChanged.filter((o: string) => o === 'NetworkPolicy shared-db/postgres-from-tenants');
    expect(edits).toHaveLength(1);
    expect(j.chokePoints.objectsChanged.length).toBeLessThan(j.chokePoints.cut.length);
    const t = await lateral(['risk', MT, '--target', 'app=postgres', '--flows', `${MT}/flows/hubble.jsonl`]);
    expect(t.stdout).toMatch(/BREAKS 2 observed connections: team-a\/orders-api -> shared-db\/postgres TCP 5432 \(\d+ records\); team-c\/legacy-admin -> shared-db\/postgres TCP 5432 \(\d+ records\)/);
    expect(t.stdout).toContain('breaks no observed connection');
  });
});
