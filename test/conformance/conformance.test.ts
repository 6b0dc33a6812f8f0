/**
 * The upstream NetworkPolicy e2e cases (and Lateral's own additions), replayed on the xyz
 * cluster against every evaluator: for each case, step and probe, every ordered pair of nodes
 * (nine pods plus the step's externals) must match the expected truth table.
 *
 * One `it` per evaluator, so that the reference's verdict stands on its own when the fast
 * engine disagrees (and the other way round).
 */
import { describe, expect, it } from 'vitest';
import { compile, rangesContain, referenceAllowed, type Endpoint, type Protocol } from '@lateral/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { clusterFromObjects } from '@lateral/k8s';
import { CASES_DIR, loadCases, type ConformanceStep } from './case-file.js';
import { differingCells, formatCells, isPodNode, isUnpoliced, type Cells } from './truth-table.js';

const cases = loadCases();

function endpointOf(step: ConformanceStep, index: number): Endpoint {
  const node = step.nodes[index]!;
  if (!isPodNode(node)) return { kind: 'ip', ip: node };
  // Pods come first in `nodes`, in cluster.pods order.
  return { kind: 'pod', pod: step.cluster.pods[index]! };
}

/**
 * An evaluator, set up once per step, answers one cell; `undefined` means it has nothing to
 * say about that cell (reach() is not asked about a pod to itself or external to external).
 */
type Answer = (src: number, dst: number, port: number, protocol: Protocol) => boolean | undefined;

const EVALUATORS: Record<string, (step: ConformanceStep) => Answer> = {
  referenceAllowed: (step) => (s, d, port, protocol) =>
    referenceAllowed(step.cluster, endpointOf(step, s), endpointOf(step, d), port, protocol, step.options),

  'compile().allowed': (step) => {
    const compiled = compile(step.cluster, step.options);
    return (s, d, port, protocol) => compiled.allowed(endpointOf(step, s), endpointOf(step, d), port, protocol);
  },

  'compile().reach().ports': (step) => {
    const compiled = compile(step.cluster, step.options);
    const reach = compiled.reach();
    const nodeOf = (i: number): number => {
      const e = endpointOf(step, i);
      return e.kind === 'pod' ? compiled.podClass[i]! : compiled.nodeOf(e);
    };
    return (s, d, port, protocol) => {
      if (isUnpoliced(step.nodes[s]!, step.nodes[d]!)) return undefined;
      return rangesContain(reach.ports(nodeOf(s), nodeOf(d))[protocol], port);
    };
  },
};

for (const c of cases) {
  describe(`${c.file}: ${c.name}`, () => {
    for (const [evaluatorName, setUp] of Object.entries(EVALUATORS)) {
      it(evaluatorName, () => {
        let cells = 0;
        c.steps.forEach((step, stepIndex) => {
          const answer = setUp(step);
          for (const probe of step.probes) {
            const actual: (boolean | undefined)[][] = step.nodes.map((_, s) =>
              step.nodes.map((_, d) => answer(s, d, probe.port, probe.protocol)),
            );
            // A cell an evaluator is not asked about counts as agreeing (it is unpoliced).
            const compared: Cells = actual.map((row, s) => row.map((v, d) => v ?? probe.expected[s]![d]!));
            cells += compared.length * compared.length;
            const diff = differingCells(step.nodes, probe.expected, compared);
            if (diff.length === 0) continue;
            const where = [
              `${c.file} (${c.name})`,
              `step ${stepIndex + 1} of ${c.steps.length}${step.note ? ` — ${step.note}` : ''}`,
              `probe ${probe.protocol}/${probe.port}, evaluator ${evaluatorName}`,
              ...diff,
            ].join('\n  ');
            expect.soft(formatCells(step.nodes, compared), where).toBe(formatCells(step.nodes, probe.expected));
          }
        });
        expect(cells).toBeGreaterThan(0);
      });
    }
  });
}

describe('conformance suite', () => {
  it('has the upstream cases and Lateral’s own', () => {
    expect(cases.filter((c) => c.upstream).length).toBeGreaterThanOrEqual(48);
    expect(cases.filter((c) => !c.upstream).length).toBeGreaterThanOrEqual(8);
  });
});

/**
 * The case files are read by their own small reader (to-model.ts) so that the cases do not
 * depend on the code under test; the manifest reader users run must read their policies the
 * same way — including an omitted or null podSelector.
 */
describe('the manifest reader reads every case policy as the case files do', () => {
  it.each(cases.map((c) => [c.file, c] as const))('%s', (file, c) => {
    const raw = yaml.load(readFileSync(join(fileURLToPath(CASES_DIR), file), 'utf8')) as { steps: { policies?: unknown[] }[] };
    raw.steps.forEach((s, i) => {
      const read = clusterFromObjects((s.policies ?? []).map((obj) => ({ obj, file })));
      expect(read.cluster.policies, `steps[${i}]`).toEqual(c.steps[i]!.cluster.policies);
    });
  });
});
