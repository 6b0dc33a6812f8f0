/**
 * `generate` held to a least-privilege answer written by hand (fixtures/ledger/flows/
 * least-privilege.txt) on captures shaped like real Hubble and Inspektor Gadget output:
 * replies, duplicates, DROPPED verdicts at either end, Service-port dials on both sides,
 * replica-to-replica traffic, kubelet probes, a workload seen only as a client and one only as
 * a server. Allowed or not is asked of core's reference evaluator, pair by pair — not of the
 * generator or its verification.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PER_POD_LABELS, referenceAllowed, type Cluster, type Endpoint, type NetworkPolicy, type Protocol } from '@lateral/core';
import { readFlows, type FlowEdge, type FlowSet } from '@lateral/flows';
import { generatePolicies, policiesYaml, RELEASE_LABELS, verifyPolicies, type Generated } from '@lateral/generator';
import { clusterFromObjects, loadCluster, parseManifests } from '@lateral/k8s';
import { beforeAll, describe, expect, it } from 'vitest';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/ledger/${p}`, import.meta.url));

interface Expected {
  allow: Set<string>;
  dns: Set<string>;
  nodeLocal: string[];
  dropped: string[];
  unresolved: string[];
}

/** The hand-written answer, line by line (`# ...` comments dropped). */
function expected(): Expected {
  const e: Expected = { allow: new Set(), dns: new Set(), nodeLocal: [], dropped: [], unresolved: [] };
  for (const raw of readFileSync(fixture('flows/least-privilege.txt'), 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [kind, ...f] = line.split(/\s+/);
    if (kind === 'allow') e.allow.add(`${f[0]} -> ${f[1]} ${f[2]}/${f[3]}`);
    else if (kind === 'dns') e.dns.add(f[0]!);
    else if (kind === 'node-local') e.nodeLocal.push(`${f[0]} -> ${f[1]} ${f[2]}/${f[3]}`);
    else if (kind === 'dropped') e.dropped.push(`${f[0]} -> ${f[1]} ${f[2]}/${f[3]}`);
    else if (kind === 'unresolved') e.unresolved.push(`${f[0]} -> ${f[2]} ${f[3]}/${f[4]}`);
    else throw new Error(`least-privilege.txt: unknown line ${raw}`);
  }
  return e;
}

const OUTSIDE = ['203.0.113.50', '198.51.100.10', '192.0.2.25', '203.0.113.99'];
const PORTS: [Protocol, number][] = [
  ...[22, 53, 80, 443, 587, 5432, 7000, 8000, 8080, 8081, 9000, 9090, 9187].map((p): [Protocol, number] => ['TCP', p]),
  ['UDP', 53],
  ['UDP', 5432],
];

/** Every connection between the parties that the policies allow and the answer does not, and the reverse. */
function disagreements(cluster: Cluster, generated: readonly NetworkPolicy[], want: Expected): string[] {
  const after: Cluster = { ...cluster, policies: [...cluster.policies, ...generated] };
  const isolatedNs = new Set(['ledger', 'monitoring']);
  const parties: { label: string; end: Endpoint; subject: boolean; podName?: string }[] = [
    ...cluster.pods.map((pod) => ({ label: `${pod.owner.namespace}/${pod.owner.name}`, end: { kind: 'pod', pod } as Endpoint, subject: isolatedNs.has(pod.namespace), podName: `${pod.namespace}/${pod.name}` })),
    ...OUTSIDE.map((ip) => ({ label: ip, end: { kind: 'ip', ip } as Endpoint, subject: false })),
  ];
  const out: string[] = [];
  for (const s of parties) {
    for (const d of parties) {
      if (!s.subject && !d.subject) continue; // no generated policy can apply to either end
      if (s.podName !== undefined && s.podName === d.podName) continue; // a pod to itself
      for (const [protocol, port] of PORTS) {
        const key = `${s.label} -> ${d.label} ${protocol}/${port}`;
        const dns = want.dns.has(s.label) && d.label === 'kube-system/coredns' && port === 53;
        const should = want.allow.has(key) || dns;
        const is = referenceAllowed(after, s.end, d.end, port, protocol);
        if (is !== should) out.push(`${is ? 'ALLOWED' : 'DENIED'} ${s.podName ?? s.label} -> ${d.podName ?? d.label} ${protocol}/${port}`);
      }
    }
  }
  return out;
}

const id = (e: FlowEdge['src']) => (e.kind === 'pod' ? e.workload : e.ip);

describe('fixtures/ledger: generated policies against the least-privilege answer written by hand', () => {
  let cluster: Cluster;
  const want = expected();
  beforeAll(async () => {
    cluster = (await loadCluster([fixture('')])).cluster;
  });

  for (const capture of ['hubble.jsonl', 'gadget.jsonl', 'both']) {
    describe(capture, () => {
      let flows: FlowSet;
      let g: Generated;
      let reread: readonly NetworkPolicy[];
      beforeAll(async () => {
        const files = capture === 'both' ? ['hubble.jsonl', 'gadget.jsonl'] : [capture];
        flows = await readFlows(files.map((f) => fixture(`flows/${f}`)), cluster);
        g = generatePolicies(cluster, flows);
        // What a user applies: the YAML, read back as any manifest.
        reread = clusterFromObjects(parseManifests(policiesYaml(g.policies), '<generated>')).cluster.policies;
      });

      it('allows exactly the hand-written connections (plus DNS), pair by pair, by the reference evaluator', () => {
        expect(disagreements(cluster, reread, want)).toEqual([]);
      });

      it('verifies: recall 100 %, over-permission 0 beyond DNS', () => {
        const v = verifyPolicies(cluster, reread, flows, { aggregates: g.aggregates, dns: g.dns ?? false });
        expect(v.flows.denied).toEqual([]);
        expect(v.flows.share).toBe(1);
        expect(v.overPermission).toEqual({ count: 0, connections: [] });
        expect(v.ok).toBe(true);
      });

      it('selects on stable labels only', () => {
        expect(g.warnings).toEqual([]);
        for (const p of reread) {
          const selectors = [p.podSelector, ...(p.ingress ?? []).flatMap((r) => r.from ?? []).map((x) => x.podSelector), ...(p.egress ?? []).flatMap((r) => r.to ?? []).map((x) => x.podSelector)];
          for (const s of selectors) {
            for (const k of Object.keys(s?.matchLabels ?? {})) expect(PER_POD_LABELS.has(k) || RELEASE_LABELS.has(k), `${p.name} selects on ${k}`).toBe(false);
          }
        }
      });

      it('isolates every workload of the capture both ways, the client-only and the server-only ones too', () => {
        const workloads = ['ledger/api', 'ledger/postgres', 'ledger/reports', 'ledger/web', 'ledger/worker', 'monitoring/prometheus'];
        expect(g.isolated).toEqual({ ingress: workloads, egress: workloads });
        const names = g.policies.map((p) => `${p.policy.namespace}/${p.policy.name}`);
        expect(names).toContain('ledger/lateral-worker-ingress'); // seen only as a client
        expect(names).toContain('ledger/lateral-reports-egress'); // seen only as a server
        // prometheus is isolated for ingress already, with nothing observed to add.
        expect(names).not.toContain('monitoring/lateral-prometheus-ingress');
      });

      it('lists the node-local probes, the dropped connections and the Service it cannot resolve, without rules for them', () => {
        const nodeLocal = g.nodeLocal.map((n) => `${n.address} -> ${n.pod} ${n.protocol}/${n.port}`);
        const byCapture = {
          'hubble.jsonl': want.nodeLocal.filter((n) => ['10.0.0.11 -> ledger/api TCP/9000', '10.0.0.12 -> ledger/reports TCP/7000'].includes(n)),
          'gadget.jsonl': want.nodeLocal.filter((n) => n !== '10.0.0.12 -> ledger/reports TCP/7000'),
          both: want.nodeLocal,
        }[capture]!;
        expect(nodeLocal.sort()).toEqual([...byCapture].sort());
        const dropped = g.dropped.map((d) => `${d.from} -> ${d.to} ${d.protocol}/${d.port}`);
        expect(dropped.sort()).toEqual(capture === 'gadget.jsonl' ? [] : [...want.dropped].sort());
        if (capture !== 'gadget.jsonl') {
          expect(g.dropped.find((d) => d.to === 'monitoring/prometheus')!.deniedBy).toContain('monitoring/default-deny-ingress');
        }
        expect(flows.unresolved.map((u) => u.reason)).toEqual(['service ledger/legacy-billing has no selector']);
        // Nothing in any rule names a node address.
        expect(policiesYaml(g.policies)).not.toMatch(/10\.0\.0\.1[12]|10\.244\.2\.1\//);
      });

      it('reads a Service dial on both sides as one connection to the pod port', () => {
        const api = flows.edges.filter((e) => id(e.src) === 'ledger/web' && id(e.dst) === 'ledger/api').map((e) => `${e.protocol}/${e.port}`);
        expect(api).toEqual(['TCP/9000']);
      });
    });
  }

  it('gives Hubble and Gadget captures of the same traffic the same policies', async () => {
    const yamlOf = async (f: string) => {
      const flows = await readFlows([fixture(`flows/${f}`)], cluster);
      // Rules only: the comments name each capture's own flow counts and times.
      return policiesYaml(generatePolicies(cluster, flows).policies).replace(/^\s*#.*\n/gm, '');
    };
    expect(await yamlOf('gadget.jsonl')).toBe(await yamlOf('hubble.jsonl'));
  });
});

describe('verification cannot be fooled by a misread capture', () => {
  let cluster: Cluster;
  let flows: FlowSet;
  beforeAll(async () => {
    cluster = (await loadCluster([fixture('')])).cluster;
    flows = await readFlows([fixture('flows/hubble.jsonl')], cluster);
  });

  it('fails when the generator worked from Service ports and lost the replica traffic', () => {
    // What a reader that took Service ports for pod ports and one pod per workload would have
    // handed the generator: web -> api on 80, postgres -> postgres "to itself".
    const misread: FlowSet = {
      ...flows,
      edges: flows.edges.map((e) => {
        if (id(e.dst) === 'ledger/api' && e.port === 9000) return { ...e, port: 80 };
        if (id(e.src) === 'ledger/postgres' && id(e.dst) === 'ledger/postgres') return { ...e, samePod: true as const };
        return e;
      }),
    };
    const g = generatePolicies(cluster, misread);
    const policies = g.policies.map((p) => p.policy);
    // Verified on the capture as recorded, the misreading shows.
    const v = verifyPolicies(cluster, policies, flows, { dns: g.dns ?? false });
    expect(v.ok).toBe(false);
    expect(v.flows.share).toBeLessThan(1);
    expect(v.flows.denied.map((d) => `${d.from} -> ${d.to} ${d.protocol}/${d.port}`)).toEqual([
      'ledger/postgres-1 -> ledger/postgres-0 TCP/5432',
      // Dialled through the Service (seen at the client): a pod of api, on its target port.
      'ledger/web-5d8c7b9f6-h4x2k -> ledger/api (via service ledger/api) TCP/9000',
      // The same connection seen at api.
      'ledger/web-5d8c7b9f6-h4x2k -> ledger/api-6f9d8c7b5-m2q8z TCP/9000',
      'ledger/web-5d8c7b9f6-r7n3q -> ledger/api (via service ledger/api) TCP/9000',
      'ledger/worker-7c6b5d4f3-p9w2t -> ledger/api (via service ledger/api) TCP/9000',
    ]);
    // ...and port 80 on api, which no pod ever saw, is over-permission.
    expect(v.overPermission.connections.map((c) => `${c.from} -> ${c.to} ${c.text}`)).toEqual(['ledger/web -> ledger/api TCP 80', 'ledger/worker -> ledger/api TCP 80']);
    // Checked against the misread edges themselves, it would have passed: that is the trap.
    expect(verifyPolicies(cluster, policies, misread.edges, { dns: g.dns ?? false }).flows.share).toBe(1);
  });

  it('counts over-permission per workload pair and port, and fails past --max-over', () => {
    const g = generatePolicies(cluster, flows);
    const tooBroad: NetworkPolicy = {
      namespace: 'ledger',
      name: 'reports-from-namespace',
      podSelector: { matchLabels: { app: 'reports' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 7000 }] }],
    };
    const policies = [...g.policies.map((p) => p.policy), tooBroad];
    const v = verifyPolicies(cluster, policies, flows, { dns: g.dns ?? false });
    expect(v.flows.share).toBe(1);
    // Every other pod of ledger may now reach reports on 7000 (its egress may still deny it:
    // the rule grants it all the same). reports has one pod: to itself is no connection.
    expect(v.overPermission.connections.map((c) => `${c.from} -> ${c.to} ${c.text}`)).toEqual([
      'ledger/api -> ledger/reports TCP 7000',
      'ledger/postgres -> ledger/reports TCP 7000',
      'ledger/worker -> ledger/reports TCP 7000',
    ]);
    expect(v.overPermission.count).toBe(3);
    expect(v.ok).toBe(false);
    expect(verifyPolicies(cluster, policies, flows, { dns: g.dns ?? false, maxOver: 3 }).ok).toBe(true);
    expect(verifyPolicies(cluster, policies, flows, { dns: g.dns ?? false, maxOver: 2 }).ok).toBe(false);
  });
});
