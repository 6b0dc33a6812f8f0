import { describe, expect, it } from 'vitest';
import { lateral } from './run-cli.js';

const MT = 'fixtures/multi-tenant';

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
    const rm = report.chokePoints.removals.find((x: { from: string; to: string }) => x.from === 'team-c/legacy-admin' && x.to === 'shared-db/postgres');
    expect(rm.verified).toBe(true);
    expect(rm.yaml).toContain('name: postgres-from-tenants');
    expect(rm.yaml).toContain('operator: NotIn');
  });

  it('text output names the findings', async () => {
    const t = await lateral(['risk', MT, '--target', 'app=postgres']);
    expect(t.stdout).toContain('team-c/legacy-admin (Service team-c/legacy-admin (NodePort) TCP 8000) reaches crown jewel shared-db/postgres in 2 hops');
    expect(t.stdout).toContain('monitoring/fluent-bit: privileged, hostPath; on every node');
  });
});

describe('lateral blast and paths', () => {
  it('team-b/invoice-worker reaches team-c/legacy-admin in one hop (hole 1) and billing-api via the gateway label (hole 2)', async () => {
    const r = await lateral(['blast', MT, '--from', 'team-c/gateway', '--hops', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    const b = JSON.parse(r.stdout);
    const billing = b.reached.find((x: { id: string }) => x.id === 'team-b/billing-api');
    expect(billing.hops).toBe(1);
    expect(billing.via[0].ports).toEqual([{ protocol: 'TCP', port: 8443, name: 'https' }]);
    const inv = await lateral(['blast', MT, '--from', 'team-b/invoice-worker', '--hops', '1']);
    expect(inv.stdout).toMatch(/team-c\/legacy-admin\s+<- team-b\/invoice-worker on TCP 8000 \(http\)/);
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
