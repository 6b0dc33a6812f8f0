/**
 * One loaded cluster as the server holds it: the source objects (kept so a what-if can rebuild
 * the cluster with policies added or switched off), the compiled engine and the endpoint index.
 * Everything the API answers is derived from this; nothing here is per-request.
 */
import { resolve } from 'node:path';
import { adjacency, buildAttackGraph, compile, DEFAULT_EVAL_OPTIONS, InputError, recompile, type AttackGraph, type Cluster, type CompiledCluster, type EndpointIndex, type EvalOptions } from '@lateral/core';
import { readFlows, type FlowSet } from '@lateral/flows';
import { clusterFromObjects, detectCni, readInputs, withDetectedCni, type LoadResult, type SourceObject } from '@lateral/k8s';

/** An observed-traffic capture read at start (`--flows`), resolved against the cluster. */
export interface FlowInput {
  /** A display name, e.g. `fixtures/shop/flows/hubble.jsonl`. */
  readonly name: string;
  readonly flows: FlowSet;
}

export interface Session {
  /** What the UI shows as the cluster's name, e.g. `fixtures/shop`. */
  readonly label: string;
  readonly objects: readonly SourceObject[];
  readonly load: LoadResult;
  readonly cluster: Cluster;
  readonly compiled: CompiledCluster;
  readonly index: EndpointIndex;
  readonly options: EvalOptions;
  /** Flow captures given at start (`--flows`). */
  readonly flows: readonly FlowInput[];
  /** Crown-jewel selectors given at start (`--target`), the blast-radius view's default. */
  readonly targets: readonly string[];
  /** The network plugin's kinds it was detected from (`1 GlobalNetworkPolicy`), when none was named. */
  readonly cniDetectedFrom?: string;
}

/** Where the current session lives; a watcher may swap it. */
export interface SessionHolder {
  current(): Session;
  /** Bumped on every swap; the UI polls it (with `live`) to notice a changed cluster. */
  generation?(): number;
  /** When the current session was swapped in (ISO time). */
  changedAt?(): string;
  /** The session follows a live cluster. */
  readonly live?: boolean;
  /** Where heavy answers run (worker threads); without it they run on the request thread. */
  readonly jobs?: JobRunner;
}

/**
 * Runs a heavy answer elsewhere (heavy-pool.ts's JobPool, with heavy-jobs.ts's jobs); written
 * out here so this file imports neither. `onGone` registers the cancellation; `slot` names the
 * client and view a newer request replaces.
 */
export interface JobRunner {
  run(job: object, opts?: { readonly onGone?: (cancel: () => void) => void; readonly slot?: string }): Promise<{ readonly type: string; readonly text: string }>;
}

const attackGraphs = new WeakMap<Session, AttackGraph>();

/** The session's attack graph, built on first use (a session never changes). */
export function attackGraphOf(s: Session): AttackGraph {
  let ag = attackGraphs.get(s);
  if (!ag) {
    attackGraphs.set(s, (ag = buildAttackGraph(s.compiled, {}, s.index)));
    // The integer adjacency every blast and path query reads, built with the graph (at the
    // worker's warm-up) so that the first click does not pay for it.
    adjacency(ag);
  }
  return ag;
}

export function sessionFromObjects(
  label: string,
  objects: readonly SourceObject[],
  options: EvalOptions = DEFAULT_EVAL_OPTIONS,
  flows: readonly FlowInput[] = [],
  targets: readonly string[] = [],
): Session {
  const load = clusterFromObjects([...objects]);
  return sessionFromCluster(label, objects, load, options, flows, targets);
}

export function sessionFromCluster(
  label: string,
  objects: readonly SourceObject[],
  load: LoadResult,
  given: EvalOptions,
  flows: readonly FlowInput[],
  targets: readonly string[] = [],
  /**
   * The compiled cluster this one changes (a what-if's base, the watched cluster before its
   * latest change): recompile reuses what it evaluated, and the result is compile's.
   */
  previous?: CompiledCluster,
): Session {
  // Without a plugin named, the one whose policy kinds the input holds (cni-detect.ts).
  const options = withDetectedCni(given, load);
  const detected = given.cni === undefined ? detectCni(load) : undefined;
  const cniDetectedFrom = detected && 'from' in detected ? detected.from : undefined;
  const compiled = previous ? recompile(previous, load.cluster, options) : compile(load.cluster, options);
  // All-pairs once, up front: every view reads it, and a request should not pay for it.
  compiled.reach();
  return { label, objects, load, cluster: load.cluster, compiled, index: compiled.endpoints(), options, flows, targets, ...(cniDetectedFrom ? { cniDetectedFrom } : {}) };
}

export interface LoadSessionOptions {
  readonly label?: string;
  readonly options?: EvalOptions;
  /** Flow capture files (any format the flows package reads). */
  readonly flowFiles?: readonly string[];
  readonly targets?: readonly string[];
  /** Where relative inputs and flow files are (default: the process's directory); messages name them as given. */
  readonly cwd?: string;
}

/**
 * Reads manifests the way the CLI does (files, directories) and any flow captures; the paths
 * come from the command line only, never from a request.
 */
export async function loadSession(inputs: string[], o: LoadSessionOptions = {}): Promise<Session> {
  const objects = await readInputs(inputs, o.cwd !== undefined ? { cwd: o.cwd } : {});
  const base = sessionFromObjects(o.label ?? inputs.join(' '), objects, o.options ?? DEFAULT_EVAL_OPTIONS, [], o.targets ?? []);
  return withFlows(base, o.flowFiles ?? [], o.cwd);
}

/** The session with its flow captures read and resolved against its cluster (pods by name, IPs to endpoints). */
export async function withFlows(base: Session, flowFiles: readonly string[], cwd?: string): Promise<Session> {
  const flows: FlowInput[] = [];
  for (const f of flowFiles) {
    let set: FlowSet;
    try {
      set = await readFlows([cwd === undefined || f === '-' ? f : resolve(cwd, f)], base.cluster, { compiled: base.compiled });
    } catch (e) {
      // Named as given on the command line, not as resolved.
      if (e instanceof InputError && e.location.file !== undefined && e.location.file !== f) throw new InputError(e.detail, { ...e.location, file: f });
      throw e;
    }
    flows.push({ name: f, flows: set });
  }
  return { ...base, flows };
}
