import { describe, expect, it } from 'vitest';
import { buildAttackGraph } from './attack-graph.js';
import { compile } from '../engine/compile.js';
import { riskReport } from './risk.js';
import { NO_SECURITY_FLAGS, type Cluster, type Pod } from '../model/model.js';
import { pod as barePod, tcp } from '../testing/attack-clusters.js';

function pod(name: string, extra: Partial<Pod> = {}): Pod {
  return barePod('app', name, { app: name }, [tcp(8080)], { owner: { kind: 'Deployment', namespace: 'app', name }, fromTemplate: true, ...extra });
}

/**
 * Four apps that may only talk to a log shipper, a privileged DaemonSet on every node: by
 * network each reaches one workload; through the shipper's escape, every one reaches all.
 */
function cluster(): Cluster {
  const apps = ['a', 'b', 'c', 'd'];
  return {
    namespaces: [{ name: 'app', labels: { 'kubernetes.io/metadata.name': 'app' } }],
    pods: [...apps.map((n) => pod(n)), pod('logs', { owner: { kind: 'DaemonSet', namespace: 'app', name: 'logs' }, security: { ...NO_SECURITY_FLAGS, privileged: true, hostPath: true } })],
    workloads: [
      ...apps.map((name) => ({ kind: 'Deployment', namespace: 'app', name, labels: { app: name } })),
      { kind: 'DaemonSet', namespace: 'app', name: 'logs', labels: { app: 'logs' } },
    ],
    services: [],
    policies: [
      { namespace: 'app', name: 'deny', podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      { namespace: 'app', name: 'to-logs', podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'logs' } } }] }] },
      { namespace: 'app', name: 'logs-in', podSelector: { matchLabels: { app: 'logs' } }, ingress: [{}] },
    ],
  };
}

describe('a dominating escape', () => {
  it('is said once as the top finding, with its verified de-privileging change; the rankings set it aside', () => {
    const ag = buildAttackGraph(compile(cluster()));
    const r = riskReport(ag, { crownJewels: [] });
    expect(r.dominatingEscapes).toHaveLength(1);
    const [d] = r.dominatingEscapes;
    expect(d).toMatchObject({ id: 'app/logs', reachedBy: 4, saturatedWith: 5, saturatedWithout: 0 });
    expect(d!.because).toContain('privileged, hostPath');
    expect(d!.deprivilege.verified).toBe(true);
    expect(d!.deprivilege.changes[0]).toMatch(/^DaemonSet app\/logs: drop privileged, hostPath from its pod template/);
    // With the escape set aside, each app reaches the shipper only; the shipper is the most exposed.
    expect(r.byBlastRadius.map((w) => `${w.id} ${w.count}`)).toEqual(['app/a 1', 'app/b 1', 'app/c 1', 'app/d 1']);
    expect(r.byExposure[0]).toMatchObject({ id: 'app/logs', count: 4 });
  });

  it('is not claimed where the network alone lets everything reach everything', () => {
    const c = cluster();
    const flat = { ...c, policies: [] };
    const r = riskReport(buildAttackGraph(compile(flat)), { crownJewels: [] });
    expect(r.dominatingEscapes).toEqual([]);
    expect(r.byBlastRadius.every((w) => w.count === 4)).toBe(true);
  });
});
