/**
 * kubernetes-sigs/network-policy-api's conformance tests (conformance/tests/*.go), re-expressed
 * as data in network-policy-api/: each case is one upstream test, each step the policies in
 * force (upstream patches policies between subtests; a step holds the patched set) and the
 * probes upstream makes with PokeServer: [client, server, protocol, port, allow|deny]. A step's
 * namespaceLabels stand for upstream's PatchNamespace: the labels that replace a namespace's own.
 *
 * The manifests are loaded through the k8s adapter, as a user's would be, and every probe is
 * put to every evaluator: the reference, the fast engine (single connection and all pairs) and
 * explain.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { compile, explainConnection, rangesContain, referenceAllowed, type Cluster, type Endpoint, type Protocol } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'network-policy-api');
const CLUSTER_YAML = readFileSync(join(DIR, 'cluster.yaml'), 'utf8');

type Probe = [client: string, server: string, protocol: Protocol, port: number, expect: 'allow' | 'deny'];
interface Case {
  name: string;
  upstream: string;
  steps: { note: string; namespaceLabels?: Record<string, Record<string, string>>; policies: unknown[]; probes: Probe[] }[];
}

interface Manifest {
  kind?: string;
  metadata?: { name?: string; labels?: Record<string, string> };
}

/** cluster.yaml with the namespaces' labels replaced, as upstream's SetLabels + PatchNamespace does. */
function relabelled(labels: Record<string, Record<string, string>>): string {
  const docs = yaml.loadAll(CLUSTER_YAML) as Manifest[];
  for (const name of Object.keys(labels)) {
    if (!docs.some((d) => d.kind === 'Namespace' && d.metadata?.name === name)) throw new Error(`namespaceLabels: no namespace ${name} in cluster.yaml`);
  }
  return docs
    .map((d) => (d.kind === 'Namespace' && d.metadata?.name && labels[d.metadata.name] ? { ...d, metadata: { ...d.metadata, labels: labels[d.metadata.name] } } : d))
    .map((d) => yaml.dump(d))
    .join('---\n');
}

function clusterOf(step: Case['steps'][number]): Cluster {
  const base = step.namespaceLabels ? relabelled(step.namespaceLabels) : CLUSTER_YAML;
  const text = `${base}\n---\n${step.policies.map((p) => yaml.dump(p)).join('---\n')}`;
  return clusterFromObjects(parseManifests(text, 'conformance.yaml')).cluster;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'cluster.yaml').sort();

describe('network-policy-api conformance', () => {
  it('has the upstream cases', () => {
    // All 24 ConformanceTests upstream registers (22 test files; two of them register two tests each).
    expect(files.length).toBe(24);
  });

  for (const file of files) {
    const c = yaml.load(readFileSync(join(DIR, file), 'utf8')) as Case;
    it(`${file}: ${c.name}`, () => {
      let probes = 0;
      for (const step of c.steps) {
        const cluster = clusterOf(step);
        const compiled = compile(cluster);
        const reach = compiled.reach();
        const pod = (id: string): Endpoint => {
          const i = cluster.pods.findIndex((p) => `${p.namespace}/${p.name}` === id);
          if (i < 0) throw new Error(`${file}: no pod ${id}`);
          return { kind: 'pod', pod: cluster.pods[i]! };
        };
        const nodeOf = (e: Endpoint) => (e.kind === 'pod' ? compiled.podClass[cluster.pods.indexOf(e.pod)]! : -1);
        const failures: string[] = [];
        for (const [client, server, protocol, port, expected] of step.probes) {
          const src = pod(client);
          const dst = pod(server);
          const want = expected === 'allow';
          const answers = {
            reference: referenceAllowed(cluster, src, dst, port, protocol),
            allowed: compiled.allowed(src, dst, port, protocol),
            reach: rangesContain(reach.ports(nodeOf(src), nodeOf(dst))[protocol], port),
            explain: explainConnection(cluster, src, dst, port, protocol).allowed,
          };
          for (const [evaluator, got] of Object.entries(answers)) {
            if (got !== want) failures.push(`${step.note}: ${client} -> ${server} ${protocol} ${port}: upstream expects ${expected}, ${evaluator} says ${got ? 'allow' : 'deny'}`);
          }
          probes++;
        }
        expect(failures).toEqual([]);
      }
      expect(probes).toBeGreaterThan(0);
    });
  }
});
