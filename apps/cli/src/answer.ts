/**
 * One way for every command to print an answer with the warnings that qualify it. A warning
 * that the answer may be wrong (policies of kinds Lateral does not evaluate) is part of the
 * answer: the last lines of text, a note under a Markdown report, `warnings` in JSON — so it
 * survives `> file` and a pull-request comment. Other warnings (an owner split into groups, a
 * kind the cluster would not list) stay one line each on stderr and are in JSON's `warnings`
 * too. Formats with no place for prose (CSV, DOT, YAML) leave every warning on stderr.
 */
import { isWorkloadEndpoint, type Cluster, type Labels, type Pod, type ReachEndpoint } from '@lateral/core';
import { selectingText, unevaluatedSelecting, unevaluatedWarning, type LoadResult } from '@lateral/k8s';
import { err, out, type CliIo } from './io.js';
import type { Target } from './resolve.js';

export interface AnswerWarnings {
  /** Warnings that the answer itself may be wrong: printed with the answer. */
  readonly answer: readonly string[];
  /** Other warnings, already on stderr: repeated in JSON's `warnings`. */
  readonly other: readonly string[];
}

export const NO_WARNINGS: AnswerWarnings = { answer: [], other: [] };

/** The warnings of one loaded input; `other` defaults to what the load said on stderr. */
export function warningsOf(load: Pick<LoadResult, 'unevaluated' | 'warnings'>, other: readonly string[] = load.warnings): AnswerWarnings {
  const w = unevaluatedWarning(load.unevaluated);
  return { answer: w ? [w] : [], other };
}

export function mergeWarnings(...ws: AnswerWarnings[]): AnswerWarnings {
  const uniq = (l: string[]) => [...new Set(l)];
  return { answer: uniq(ws.flatMap((w) => w.answer)), other: uniq(ws.flatMap((w) => w.other)) };
}

/** Every warning, in the order JSON lists them. */
export function allWarnings(w: AnswerWarnings): string[] {
  return [...w.answer, ...w.other];
}

/** JSON of an answer object with its `warnings`. */
export function jsonWithWarnings(body: object, w: AnswerWarnings): string {
  return JSON.stringify({ ...body, warnings: allWarnings(w) }, null, 2);
}

/** Prints a rendered answer (text, Markdown, CSV, ...) and then its warnings where they belong. */
export function outAnswer(io: CliIo, format: string, body: string, w: AnswerWarnings): void {
  if (format === 'txt' && w.answer.length > 0) {
    out(io, [...(body === '' ? [] : [body, '']), ...w.answer.map((x) => `warning: ${x}`)].join('\n'));
  } else if (format === 'md' && w.answer.length > 0) {
    out(io, [body, '', ...w.answer.map((x) => `> **Warning:** ${x}`)].join('\n'));
  } else {
    out(io, body);
    for (const x of w.answer) err(io, `lateral: warning: ${x}`);
  }
}

/**
 * The qualification of a verdict about pods that unevaluated objects select:
 * `1 CiliumNetworkPolicy selecting shop/db was not evaluated (...)`.
 */
export function verdictQualification(load: Pick<LoadResult, 'unevaluated'>, cluster: Cluster, sides: readonly { label: string; pods: readonly Pod[] }[]): string[] {
  if (load.unevaluated.length === 0) return [];
  const nsLabels = new Map(cluster.namespaces.map((n) => [n.name, n.labels]));
  const labelsOf = (ns: string): Labels => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns };
  return sides.flatMap((s) => {
    const text = selectingText(unevaluatedSelecting(load.unevaluated, s.pods, labelsOf), s.label);
    return text ? [text] : [];
  });
}

/**
 * Prints the warnings of the workload view (an owner whose pods policy splits into groups) one
 * line each on stderr — with `--verbose`, each group's pods under it — and returns the lines for
 * JSON's `warnings`.
 */
export function reportSplits(io: CliIo, warnings: readonly string[], endpoints: readonly ReachEndpoint[], verbose: boolean): string[] {
  const lines = warnings.map((w) => (verbose ? w : `${w}; --verbose lists them`));
  lines.forEach((line, i) => {
    err(io, `lateral: warning: ${line}`);
    if (!verbose) return;
    const id = warnings[i]!.slice(0, warnings[i]!.indexOf(': '));
    for (const e of endpoints) {
      if (isWorkloadEndpoint(e) && e.podNames && e.id.startsWith(`${id}#`)) err(io, `  ${e.id}: ${e.podNames.join(', ')}`);
    }
  });
  return lines;
}

/** The qualification of a verdict between two resolved targets (outside addresses have no pods). */
export function pairQualification(load: Pick<LoadResult, 'unevaluated'>, cluster: Cluster, from: Target, to: Target): string[] {
  const sides = [from, to].flatMap((t) => (t.kind === 'pods' ? [{ label: t.label, pods: t.pods }] : []));
  return verdictQualification(load, cluster, sides);
}
