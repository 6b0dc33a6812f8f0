/**
 * Conformance case files (cases/NNN-name.yaml, notation in README.md) read into plain data:
 * per step, the cluster to evaluate and the expected truth table of every probe.
 *
 * Unknown keys are errors, so a misspelt field cannot quietly turn a case into one that
 * checks less than it reads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster, ContainerPort, EvalOptions, Labels, Protocol } from '@lateral/core';
import { PROTOCOLS } from '@lateral/core';
import * as yaml from 'js-yaml';
import { cellsFromPatterns, cellsFromTable, type Cells } from './truth-table.js';
import { POD_IDS, policyFromManifest, xyzCluster, type IpFamilyName, type XyzVariant } from './to-model.js';


export const CASES_DIR = new URL('./cases/', import.meta.url);

export interface ConformanceProbe {
  readonly port: number;
  readonly protocol: Protocol;
  readonly expected: Cells;
}

export interface ConformanceStep {
  readonly note?: string;
  readonly cluster: Cluster;
  readonly options: EvalOptions;
  /** Row/column names: the nine pods (`x/a` ... `z/c`, in cluster.pods order), then externals. */
  readonly nodes: readonly string[];
  readonly externals: readonly string[];
  readonly probes: readonly ConformanceProbe[];
}

export interface ConformanceCase {
  readonly file: string;
  readonly name: string;
  /** `network_policy.go: <It title>` for upstream cases; absent for Lateral's own. */
  readonly upstream?: string;
  readonly steps: readonly ConformanceStep[];
}

type Obj = Record<string, unknown>;

function fields(v: unknown, where: string, allowed: readonly string[]): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: expected a mapping`);
  const unknown = Object.keys(v).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown field(s) ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`);
  return v as Obj;
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new Error(`${where}: expected a list of strings`);
  return v as string[];
}

function labelMap(v: unknown, where: string): Record<string, Labels> | undefined {
  if (v === undefined) return undefined;
  const o = fields(v, where, Object.keys(v as object));
  for (const [k, labels] of Object.entries(o)) {
    const l = fields(labels ?? {}, `${where}.${k}`, Object.keys(labels ?? {}));
    if (!Object.values(l).every((s) => typeof s === 'string')) throw new Error(`${where}.${k}: label values must be strings`);
  }
  return o as Record<string, Labels>;
}

function portMap(v: unknown, where: string): Record<string, ContainerPort[]> | undefined {
  if (v === undefined) return undefined;
  const o = fields(v, where, Object.keys(v as object));
  const out: Record<string, ContainerPort[]> = {};
  for (const [k, ports] of Object.entries(o)) {
    if (!Array.isArray(ports)) throw new Error(`${where}.${k}: expected a list of container ports`);
    out[k] = ports.map((p, i) => {
      const cp = fields(p, `${where}.${k}[${i}]`, ['name', 'containerPort', 'protocol']);
      const protocol = (cp.protocol ?? 'TCP') as Protocol;
      if (!PROTOCOLS.includes(protocol) || typeof cp.containerPort !== 'number') {
        throw new Error(`${where}.${k}[${i}]: needs a numeric containerPort and a protocol of ${PROTOCOLS.join('/')}`);
      }
      return { ...(typeof cp.name === 'string' ? { name: cp.name } : {}), containerPort: cp.containerPort, protocol };
    });
  }
  return out;
}

function readProbe(v: unknown, where: string, nodes: readonly string[]): ConformanceProbe[] {
  const p = fields(v, where, ['port', 'protocol', 'default', 'allow', 'deny', 'table']);
  const ports = Array.isArray(p.port) ? p.port : [p.port];
  if (ports.length === 0 || !ports.every((n) => Number.isInteger(n) && n >= 1 && n <= 65535)) {
    throw new Error(`${where}.port: a port number or a list of them`);
  }
  const protocol = p.protocol as Protocol;
  if (!PROTOCOLS.includes(protocol)) throw new Error(`${where}.protocol: one of ${PROTOCOLS.join(', ')} (required)`);
  let expected: Cells;
  if (p.table !== undefined) {
    if (p.default !== undefined || p.allow !== undefined || p.deny !== undefined) {
      throw new Error(`${where}: give either table or default/allow/deny, not both`);
    }
    if (typeof p.table !== 'string') throw new Error(`${where}.table: expected a block string`);
    expected = cellsFromTable(nodes, p.table);
  } else {
    if (p.default !== 'allow' && p.default !== 'deny') throw new Error(`${where}.default: allow or deny (required without table)`);
    expected = cellsFromPatterns(nodes, p.default === 'allow', strings(p.deny, `${where}.deny`), strings(p.allow, `${where}.allow`));
  }
  return (ports as number[]).map((port) => ({ port, protocol, expected }));
}

const STEP_FIELDS = ['note', 'policies', 'namespaceLabels', 'podLabels', 'podPorts', 'ipFamilies', 'options', 'externals', 'probes'];

function readStep(v: unknown, where: string): ConformanceStep {
  const s = fields(v, where, STEP_FIELDS);
  const policies = (Array.isArray(s.policies) ? s.policies : s.policies == null ? [] : null)?.map((m, i) =>
    policyFromManifest(m, `${where}.policies[${i}]`),
  );
  if (!policies) throw new Error(`${where}.policies: expected a list of NetworkPolicy manifests`);
  const ipFamilies = strings(s.ipFamilies, `${where}.ipFamilies`);
  if (!ipFamilies.every((f) => f === 'IPv4' || f === 'IPv6')) throw new Error(`${where}.ipFamilies: IPv4 and/or IPv6`);
  const variant: XyzVariant = {
    namespaceLabels: labelMap(s.namespaceLabels, `${where}.namespaceLabels`),
    podLabels: labelMap(s.podLabels, `${where}.podLabels`),
    podPorts: portMap(s.podPorts, `${where}.podPorts`),
    ...(ipFamilies.length > 0 ? { ipFamilies: ipFamilies as IpFamilyName[] } : {}),
  };
  let options: EvalOptions = { ipBlockPods: 'match' };
  if (s.options !== undefined) {
    const o = fields(s.options, `${where}.options`, ['ipBlockPods']);
    if (o.ipBlockPods !== 'match' && o.ipBlockPods !== 'ignore') throw new Error(`${where}.options.ipBlockPods: match or ignore`);
    options = { ipBlockPods: o.ipBlockPods };
  }
  const externals = strings(s.externals, `${where}.externals`);
  const nodes = [...POD_IDS, ...externals];
  if (new Set(nodes).size !== nodes.length) throw new Error(`${where}.externals: repeated`);
  if (!Array.isArray(s.probes) || s.probes.length === 0) throw new Error(`${where}.probes: at least one probe`);
  const probes = s.probes.flatMap((p, i) => readProbe(p, `${where}.probes[${i}]`, nodes));
  return {
    ...(typeof s.note === 'string' ? { note: s.note } : {}),
    cluster: xyzCluster(policies, variant),
    options,
    nodes,
    externals,
    probes,
  };
}

export function readCase(file: string, text: string): ConformanceCase {
  const c = fields(yaml.load(text, { filename: file }), file, ['name', 'upstream', 'steps']);
  if (typeof c.name !== 'string') throw new Error(`${file}: name is required`);
  if (c.upstream !== undefined && typeof c.upstream !== 'string') throw new Error(`${file}: upstream is a string`);
  if (!Array.isArray(c.steps) || c.steps.length === 0) throw new Error(`${file}: at least one step`);
  return {
    file,
    name: c.name,
    ...(typeof c.upstream === 'string' ? { upstream: c.upstream } : {}),
    steps: c.steps.map((s, i) => readStep(s, `${file} steps[${i}]`)),
  };
}

/** Every case file, in file-name order. */
export function loadCases(): ConformanceCase[] {
  const dir = fileURLToPath(CASES_DIR);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readCase(f, readFileSync(join(dir, f), 'utf8')));
}
