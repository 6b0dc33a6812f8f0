/**
 * Blast radius and paths run on the workload graph that buildAttackGraph records per class pair
 * (one port set per pair of policy classes, shared by every workload pair it covers). Here they
 * are checked against the plainest model there is: a graph of pods whose network moves are asked
 * of the reference evaluator one pod pair and one declared port at a time, walked by a plain
 * breadth-first search. The random clusters put several workloads in one class and several pods
 * in one workload (and some workloads' pods in two classes), so the class-level sharing is
 * exercised, which the six-workload graphs of attack-paths.test.ts do not.
 */
import { describe, expect, it } from 'vitest';
import { buildAttackGraph, INTERNET, type AttackGraph } from './attack-graph.js';
import { distanceToTargets, kShortestAttackPaths, shortestAttackPath } from './attack-paths.js';
import { blastRadius } from './blast-radius.js';
import { compile } from '../engine/compile.js';
import { referenceAllowed } from '../reference/reference.js';
import { NO_SECURITY_FLAGS, type Cluster, type NetworkPolicy, type NetworkPolicyPeer, type Pod } from '../model/model.js';
import { denyAll, ns, pod, tcp } from '../testing/attack-clusters.js';
import { mulberry32 } from '../testing/prng.js';

const APPS = ['web', 'api', 'db', 'cache'];
const PORTS = [80, 443, 5432, 6379];

/** Workloads of 1-3 pods drawn from few labels (so classes hold several workloads), random allow rules. */
function randomCluster(seed: number): Cluster {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const namespaces = ['a', 'b'];
  const pods: Pod[] = [];
  for (let w = 0; w < 9; w++) {
    const namespace = pick(namespaces);
    const app = pick(APPS);
    const ports = PORTS.filter(() => r() < 0.6);
    const declared = (ports.length ? ports : [pick(PORTS)]).map((p) => tcp(p));
    const replicas = 1 + Math.floor(r() * 3);
    // One pod in four of a multi-pod workload carries an extra label some policies select:
    // that workload's pods fall in two classes (two endpoints, `#1` and `#2`).
    for (let i = 0; i < replicas; i++) {
      const labels: Record<string, string> = { app, ...(i > 0 && r() < 0.25 ? { canary: 'true' } : {}) };
      pods.push(
        pod(namespace, `w${w}-${i}`, labels, declared, {
          owner: { kind: 'Deployment', namespace, name: `w${w}` },
          node: pick(['n1', 'n2']),
          security: r() < 0.1 ? { ...NO_SECURITY_FLAGS, privileged: true } : NO_SECURITY_FLAGS,
        }),
      );
    }
  }
  const policies: NetworkPolicy[] = namespaces.filter(() => r() < 0.8).map(denyAll);
  const peer = (): NetworkPolicyPeer =>
    r() < 0.3
      ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': pick(namespaces) } }, podSelector: { matchLabels: { app: pick(APPS) } } }
      : r() < 0.15
        ? { podSelector: { matchLabels: { canary: 'true' } } }
        : { podSelector: { matchLabels: { app: pick(APPS) } } };
  // Most rules open one or two ports, and an ingress policy admits its two peers on different
  // ports: first reaches into one workload then carry different ports.
  const ports = () => (r() < 0.8 ? { ports: [{ port: pick(PORTS) }, ...(r() < 0.3 ? [{ port: pick(PORTS) }] : [])] } : {});
  for (let i = 0; i < 12; i++) {
    const namespace = pick(namespaces);
    if (r() < 0.6) policies.push({ namespace, name: `in-${i}`, podSelector: { matchLabels: { app: pick(APPS) } }, ingress: [{ from: [peer()], ...ports() }, { from: [peer()], ...ports() }] });
    else policies.push({ namespace, name: `out-${i}`, podSelector: { matchLabels: { app: pick(APPS) } }, policyTypes: ['Egress'], egress: [{ to: [peer()], ...ports() }] });
  }
  policies.push({ namespace: 'a', name: 'public', podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
  const services = [{ namespace: 'a', name: 'web', type: 'LoadBalancer' as const, selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' as const }] }];
  return { namespaces: namespaces.map(ns), pods, workloads: [], services, policies };
}

/**
 * The pod-level graph: pod -> pod where the reference evaluator allows some port the destination
 * declares (the move carries those ports); entry moves (with their exposed ports) and escalations
 * as the attack graph draws them (their rules are not under test here), with workloads expanded
 * to their pods.
 */
function podGraph(cluster: Cluster, ag: AttackGraph): { node: (p: number) => string; out: Map<string, Map<string, Set<string>>> } {
  const endpointOf = (p: number) => ag.index.endpoints[ag.index.podEndpoint[p]!]!.id;
  const podNode = (p: number) => `pod:${p}`;
  const out = new Map<string, Map<string, Set<string>>>();
  const add = (u: string, v: string, port?: string) => {
    let m = out.get(u);
    if (!m) out.set(u, (m = new Map()));
    let s = m.get(v);
    if (!s) m.set(v, (s = new Set()));
    if (port) s.add(port);
  };
  cluster.pods.forEach((a, i) =>
    cluster.pods.forEach((b, j) => {
      if (i === j) return;
      for (const cp of b.ports) {
        if (referenceAllowed(cluster, { kind: 'pod', pod: a }, { kind: 'pod', pod: b }, cp.containerPort, cp.protocol)) add(podNode(i), podNode(j), `${cp.protocol}/${cp.containerPort}`);
      }
    }),
  );
  const podsOf = new Map<string, string[]>();
  cluster.pods.forEach((_, i) => podsOf.set(endpointOf(i), [...(podsOf.get(endpointOf(i)) ?? []), podNode(i)]));
  const expand = (id: string) => podsOf.get(id) ?? [id];
  ag.graph.forEachEdge((_k, at, u, v) => {
    if (at.kind === 'network') return;
    for (const a of expand(u)) {
      for (const b of expand(v)) {
        add(a, b);
        if (at.kind === 'entry') for (const x of at.exposures) add(a, b, `${x.protocol}/${x.port}`);
      }
    }
  });
  return { node: (p) => endpointOf(p), out };
}

describe('blast radius and paths against a pod-level breadth-first search', () => {
  it('reach the same workloads in the same number of moves, through the same first reaches, on random clusters', () => {
    let sharedClasses = 0;
    let splitWorkloads = 0;
    let compared = 0;
    /** Reached workloads whose first reaches carry different ports: the union is not one move's. */
    let differentPorts = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const cluster = randomCluster(seed);
      const compiled = compile(cluster);
      const ag = buildAttackGraph(compiled);
      const workloadsPerClass = ag.index.nodeEndpoints.slice(0, compiled.classCount).map((l) => l.length);
      if (workloadsPerClass.some((k) => k > 1)) sharedClasses++;
      if (ag.workloads.some((id) => id.includes('#'))) splitWorkloads++;
      const { node, out } = podGraph(cluster, ag);
      const group = (x: string) => (x.startsWith('pod:') ? node(Number(x.slice(4))) : x);
      const members = new Map<string, string[]>();
      for (const x of new Set([...out.keys(), ...[...out.values()].flatMap((m) => [...m.keys()])])) members.set(group(x), [...(members.get(group(x)) ?? []), x]);

      for (const from of [INTERNET, ...ag.workloads]) {
        if (!ag.graph.hasNode(from)) continue;
        // Plain BFS over pods from every pod of the foothold.
        const dist = new Map<string, number>();
        let frontier = members.get(from) ?? [from];
        for (const x of frontier) dist.set(x, 0);
        for (let d = 1; frontier.length; d++) {
          const next: string[] = [];
          for (const u of frontier) for (const v of out.get(u)?.keys() ?? []) if (!dist.has(v)) (dist.set(v, d), next.push(v));
          frontier = next;
        }
        const hops = new Map<string, number>();
        for (const [x, d] of dist) {
          const g = group(x);
          if (g !== from) hops.set(g, Math.min(d, hops.get(g) ?? Infinity));
        }
        const b = blastRadius(ag, from);
        expect(new Map(b.reached.map((r) => [r.id, r.hops]))).toEqual(hops);
        for (const r of b.reached) {
          // First reaches: groups one move closer with a pod-level move into r's pods.
          const sources = new Map<string, Set<string>>();
          for (const [x, d] of dist) {
            const at = group(x) === from ? 0 : hops.get(group(x));
            if (group(x) === r.id || d !== r.hops - 1 || at !== r.hops - 1) continue;
            for (const [v, ports] of out.get(x) ?? []) {
              if (group(v) !== r.id) continue;
              const s = sources.get(group(x)) ?? new Set<string>();
              for (const p of ports) s.add(p);
              sources.set(group(x), s);
            }
          }
          const names = [...sources.keys()].sort();
          expect(r.viaCount).toBe(names.length);
          expect(r.via.map((x) => x.from)).toEqual(names.slice(0, 5));
          expect(new Set(r.ports.map((p) => `${p.protocol}/${p.port}`))).toEqual(new Set([...sources.values()].flatMap((s) => [...s])));
          if (new Set([...sources.values()].map((s) => [...s].sort().join())).size > 1) differentPorts++;
        }
        // Paths: the shortest one is as long as the pod-level distance, and every move of the
        // k shortest is a pod-level move between the two groups.
        for (const jewel of ag.workloads.slice(0, 3)) {
          if (jewel === from) continue;
          const p = shortestAttackPath(ag, from, new Set([jewel]));
          expect(p === undefined ? undefined : p.length - 1).toBe(hops.get(jewel));
          for (const path of kShortestAttackPaths(ag, from, new Set([jewel]), 3)) {
            for (let i = 0; i + 1 < path.length; i++) {
              const moves = (members.get(path[i]!) ?? [path[i]!]).some((x) => [...(out.get(x)?.keys() ?? [])].some((v) => group(v) === path[i + 1]));
              expect(moves).toBe(true);
            }
          }
          compared++;
        }
      }
    }
    // The clusters did exercise what this test is for.
    expect(sharedClasses).toBeGreaterThan(15);
    expect(splitWorkloads).toBeGreaterThan(10);
    expect(compared).toBeGreaterThan(300);
    expect(differentPorts).toBeGreaterThan(5);
  });

  it('stop at the hop limit, count what they reach and the paths to the crown jewels as a plain search of the moves does', () => {
    let limited = 0;
    let pathsCompared = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const ag = buildAttackGraph(compile(randomCluster(seed)));
      const out = new Map<string, string[]>();
      const into = new Map<string, string[]>();
      ag.graph.forEachEdge((_k, _a, u, v) => {
        out.set(u, [...(out.get(u) ?? []), v]);
        into.set(v, [...(into.get(v) ?? []), u]);
      });
      const kind = (id: string) => ag.graph.getNodeAttribute(id, 'kind');
      const jewels = ag.workloads.filter((_, i) => i % 3 === 1);
      // Hops to the nearest jewel, backwards from the jewels.
      const toJewel = new Map(jewels.map((j) => [j, 0]));
      for (let frontier = [...jewels], d = 1; frontier.length; d++) {
        const next: string[] = [];
        for (const v of frontier) for (const u of into.get(v) ?? []) if (!toJewel.has(u)) (toJewel.set(u, d), next.push(u));
        frontier = next;
      }
      expect(distanceToTargets(ag, jewels)).toEqual(toJewel);
      for (const from of ag.graph.nodes()) {
        const dist = new Map([[from, 0]]);
        for (let frontier = [from], d = 1; frontier.length; d++) {
          const next: string[] = [];
          for (const u of frontier) for (const v of out.get(u) ?? []) if (!dist.has(v)) (dist.set(v, d), next.push(v));
          frontier = next;
        }
        const targets = new Set(jewels.filter((j) => j !== from));
        for (const maxHops of [1, 2, undefined]) {
          const hopLimit = maxHops ?? 4;
          const b = blastRadius(ag, from, { crownJewels: jewels, ...(maxHops !== undefined ? { maxHops } : {}), pathHopLimit: hopLimit });
          const expected = [...dist].filter(([id, d]) => id !== from && d <= (maxHops ?? Infinity)).sort(([x, a], [y, c]) => a - c || (x < y ? -1 : x > y ? 1 : 0));
          expect(b.reached.map((r) => `${r.hops} ${r.id}`)).toEqual(expected.map(([id, d]) => `${d} ${id}`));
          if (expected.length < [...dist].length - 1) limited++;
          const ids = expected.map(([id]) => id);
          expect(b.metrics).toMatchObject({
            reached: ids.filter((id) => kind(id) === 'workload').length,
            nodesReached: ids.filter((id) => kind(id) === 'node').length,
            crownJewels: targets.size,
            crownJewelsReached: ids.filter((id) => targets.has(id)).length,
          });
          expect(b.crownJewelsReached).toEqual(expected.filter(([id]) => targets.has(id)).map(([id, hops]) => ({ id, hops })));
          const nearest = expected.find(([id]) => targets.has(id));
          expect(b.metrics.minHopsToCrownJewel).toBe(nearest ? nearest[1] : null);
          // Loopless paths of at most hopLimit moves ending at a jewel, one by one.
          let count = 0;
          const onPath = new Set([from]);
          const walk = (u: string, depth: number) => {
            if (depth > 0 && targets.has(u)) count++;
            if (depth === hopLimit) return;
            for (const v of out.get(u) ?? []) {
              if (onPath.has(v)) continue;
              onPath.add(v);
              walk(v, depth + 1);
              onPath.delete(v);
            }
          };
          walk(from, 0);
          const paths = b.metrics.paths;
          expect(paths.hopLimit).toBe(hopLimit);
          if (paths.capped) expect(paths.count).toBeLessThanOrEqual(count);
          else {
            expect(paths.count).toBe(count);
            if (count > 0) pathsCompared++;
          }
        }
      }
    }
    expect(limited).toBeGreaterThan(100);
    expect(pathsCompared).toBeGreaterThan(300);
  });
});
