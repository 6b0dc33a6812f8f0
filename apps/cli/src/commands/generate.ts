import { evalFlags } from '../cni-profile.js';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, type NetworkPolicy } from '@lateral/core';
import { FLOW_FORMATS } from '@lateral/flows';
import {
  generatePolicies,
  MANAGED_BY_LABEL,
  policiesYaml,
  policiesYamlByNamespace,
  policyObject,
  verifyPolicies,
  type Generated,
  type Verification,
} from '@lateral/generator';
import { ciliumPoliciesYaml, ciliumPolicyManifest, clusterFromObjects, parseManifests } from '@lateral/k8s';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, intOption, oneOf, parse, requireInputs, str, type OptionSpec } from '../args.js';
import { EXIT_CHECK_FAILED, UsageError } from '../cli-error.js';
import { err, out, progress, progressDone, type CliIo } from '../io.js';
import { allWarnings, mergeWarnings, outAnswer, warningsOf } from '../answer.js';
import { loadAndCompile, type Loaded } from '../load.js';
import { num, readFlowsOption } from '../flows-input.js';

export const GENERATE_HELP = `lateral generate INPUTS... --flows FILES... [options]

Least-privilege NetworkPolicies from observed traffic, verified before you apply them.
Every workload in the capture (client, server or both) is isolated in both directions and
allowed exactly the observed peers (by their stable labels; other namespaces by
kubernetes.io/metadata.name) on the observed ports as the destination pod sees them (Service
ports through the Services' targetPorts), plus DNS to the cluster DNS (the kube-dns Service's
pods, UDP and TCP 53) for egress; only what the existing policies do not already allow.
Workloads in kube-system get no policies. Connections the network dropped get no rule (listed
with the policy that denies them); traffic between a pod and its own node (kubelet probes) is
always allowed and gets none either (listed). Connections an Admin-tier Deny closes
(ClusterNetworkPolicy tier Admin, AdminNetworkPolicy) get no rule either, since no
NetworkPolicy can open them: listed as blocked by that rule, and not counted in recall.

Every run verifies the generated YAML with the engine, together with the existing policies,
on the capture as recorded: recall (every observed connection that went through, pod by pod,
must be allowed: 100 %) and over-permission (connections the generated policies allow that no
flow shows, per workload pair and port; DNS and declared aggregation counted apart). Exit 1
when recall < 100 % or over-permission > --max-over (default 0); only then "verified".

Options:
  --flows FILES...           captures (Hubble JSON, Inspektor Gadget, CSV, JSONL); - for stdin
  --flow-format F            ${FLOW_FORMATS.join('|')} (default: detected per file)
  --out DIR                  write DIR/<namespace>.yaml (default: YAML on stdout, the
                             verification on stderr)
  --directions D             ingress|egress|both: directions to isolate (default both)
  --ingress-only             same as --directions ingress
  --egress-only              same as --directions egress
  --no-dns                   no DNS rule (observed lookups get ordinary rules)
  --default-deny             also add a default-deny policy to each namespace generated for
  --named-ports              name ports the destination's containers name (port: grpc)
  --aggregate-external N     widen outside IPv4 addresses to /N (default: /32)
  --aggregate-external6 N    widen outside IPv6 addresses to /N (default: /128)
  --allow-dropped            also allow connections the network dropped
                             (--include-dropped: the same)
  --max-over N               over-permission tolerated before failing (default 0)
  --emit networkpolicy|cilium
                             write NetworkPolicies (default) or CiliumNetworkPolicies (implies
                             --cni cilium; verified as Cilium reads them)
  -o, --format yaml|json     json: {policies, files, verification, warnings, droppedOnly,
                             dropped, blockedByTier, nodeLocal, isolated, dns}

INPUTS come before --flows (every argument after --flows up to the next option is a capture).

${COMMON_INPUT_OPTIONS_HELP}`;

export const GENERATE_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  flows: { type: 'string', multiple: true },
  'flow-format': { type: 'string' },
  // No short form: -o is --format in every command, as in kubectl.
  out: { type: 'string' },
  directions: { type: 'string' },
  'default-deny': { type: 'boolean' },
  'ingress-only': { type: 'boolean' },
  'egress-only': { type: 'boolean' },
  'no-dns': { type: 'boolean' },
  'named-ports': { type: 'boolean' },
  'aggregate-external': { type: 'string' },
  'aggregate-external6': { type: 'string' },
  'allow-dropped': { type: 'boolean' },
  'include-dropped': { type: 'boolean' },
  'max-over': { type: 'string' },
  emit: { type: 'string' },
  format: { type: 'string', short: 'o' },
};

/** `--flows a b c` -> `--flows a --flows b --flows c`: node's parseArgs takes one value per flag. */
export function spreadMulti(argv: string[], names: readonly string[]): string[] {
  const outArgs: string[] = [];
  let current: string | undefined;
  for (const a of argv) {
    if (a.startsWith('--') || (a.startsWith('-') && a.length > 1)) {
      const name = a.slice(2).split('=')[0]!;
      current = names.includes(name) && !a.includes('=') ? name : undefined;
      if (current) continue;
      outArgs.push(a);
      continue;
    }
    if (current) outArgs.push(`--${current}`, a);
    else outArgs.push(a);
  }
  return outArgs;
}


/** Why a file-system call failed, in words (the code alone for anything unusual). */
function fsWhy(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a directory';
  if (code === 'ENOENT') return 'cannot be created there';
  return e instanceof Error ? e.message : String(e);
}

/**
 * `mkdir -p` with errors that name --out. Not mkdirSync's own `recursive`, which on Node 20
 * spins forever where a parent exists but refuses new entries (under /proc, /sys).
 */
function makeOutDir(dir: string, shown: string): void {
  const fail = (why: string) => new InputError(why, { file: `--out ${shown}` });
  const make = (d: string, again: boolean): void => {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        let isDir = false;
        try {
          isDir = statSync(d).isDirectory();
        } catch (s) {
          throw fail(fsWhy(s));
        }
        if (!isDir) throw fail(d === dir ? 'not a directory (it is a file)' : `${d} is a file, not a directory`);
        return;
      }
      if (code === 'ENOENT' && !again && dirname(d) !== d) {
        make(dirname(d), false);
        return make(d, true);
      }
      throw fail(fsWhy(e));
    }
  };
  make(dir, false);
}

function pct(n: number): string {
  return `${(Math.floor(n * 1000) / 10).toFixed(1)} %`;
}


/** The verification as people read it; also the header of the YAML. */
export function verificationLines(v: Verification, g: Generated, namespaces: number): string[] {
  const lines = [
    `recall: ${pct(v.flows.share)} of observed connections allowed (${num(v.flows.allowedEdges)} of ${num(v.flows.edges)} pod-level connections, ${num(v.flows.allowedRecords)} of ${num(v.flows.records)} flows)`,
    `over-permission: ${num(v.overPermission.count)} (connections allowed that no flow shows; declared apart: DNS ${v.added.dns + v.granted.dns}, aggregation ${v.added.aggregation + v.granted.aggregation})`,
    `isolated: ${g.isolated.ingress.length} workload${g.isolated.ingress.length === 1 ? '' : 's'} for ingress, ${g.isolated.egress.length} for egress (every workload of the capture outside kube-system, ${g.directions.join(' and ')})`,
    g.dns ? `DNS: every egress policy allows ${g.dns.source} (UDP ${g.dns.ports.UDP}, TCP ${g.dns.ports.TCP})` : 'DNS: no rule (--no-dns)',
    `emitted: ${v.emitted.policies} policies, ${v.emitted.rules} rules (${v.emitted.peers} peers, ${v.emitted.ports} ports) in ${namespaces} namespace${namespaces === 1 ? '' : 's'}`,
  ];
  if (g.aggregates.length > 0) lines.push(`aggregated: ${g.aggregates.join(', ')}`);
  const notChecked = v.flows.droppedRecords + v.flows.unresolvedRecords;
  if (notChecked > 0 || v.flows.alwaysAllowedRecords > 0) {
    lines.push(`not needing a rule: ${num(v.flows.alwaysAllowedRecords)} flows of a pod to itself or its own node; not checked: ${num(v.flows.droppedRecords)} dropped, ${num(v.flows.unresolvedRecords)} naming nothing in the inputs`);
  }
  if (g.nodeLocal.length > 0) {
    lines.push(`node-local (always allowed, no rule): ${g.nodeLocal.length} connection${g.nodeLocal.length === 1 ? '' : 's'} between pods and their own nodes`);
    for (const n of g.nodeLocal.slice(0, 10)) {
      const arrow = n.direction === 'from-node' ? `${n.address} (node ${n.node}) -> ${n.pod}` : `${n.pod} -> ${n.address} (node ${n.node})`;
      lines.push(`  ${arrow} ${n.protocol} ${n.port}: ${num(n.count)} flows`);
    }
    if (g.nodeLocal.length > 10) lines.push(`  … and ${g.nodeLocal.length - 10} more`);
  }
  if (g.dropped.length > 0) {
    const allowed = g.droppedOnly.length === 0;
    lines.push(`dropped by the network: ${g.dropped.length} connection${g.dropped.length === 1 ? '' : 's'}${allowed ? ' (allowed anyway: --allow-dropped)' : ', no rule (--allow-dropped to allow)'}`);
    for (const d of g.dropped.slice(0, 20)) lines.push(`  ${d.from} -> ${d.to} ${d.protocol} ${d.port} (${num(d.dropped)} of ${num(d.count)} flows dropped): ${d.deniedBy}`);
    if (g.dropped.length > 20) lines.push(`  … and ${g.dropped.length - 20} more (lateral audit lists them)`);
  }
  if (g.blockedByTier.length > 0) {
    const n = g.blockedByTier.length;
    lines.push(`blocked by the Admin tier: ${n} observed connection${n === 1 ? '' : 's'}, no rule (a NetworkPolicy cannot open what an Admin-tier Deny closes; not counted in recall)`);
    for (const b of g.blockedByTier.slice(0, 20)) lines.push(`  ${b.from} -> ${b.to} ${b.protocol} ${b.port} (${num(b.count)} flows): blocked by ${b.blockedBy}`);
    if (n > 20) lines.push(`  … and ${n - 20} more (-o json lists them)`);
  }
  return lines;
}

function problemLines(v: Verification): string[] {
  const lines: string[] = [];
  for (const d of v.flows.denied) lines.push(`DENIED ${d.from} -> ${d.to} ${d.protocol} ${d.port} (${num(d.count)} flows)${d.reason ? `: ${d.reason}` : ''}`);
  for (const c of v.overPermission.connections) lines.push(`OVER ${c.from} -> ${c.to} : ${c.text} (allowed, never observed)`);
  return lines;
}

export async function generateCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(spreadMulti(argv, ['flows']), GENERATE_OPTIONS);
  if (p.values.help) return out(io, GENERATE_HELP), 0;
  const format = oneOf(p, 'format', ['yaml', 'json'] as const, 'yaml');
  const flowFormat = str(p, 'flow-format') === undefined ? undefined : oneOf(p, 'flow-format', FLOW_FORMATS, 'jsonl');
  if (p.values['ingress-only'] && p.values['egress-only']) throw new UsageError('--ingress-only and --egress-only exclude each other');
  const directionsGiven = str(p, 'directions') === undefined ? undefined : oneOf(p, 'directions', ['ingress', 'egress', 'both'] as const, 'both');
  if (directionsGiven !== undefined && (p.values['ingress-only'] || p.values['egress-only'])) {
    throw new UsageError('--directions and --ingress-only/--egress-only exclude each other');
  }
  const directions = directionsGiven ?? (p.values['ingress-only'] ? 'ingress' : p.values['egress-only'] ? 'egress' : 'both');
  const maxOver = intOption(p, 'max-over', { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? 0;
  const allowDropped = p.values['allow-dropped'] === true || p.values['include-dropped'] === true;
  const v4 = intOption(p, 'aggregate-external', { min: 0, max: 32 });
  const v6 = intOption(p, 'aggregate-external6', { min: 0, max: 128 });
  const inputs = requireInputs(p, 'generate');
  const flowFiles = p.values.flows as string[] | undefined;
  if (flowFiles?.includes('-') && inputs.includes('-')) throw new UsageError('stdin (-) can feed the inputs or the flows, not both');

  const emit = oneOf(p, 'emit', ['networkpolicy', 'cilium'] as const, 'networkpolicy');
  const flags = evalFlags(p);
  if (emit === 'cilium' && flags.cni !== undefined && flags.cni !== 'cilium') throw new UsageError(`--emit cilium writes CiliumNetworkPolicies: it goes with --cni cilium (got --cni ${flags.cni})`);
  const loaded = await loadAndCompile(io, inputs, emit === 'cilium' ? { ...flags, cni: 'cilium' } : flags);
  const evalOptions = loaded.compiled.options;
  const flows = await readFlowsOption(io, flowFiles, flowFormat, { cluster: loaded.load.cluster, compiled: loaded.compiled }, 'generate');
  const cluster = loaded.load.cluster;

  progress(io, 'generating policies…');
  const generated = generatePolicies(cluster, flows, {
    directions,
    noDns: p.values['no-dns'] === true,
    namedPorts: p.values['named-ports'] === true,
    defaultDeny: p.values['default-deny'] === true,
    allowDropped,
    ...(v4 !== undefined || v6 !== undefined ? { aggregateExternal: { ...(v4 !== undefined ? { v4 } : {}), ...(v6 !== undefined ? { v6 } : {}) } } : {}),
    evalOptions,
    compiled: loaded.compiled,
  });
  for (const w of generated.warnings) err(io, `lateral: warning: ${w}`);

  // Verify what is printed, not what we meant to print: the YAML goes back through the same
  // manifest reader as any input.
  progress(io, 'verifying…');
  const emitYaml = (list: typeof generated.policies, header: readonly string[] = []) =>
    emit === 'cilium' ? ciliumPoliciesYaml(list.map((g) => g.policy), header, { ...MANAGED_BY_LABEL }) : policiesYaml(list, header);
  const yaml = emitYaml(generated.policies);
  const reread = clusterFromObjects(parseManifests(yaml, '<generated>'));
  const policies: readonly NetworkPolicy[] = emit === 'cilium' ? [] : reread.cluster.policies;
  const ciliumPolicies = emit === 'cilium' ? (reread.cluster.ciliumPolicies ?? []) : undefined;
  const readBack = ciliumPolicies ? ciliumPolicies.length : policies.length;
  if (readBack !== generated.policies.length) {
    throw new Error(`generated YAML reads back as ${readBack} policies, not ${generated.policies.length}`);
  }
  // On the capture as recorded, not on the edges the generator worked from.
  const verification = verifyPolicies(cluster, policies, flows, {
    compiled: loaded.compiled,
    aggregates: generated.aggregates,
    dns: generated.dns ?? false,
    maxOver,
    droppedObserved: allowDropped,
    evalOptions,
    ...(ciliumPolicies ? { ciliumPolicies, emittedFrom: generated.policies.map((g) => g.policy) } : { written: generated.policies.map((g) => g.policy) }),
  });
  progressDone(io);

  const namespaces = new Set(generated.policies.map((g) => g.policy.namespace)).size;
  const summary = verificationLines(verification, generated, namespaces);
  const verdict = verification.ok ? 'verified' : 'VERIFICATION FAILED';
  const header = [`Generated by lateral from ${num(flows.records)} observed flow records; ${verdict} with the existing policies:`, ...summary.map((l) => `  ${l}`)];
  const outDir = str(p, 'out');
  const files: string[] = [];
  if (outDir !== undefined) {
    const dir = resolve(io.cwd, outDir);
    makeOutDir(dir, outDir);
    const byNamespace =
      emit === 'cilium'
        ? new Map(
            [...new Set(generated.policies.map((g) => g.policy.namespace))].sort().map((ns) => [`${ns}.yaml`, emitYaml(generated.policies.filter((g) => g.policy.namespace === ns), header)] as const),
          )
        : policiesYamlByNamespace(generated.policies, header);
    for (const [file, text] of byNamespace) {
      try {
        writeFileSync(join(dir, file), text);
      } catch (e) {
        throw new InputError(`cannot write ${file}: ${fsWhy(e)}`, { file: `--out ${outDir}` });
      }
      files.push(join(outDir, file));
    }
  }

  if (format === 'json') {
    out(
      io,
      JSON.stringify(
        {
          policies: generated.policies.map((g) => (emit === 'cilium' ? ciliumPolicyManifest(g.policy, { ...MANAGED_BY_LABEL }) : policyObject(g.policy))),
          files,
          verification,
          warnings: allWarnings(mergeWarnings(warningsOf(loaded.load, []), { answer: [], other: generated.warnings })),
          droppedOnly: generated.droppedOnly,
          dropped: generated.dropped,
          blockedByTier: generated.blockedByTier,
          nodeLocal: generated.nodeLocal,
          isolated: generated.isolated,
          dns: generated.dns ?? null,
        },
        null,
        2,
      ),
    );
  } else if (outDir === undefined) {
    out(io, emitYaml(generated.policies, header));
    err(io, `lateral generate: ${verdict}`);
    for (const l of [...summary, ...problemLines(verification)]) err(io, `  ${l}`);
    outAnswer(io, 'yaml', '', warningsOf(loaded.load));
  } else {
    const lines = [`lateral generate: ${verdict}`, ...[...summary, ...problemLines(verification)].map((l) => `  ${l}`), ...files.map((f) => `wrote ${f}`)];
    outAnswer(io, 'txt', lines.join('\n'), warningsOf(loaded.load));
  }
  return verification.ok ? 0 : EXIT_CHECK_FAILED;
}
