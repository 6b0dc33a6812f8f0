/**
 * The upstream e2e cases that change policies or labels mid-test, replayed as what-ifs: each
 * pair of consecutive steps is a before and an after, and the expected diff is read off the two
 * steps' truth tables (a cell that flips from X to . is newly allowed on that port, . to X newly
 * denied, an unchanged cell must not appear) — never off the engine's own output.
 *
 * The after side is compiled incrementally from the before side, as `lateral whatif` does.
 */
import { describe, expect, it } from 'vitest';
import { compile, diffReachability, isEmptyProtoPorts, rangesContain, recompile, EMPTY_PROTO_PORTS, type PairChange } from '@lateral/core';
import { loadCases, type ConformanceStep } from '../conformance/case-file.js';
import { POD_IDS } from '../conformance/to-model.js';

/** Probes both steps ask, as `port/protocol`. */
function sharedProbes(a: ConformanceStep, b: ConformanceStep) {
  return a.probes.flatMap((pa) => {
    const pb = b.probes.find((x) => x.port === pa.port && x.protocol === pa.protocol);
    return pb ? [{ port: pa.port, protocol: pa.protocol, before: pa.expected, after: pb.expected }] : [];
  });
}

const pairs = loadCases().flatMap((c) =>
  c.steps.slice(1).flatMap((after, i) => {
    const before = c.steps[i]!;
    // Steps that differ only in evaluation options or address families are not a change a
    // what-if makes to the manifests.
    if (before.options.ipBlockPods !== after.options.ipBlockPods) return [];
    // Steps that probe different ports have no cell in common to compare.
    if (sharedProbes(before, after).length === 0) return [];
    return [{ name: `${c.file} step ${i} -> ${i + 1}`, before, after }];
  }),
);

describe('what-if on the upstream cases that change mid-test', () => {
  it('covers the cases with several steps', () => {
    // 020 updated policy, 021 updated namespace, 022 updated pod, 024, 031, 032, 033, 036 ...
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    for (const f of ['020', '021', '022', '024', '033', '036']) expect(pairs.some((p) => p.name.startsWith(f))).toBe(true);
  });

  it.each(pairs)('$name', ({ before, after }) => {
    const b = compile(before.cluster, before.options);
    const a = recompile(b, after.cluster, after.options);
    const diff = diffReachability(b, a);
    const byPair = new Map<string, PairChange>(diff.changes.map((c) => [`${c.from} -> ${c.to}`, c]));
    const probes = sharedProbes(before, after);
    expect(probes.length).toBeGreaterThan(0);
    let flips = 0;
    const wrong: string[] = [];
    for (const probe of probes) {
      POD_IDS.forEach((src, r) => {
        POD_IDS.forEach((dst, c) => {
          if (r === c) return;
          const was = probe.before[r]![c]!;
          const now = probe.after[r]![c]!;
          const change = byPair.get(`${src} -> ${dst}`);
          const added = rangesContain((change?.added ?? EMPTY_PROTO_PORTS)[probe.protocol], probe.port);
          const removed = rangesContain((change?.removed ?? EMPTY_PROTO_PORTS)[probe.protocol], probe.port);
          if (was !== now) flips++;
          const expectAdded = !was && now;
          const expectRemoved = was && !now;
          if (added !== expectAdded || removed !== expectRemoved) {
            wrong.push(`${src} -> ${dst} ${probe.protocol} ${probe.port}: truth tables say ${was ? 'allowed' : 'denied'} -> ${now ? 'allowed' : 'denied'}, diff says added=${added} removed=${removed}`);
          }
        });
      });
    }
    expect(wrong).toEqual([]);
    // Every flip is explained: the rule that allows it, or the policy that denies it.
    for (const c of diff.changes) {
      if (!isEmptyProtoPorts(c.added)) expect(c.allowedBy?.length ?? 0).toBeGreaterThan(0);
      if (!isEmptyProtoPorts(c.removed)) expect(c.denyingPolicies?.length ?? 0).toBeGreaterThan(0);
    }
    if (flips > 0) expect(diff.changes.length).toBeGreaterThan(0);
  });
});
