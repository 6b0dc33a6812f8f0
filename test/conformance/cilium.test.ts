/**
 * Conformance cases of our own for CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
 * (cilium/*.yaml), each naming the sentence of Cilium's documentation it encodes, plus the
 * Cilium Star Wars demo (fixtures/cilium-starwars) with the answers its guide documents.
 *
 * A case is the base cluster (cilium/_base.yaml) plus its manifests, read through the real
 * loader (so the Cilium adapter is under test too), and probes with the expected verdict. Every
 * probe is asked of the reference evaluator, the fast engine (allowed(), reach(), possible()) and
 * explain.
 *
 *   name: what the case is about
 *   doc: "the documentation sentence" (page)
 *   options: {ciliumEnforcement: always}        # optional
 *   manifests: |                                # the policies (and any extra objects)
 *     apiVersion: cilium.io/v2
 *     ...
 *   probes:
 *     - {from: x/a, to: y/a, port: 80, protocol: TCP, expect: denied}   # from/to: ns/pod or an address
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as yaml from 'js-yaml';
import { compile, explainConnection, rangesContain, referenceVerdict } from '@lateral/core';
import type { Cluster, Endpoint, EvalOptions, Protocol, Verdict } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';

const DIR = fileURLToPath(new URL('./cilium/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const BASE = readFileSync(`${DIR}_base.yaml`, 'utf8');

interface Probe {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  expect: Verdict;
  /** Expected explain text (a substring of the side that decides, or of the notes). */
  explain?: string;
}

interface Case {
  name: string;
  doc: string;
  options?: Partial<EvalOptions>;
  /** Read the base cluster (default true). */
  base?: boolean;
  /** Fixture files (relative to fixtures/) to load as well. */
  fixtures?: string[];
  manifests?: string;
  probes: Probe[];
}

function load(c: Case, file: string): Cluster {
  const texts: [string, string][] = [];
  if (c.base !== false) texts.push([BASE, '_base.yaml']);
  for (const f of c.fixtures ?? []) texts.push([readFileSync(`${FIXTURES}${f}`, 'utf8'), f]);
  if (c.manifests) texts.push([c.manifests, file]);
  return clusterFromObjects(texts.flatMap(([t, f]) => parseManifests(t, f))).cluster;
}

function endpoint(cluster: Cluster, name: string): Endpoint {
  if (!name.includes('/')) return { kind: 'ip', ip: name };
  const [ns, pod] = name.split('/');
  const found = cluster.pods.find((p) => p.namespace === ns && p.name === pod);
  if (!found) throw new Error(`no pod ${name} in the case's cluster`);
  return { kind: 'pod', pod: found };
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && !f.startsWith('_')).sort();

describe('Cilium conformance cases', () => {
  it('has cases', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    const c = yaml.load(readFileSync(`${DIR}${file}`, 'utf8')) as Case;
    describe(`${file}: ${c.name}`, () => {
      it(`encodes: ${c.doc.slice(0, 140)}`, () => {
        expect(c.doc.length).toBeGreaterThan(10);
        const cluster = load(c, file);
        const options: EvalOptions = { ipBlockPods: 'match', cni: 'cilium', ...c.options };
        const compiled = compile(cluster, options);
        const reach = compiled.reach();
        const possible = compiled.possible?.() ?? reach;
        for (const p of c.probes) {
          const src = endpoint(cluster, p.from);
          const dst = endpoint(cluster, p.to);
          const at = `${p.from} -> ${p.to} ${p.protocol} ${p.port}`;
          expect(referenceVerdict(cluster, src, dst, p.port, p.protocol, options), `reference: ${at}`).toBe(p.expect);
          expect(compiled.allowed(src, dst, p.port, p.protocol), `engine allowed(): ${at}`).toBe(p.expect === 'allowed');
          const s = compiled.nodeOf(src);
          const d = compiled.nodeOf(dst);
          if (s !== d || src.kind !== 'pod' || dst.kind !== 'pod' || src.pod !== dst.pod) {
            if (!(src.kind === 'ip' && dst.kind === 'ip')) {
              expect(rangesContain(reach.ports(s, d)[p.protocol], p.port), `engine reach(): ${at}`).toBe(p.expect === 'allowed');
              expect(rangesContain(possible.ports(s, d)[p.protocol], p.port), `engine possible(): ${at}`).toBe(p.expect !== 'denied');
            }
          }
          const x = explainConnection(cluster, src, dst, p.port, p.protocol, options);
          expect(x.verdict, `explain: ${at}`).toBe(p.expect);
          if (p.explain) {
            const text = [x.egress.reason, x.ingress.reason, x.unknownReason ?? '', ...(x.notes ?? [])].join('\n');
            expect(text, `explain text: ${at}`).toContain(p.explain);
          }
        }
      });
    });
  }
});
