import { describe, expect, it } from 'vitest';
import { ANY_NODE, INTERNET } from './attack-graph.js';
import { NO_SECURITY_FLAGS, type Cluster, type NetworkPolicy, type Pod, type PodSecurity } from '../model/model.js';
import { chain, edges, tcp } from '../testing/attack-clusters.js';

describe('attack graph edges', () => {
  it('draws network, entry and escalation edges of a hand-checked cluster', () => {
    const { ag, list } = edges(chain());
    expect(list).toEqual([
      'entry internet -> app/web',
      'escalation app/logs -> node:n1',
      'escalation node:n1 -> app/db',
      'escalation node:n1 -> app/logs',
      'escalation node:n2 -> app/api',
      'escalation node:n2 -> app/web',
      'network app/api -> app/db',
      'network app/api -> app/logs',
      'network app/web -> app/api',
    ]);
    // Only the declared port policy allows; 9001 (admin) is not a move.
    const e = ag.graph.getEdgeAttributes('app/web', 'app/api');
    expect(e).toEqual({ kind: 'network', ports: [{ protocol: 'TCP', port: 9000, name: 'api' }], undeclaredPorts: false });
    // logs declares 2020 and allows every port from api: the move is to what it serves.
    expect(ag.graph.getEdgeAttributes('app/api', 'app/logs')).toMatchObject({ ports: [{ protocol: 'TCP', port: 2020 }] });
    const entry = ag.graph.getEdgeAttributes(INTERNET, 'app/web');
    expect(entry.kind === 'entry' && entry.exposures.map((x) => [x.via, x.port])).toEqual([['Service app/web (LoadBalancer)', 8080]]);
  });

  it('draws no entry edge when the exposed port does not admit outside addresses', () => {
    const c = chain();
    const { list } = edges({ ...c, policies: c.policies.filter((p) => p.name !== 'web-public') });
    expect(list.some((l) => l.startsWith('entry'))).toBe(false);
  });

  it('reads Ingress backends, hostPort and hostNetwork as exposure', () => {
    const c = chain();
    const viaIngress = edges({
      ...c,
      services: [{ namespace: 'app', name: 'web', type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80, name: 'http', targetPort: 8080, protocol: 'TCP' }] }],
      ingresses: [{ namespace: 'app', name: 'web', backends: [{ service: 'web', port: 'http' }] }],
    });
    expect(viaIngress.list).toContain('entry internet -> app/web');
    const none = edges({ ...c, services: [] });
    expect(none.list.some((l) => l.startsWith('entry'))).toBe(false);
    const hostPort = edges({ ...c, services: [], pods: c.pods.map((p) => (p.name === 'web' ? { ...p, ports: [{ ...tcp(8080), hostPort: 80 }] } : p)) });
    expect(hostPort.list).toContain('entry internet -> app/web');
    // hostNetwork: outside NetworkPolicy, exposed whatever the policies say, and it is its node.
    const hn = edges({ ...c, services: [], pods: c.pods.map((p) => (p.name === 'db' ? { ...p, hostNetwork: true } : p)) });
    expect(hn.list).toContain('entry internet -> app/db');
    expect(hn.list).toContain('escalation app/db -> node:n1');
    expect(hn.list).not.toContain('network app/api -> app/db');
  });

  it('takes a workload without declared ports to serve what policy allows, and flags it', () => {
    const c = chain();
    const { ag } = edges({ ...c, pods: c.pods.map((p) => (p.name === 'logs' ? { ...p, ports: [] } : p)) });
    expect(ag.graph.getEdgeAttributes('app/api', 'app/logs')).toMatchObject({ undeclaredPorts: true, ports: [{ protocol: 'TCP', port: 1, endPort: 65535 }, { protocol: 'UDP' }, { protocol: 'SCTP' }] });
  });

  it('draws escalation for unknown placement only with assumeColocation (or a DaemonSet)', () => {
    const c = chain();
    const unplaced = { ...c, pods: c.pods.map(({ node: _n, ...p }) => p as Pod) };
    expect(edges(unplaced).list.filter((l) => l.startsWith('escalation'))).toEqual([]);
    expect(edges(unplaced).ag.unplacedEscapes).toEqual(['app/logs']);
    const assumed = edges(unplaced, { assumeColocation: true }).list;
    expect(assumed).toContain(`escalation app/logs -> ${ANY_NODE}`);
    expect(assumed).toContain(`escalation ${ANY_NODE} -> app/db`);
    const ds = {
      ...unplaced,
      workloads: [{ kind: 'DaemonSet', namespace: 'app', name: 'logs', labels: {} }],
      pods: unplaced.pods.map((p) => (p.name === 'logs' ? { ...p, fromTemplate: true, owner: { ...p.owner, kind: 'DaemonSet' } } : p)),
    };
    expect(edges(ds).list).toContain(`escalation ${ANY_NODE} -> app/db`);
  });
});
