/**
 * Warnings that fit a terminal: one line each with counts, `--verbose` for the names, the same
 * text under `warnings` in JSON.
 */
import { describe, expect, it } from 'vitest';
import { lateral } from './run-cli.js';

/** A DaemonSet whose pods policy treats as two groups: 3 canaries and 2 others. */
const SPLIT = [
  'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: fluent-bit, namespace: kube-system}\nspec:\n  selector: {matchLabels: {app: fluent-bit}}\n  template: {metadata: {labels: {app: fluent-bit}}, spec: {containers: [{name: c, image: x}]}}',
  ...[1, 2, 3, 4, 5].map(
    (i) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: fluent-bit-${i}\n  namespace: kube-system\n  labels: {app: fluent-bit${i <= 3 ? ', canary: "true"' : ''}}\n  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: fluent-bit, uid: u, controller: true}]\nspec: {containers: [{name: c, image: x}]}`,
  ),
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: canary, namespace: kube-system}\nspec: {podSelector: {matchLabels: {canary: "true"}}, policyTypes: [Ingress]}',
].join('\n---\n');

const LINE = 'kube-system/fluent-bit: policy treats its 5 pods as 2 groups (3 / 2)';

describe('the split-workload warning', () => {
  it('is one line with counts, naming --verbose', async () => {
    const r = await lateral(['reach', '-'], { stdin: SPLIT });
    expect(r.code).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('fluent-bit'));
    expect(warnings).toEqual([`lateral: warning: ${LINE}; --verbose lists them`]);
  });

  it('--verbose lists the pods of each group under it', async () => {
    const r = await lateral(['reach', '-', '--verbose'], { stdin: SPLIT });
    expect(r.stderr).toContain(`lateral: warning: ${LINE}\n  kube-system/fluent-bit#1: fluent-bit-1, fluent-bit-2, fluent-bit-3\n  kube-system/fluent-bit#2: fluent-bit-4, fluent-bit-5\n`);
  });

  it('is in JSON under warnings, as the same text', async () => {
    const r = await lateral(['reach', '-', '--format', 'json'], { stdin: SPLIT });
    expect(JSON.parse(r.stdout).warnings).toEqual([`${LINE}; --verbose lists them`]);
  });
});
