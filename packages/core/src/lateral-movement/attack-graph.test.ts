import { mulberry32 } from '../testing/prng.js';
import { describe, expect, it } from 'vitest';
import { ANY_NODE, INTERNET, buildAttackGraph } from './attack-graph.js';
import { kShortestAttackPaths, countAttackPaths, describePath } from './attack-paths.js';
import { blastRadius } from './blast-radius.js';
import { chokePoints } from './choke-points.js';
import { proposeConnectionRemoval } from './connection-removal.js';
import { compile } from '../engine/compile.js';
import { crownJewels, matchTargets, parseTargetSelector } from './crown-jewels.js';
import { NO_SECURITY_FLAGS, type Cluster, type ContainerPort, type NetworkPolicy, type Pod, type PodSecurity } from '../model/model.js';
import { riskReport } from './risk.js';

function pod(ns: string, name: string, labels: Record<string, string>, ports: ContainerPort[], extra: Partial<Pod> = {}): Pod {
  return {
    namespace: ns,
    name,
    labels,
    ips: [],
    ports,
    owner: { kind: 'Pod', namespace: ns, name },
    hostNetwork: false,
    security: NO_SECURITY_FLAGS,
    replicas: 1,
    fromTemplate: false,
    ...extra,
  };
}
const tcp = (containerPort: number, name?: string): ContainerPort => ({ containerPort, protocol: 'TCP', ...(name ? { name } : {}) });
const ns = (name: string) => ({ name, labels: { 'kubernetes.io/metadata.name': name } });
const denyAll = (namespace: string): NetworkPolicy => ({ namespace, name: 'deny', podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
const allow = (namespace: string, name: string, to: string, from: string, port?: number | string): NetworkPolicy[] => [
  { namespace, name: `${name}-in`, podSelector: { matchLabels: { app: to } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: from } } }], ...(port !== undefined ? { ports: [{ port }] } : {}) }] },
  { namespace, name: `${name}-out`, podSelector: { matchLabels: { app: from } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: to } } }], ...(port !== undefined ? { ports: [{ port }] } : {}) }] },
];

/**
 * web (LoadBalancer, admits the internet on 8080) -> api:9000 -> db:5432; api also serves 9001,
 * which policy does not allow; logs (privileged, on node n1) is reached by api and shares n1 with db.
 */
function chain(extra: Partial<Cluster> = {}): Cluster {
  const sec: PodSecurity = { ...NO_SECURITY_FLAGS, privileged: true };
  return {
    namespaces: [ns('app')],
    pods: [
      pod('app', 'web', { app: 'web' }, [tcp(8080, 'http')], { node: 'n2' }),
      pod('app', 'api', { app: 'api' }, [tcp(9000, 'api'), tcp(9001, 'admin')], { node: 'n2' }),
      pod('app', 'db', { app: 'db', tier: 'data' }, [tcp(5432, 'postgres')], { node: 'n1' }),
      pod('app', 'logs', { app: 'logs' }, [tcp(2020)], { node: 'n1', security: sec }),
    ],
    workloads: [],
    services: [{ namespace: 'app', name: 'web', type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] }],
    policies: [
      denyAll('app'),
      { namespace: 'app', name: 'web-public', podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8080 }] }] },
      ...allow('app', 'web-api', 'api', 'web', 9000),
      ...allow('app', 'api-db', 'db', 'api', 5432),
      ...allow('app', 'api-logs', 'logs', 'api'),
    ],
    ...extra,
  };
}

const edges = (c: Cluster, options = {}) => {
  const ag = buildAttackGraph(compile(c), options);
  const out: string[] = [];
  ag.graph.forEachEdge((_k, a, u, v) => out.push(`${a.kind} ${u} -> ${v}`));
  return { ag, list: out.sort() };
};

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

describe('crown jewels', () => {
  const { ag } = edges(chain());
  it('matches label selectors, ids and globs', () => {
    expect(matchTargets(ag, 'tier in (data)')).toEqual(['app/db']);
    expect(matchTargets(ag, 'app=db,tier=data')).toEqual(['app/db']);
    expect(matchTargets(ag, 'app!=db')).toEqual(['app/api', 'app/logs', 'app/web']);
    expect(matchTargets(ag, 'app/api')).toEqual(['app/api']);
    expect(matchTargets(ag, '*/l*')).toEqual(['app/logs']);
    expect(matchTargets(ag, 'we?')).toEqual(['app/web']);
    expect(matchTargets(ag, 'app=nothing')).toEqual([]);
    expect(() => parseTargetSelector('app in ()')).toThrow(/cannot read/);
  });
  it('adds workloads annotated lateral.dev/crown-jewel', () => {
    const c = chain();
    const { ag: a2 } = edges({ ...c, pods: c.pods.map((p) => (p.name === 'api' ? { ...p, annotations: { 'lateral.dev/crown-jewel': 'true' } } : p)) });
    expect(crownJewels(a2, ['app=db'])).toEqual({ jewels: ['app/api', 'app/db'], unmatched: [] });
  });
});

describe('blast radius and paths', () => {
  const { ag } = edges(chain());
  it('reaches by hop count with the ports of each first reach', () => {
    const b = blastRadius(ag, INTERNET, { crownJewels: ['app/db'] });
    expect(b.reached.map((r) => `${r.hops} ${r.id}`)).toEqual(['1 app/web', '2 app/api', '3 app/db', '3 app/logs', '4 node:n1']);
    expect(b.reached.find((r) => r.id === 'app/db')!.via).toEqual([{ from: 'app/api', kind: 'network', category: 'network', ports: [{ protocol: 'TCP', port: 5432, name: 'postgres' }] }]);
    expect(b.reached.find((r) => r.id === 'app/db')!).toMatchObject({ viaCount: 1, ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(b.metrics).toMatchObject({ workloads: 4, reached: 4, reachedPercent: 100, crownJewelsReached: 1, minHopsToCrownJewel: 3 });
    // internet>web>api>db, and internet>web>api>logs>n1>db.
    expect(b.metrics.paths).toEqual({ count: 2, capped: false, hopLimit: 6 });
    expect(blastRadius(ag, 'app/api', { maxHops: 1 }).reached.map((r) => r.id)).toEqual(['app/db', 'app/logs']);
    expect(blastRadius(ag, 'app/db').reached).toEqual([]);
  });

  it('lists the k shortest loopless paths with rules', () => {
    const paths = kShortestAttackPaths(ag, INTERNET, new Set(['app/db']), 5);
    expect(paths).toEqual([
      [INTERNET, 'app/web', 'app/api', 'app/db'],
      [INTERNET, 'app/web', 'app/api', 'app/logs', 'node:n1', 'app/db'],
    ]);
    const hop = describePath(ag, paths[0]!).hops[2]!;
    expect(hop.because).toEqual(['egress rule 0 of app/api-db-out', 'ingress rule 0 of app/api-db-in']);
    expect(countAttackPaths(ag, INTERNET, new Set(['app/db']), 3).count).toBe(1);
  });
});

/** Deterministic pseudo-random numbers for the brute-force comparisons. */
/** A cluster whose attack graph is a given random digraph: every allowed pair is one NetworkPolicy pair. */
function randomCluster(seed: number): { cluster: Cluster; jewel: string } {
  const r = mulberry32(seed);
  const n = 6;
  const names = Array.from({ length: n }, (_, i) => `w${i}`);
  const pods = names.map((w) => pod('x', w, { app: w }, [tcp(80)]));
  const policies: NetworkPolicy[] = [denyAll('x')];
  names.forEach((a, i) =>
    names.forEach((b, j) => {
      if (i !== j && r() < 0.35) policies.push(...allow('x', `${a}-${b}`, b, a, 80));
    }),
  );
  policies.push({ namespace: 'x', name: 'public', podSelector: { matchLabels: { app: 'w0' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
  const services = [{ namespace: 'x', name: 'w0', type: 'LoadBalancer' as const, selector: { app: 'w0' }, ports: [{ port: 80, protocol: 'TCP' as const }] }];
  return { cluster: { namespaces: [ns('x')], pods, workloads: [], services, policies }, jewel: `x/w${n - 1}` };
}

function connected(edgesList: [string, string][], from: string, to: string): boolean {
  const seen = new Set([from]);
  const q = [from];
  while (q.length) {
    const u = q.shift()!;
    for (const [a, b] of edgesList) if (a === u && !seen.has(b)) (seen.add(b), q.push(b));
  }
  return seen.has(to);
}

describe('paths and blast radius on random graphs', () => {
  /** Every loopless path from `from` that ends at its first target, by brute force. */
  const allPaths = (all: [string, string][], from: string, targets: Set<string>): string[][] => {
    const out: string[][] = [];
    const walk = (path: string[]) => {
      const u = path[path.length - 1]!;
      if (path.length > 1 && targets.has(u)) return void out.push(path);
      for (const [a, v] of all) if (a === u && !path.includes(v)) walk([...path, v]);
    };
    walk([from]);
    return out;
  };

  it('k shortest paths are the shortest loopless paths; hop counts and first-reach ports match brute force', () => {
    let checked = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { cluster, jewel } = randomCluster(seed);
      const { ag } = edges(cluster);
      const all: [string, string][] = [];
      ag.graph.forEachEdge((_k, _a, u, v) => all.push([u, v]));
      const targets = new Set([jewel]);
      const brute = allPaths(all, INTERNET, targets);
      const k = 4;
      const found = kShortestAttackPaths(ag, INTERNET, targets, k);
      const lengths = brute.map((p) => p.length).sort((x, y) => x - y).slice(0, k);
      expect(found.map((p) => p.length)).toEqual(lengths);
      expect(new Set(found.map((p) => p.join(' '))).size).toBe(found.length);
      for (const p of found) expect(brute.map((q) => q.join(' '))).toContain(p.join(' '));
      if (found.length > 1) checked++;

      // Hop counts are BFS distances; via and ports come from the edges one hop closer.
      const b = blastRadius(ag, INTERNET, { crownJewels: [jewel] });
      const dist = new Map<string, number>([[INTERNET, 0]]);
      for (let frontier = [INTERNET], d = 1; frontier.length; d++) {
        const next: string[] = [];
        for (const u of frontier) for (const [a, v] of all) if (a === u && !dist.has(v)) (dist.set(v, d), next.push(v));
        frontier = next;
      }
      expect(b.reached.map((r) => [r.id, r.hops]).sort()).toEqual([...dist].filter(([id]) => id !== INTERNET).sort());
      for (const r of b.reached) {
        const firsts = all.filter(([a, v]) => v === r.id && dist.get(a) === r.hops - 1).map(([a]) => a).sort();
        expect(r.viaCount).toBe(firsts.length);
        expect(r.via.map((x) => x.from)).toEqual(firsts.slice(0, 5));
        const keys = new Set<string>();
        for (const a of firsts) {
          const e = ag.graph.getEdgeAttributes(a, r.id);
          const ps = e.kind === 'network' ? e.ports : e.kind === 'entry' ? e.exposures : [];
          for (const p of ps) keys.add(`${p.protocol}/${p.port}/${'endPort' in p ? (p.endPort ?? '') : ''}`);
        }
        expect(new Set(r.ports.map((p) => `${p.protocol}/${p.port}/${p.endPort ?? ''}`))).toEqual(keys);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });
});

describe('choke points', () => {
  it('finds a minimum cut, checked by brute force over edge subsets on random graphs', () => {
    let nonTrivial = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { cluster, jewel } = randomCluster(seed);
      const { ag } = edges(cluster);
      const all: [string, string][] = [];
      ag.graph.forEachEdge((_k, _a, u, v) => all.push([u, v]));
      const cuttable = all.filter(([u]) => u !== INTERNET);
      const cp = chokePoints(ag, [INTERNET], [jewel]);
      expect(cp.connected).toBe(connected(all, INTERNET, jewel));
      if (!cp.connected) continue;
      nonTrivial++;
      // Removing the cut disconnects...
      const rest = all.filter(([u, v]) => !cp.cut.some((c) => c.from === u && c.to === v));
      expect(connected(rest, INTERNET, jewel)).toBe(false);
      // ...and no smaller set of cuttable edges does.
      let best = Infinity;
      for (let mask = 0; mask < 1 << cuttable.length && cuttable.length <= 16; mask++) {
        let bits = 0;
        for (let m = mask; m; m &= m - 1) bits++;
        if (bits >= best) continue;
        const kept = all.filter((e) => { const i = cuttable.indexOf(e); return i < 0 || !(mask & (1 << i)); });
        if (!connected(kept, INTERNET, jewel)) best = bits;
      }
      if (cuttable.length <= 16) expect(cp.cut.length).toBe(best);
    }
    expect(nonTrivial).toBeGreaterThan(10);
  });

  it('reports an uncuttable path (only entry and escalation moves)', () => {
    const c = chain();
    const { ag } = edges({ ...c, pods: c.pods.map((p) => (p.name === 'web' ? { ...p, node: 'n1', security: { ...NO_SECURITY_FLAGS, hostPath: true } } : p)) });
    const cp = chokePoints(ag, [INTERNET], ['app/db']);
    expect(cp).toMatchObject({ connected: true, cuttable: false, cut: [] });
  });
});

describe('closing a connection', () => {
  it('proposes a verified policy change and says what else it blocks', () => {
    const c = chain();
    // A second client of db on the same rule: closing api -> db must not close it, and a shared peer would.
    const cluster: Cluster = {
      ...c,
      pods: [...c.pods, pod('app', 'batch', { app: 'batch', role: 'client' }, [])],
      policies: [
        ...c.policies.filter((p) => !p.name.startsWith('api-db')),
        { namespace: 'app', name: 'db-in', podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'batch'] }] } }], ports: [{ port: 5432 }] }] },
        { namespace: 'app', name: 'db-out', podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'batch'] }] }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5432 }] }] },
      ],
    };
    const ag = buildAttackGraph(compile(cluster));
    expect(ag.graph.hasEdge('app/batch', 'app/db')).toBe(true);
    const rm = proposeConnectionRemoval(ag, 'app/api', 'app/db');
    expect(rm.verified).toBe(true);
    expect(rm.alsoBlocks).toEqual([]);
    expect(rm.policies).toHaveLength(1);
    expect(rm.policies[0]!.name).toBe('db-in');
    // Applying it: api no longer reaches db, batch still does.
    const after = buildAttackGraph(compile({ ...cluster, policies: cluster.policies.map((p) => (p.name === 'db-in' ? rm.policies[0]! : p)) }));
    expect(after.graph.hasEdge('app/api', 'app/db')).toBe(false);
    expect(after.graph.hasEdge('app/batch', 'app/db')).toBe(true);
  });

  it('never writes a self-contradictory selector: a peer that selects only the source goes, and a rule left without peers', () => {
    const c = chain();
    // api-db-in admits `app: api` only: `app: api` with `app NotIn [api]` would select nothing
    // and read as a mistake, and a rule with no peer left would admit everyone.
    const ag = buildAttackGraph(compile(c));
    const rm = proposeConnectionRemoval(ag, 'app/api', 'app/db');
    expect(rm.verified).toBe(true);
    expect(rm.changes).toEqual([
      'app/api-db-in ingress rule 0 peer 0: selects only pods labelled app=api, as app/api\'s are: removed',
      'app/api-db-in ingress rule 0: no peer left, removed',
    ]);
    expect(rm.policies).toEqual([{ ...c.policies.find((p) => p.name === 'api-db-in')!, ingress: [] }]);
    expect(JSON.stringify(rm.policies)).not.toContain('NotIn');
  });
});

describe('risk', () => {
  it('finds the entry point path, the escape, the choke point and the unprotected workload', () => {
    const c = chain();
    const cluster = { ...c, pods: [...c.pods, pod('other', 'open', { app: 'open' }, [tcp(80)])], namespaces: [...c.namespaces, ns('other')] };
    const ag = buildAttackGraph(compile(cluster));
    const r = riskReport(ag, { crownJewels: ['app/db'] });
    expect(r.entryPoints.map((e) => [e.id, e.pathToCrownJewel?.nodes])).toEqual([['app/web', [INTERNET, 'app/web', 'app/api', 'app/db']]]);
    expect(r.escapes.map((e) => [e.id, e.reasons, e.reachableFromInternet])).toEqual([['app/logs', ['privileged'], true]]);
    // Both paths go through web -> api: one connection to close.
    expect(r.chokePoints.cut).toEqual([{ from: 'app/web', to: 'app/api' }]);
    expect(r.chokePoints.removals[0]!.verified).toBe(true);
    expect(r.unprotected).toEqual([{ id: 'other/open', ingressIsolated: false, egressIsolated: false }]);
    expect(r.byBlastRadius[0]).toEqual({ id: 'app/web', count: 3, percent: 75 });
  });
});
