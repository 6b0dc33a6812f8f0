import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InputError } from '@lateral/core';
import { formatSnapshot, readCluster } from '@lateral/k8s/live';
import { clusterOption, oneOf, parse, str, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { err, out, progress, progressDone, type CliIo } from '../io.js';
import { resolveKubeconfig } from '../load.js';

export const SNAPSHOT_HELP = `lateral snapshot --cluster [--context NAME] [--kubeconfig PATH] [-o yaml|json] [--out FILE]

Saves what Lateral reads from a live cluster — namespaces, pods, workload controllers,
services, ingresses, nodes, NetworkPolicies and, when their CRDs are installed,
AdminNetworkPolicies — as one "kind: List" (what kubectl get -o yaml writes). Every command
reads the file back as INPUTS: analyse offline, in CI, or compare two points in time. Secrets
are never read.
  --cluster     what the command always reads (accepted so it reads like the other commands)
  --context     kubeconfig context (default: its current-context)
  --kubeconfig  kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster)
  -o, --format  yaml (default) or json
  --out FILE    write to FILE instead of standard output

What RBAC refuses (403) is left out with a warning on stderr naming the kind.`;

export const SNAPSHOT_OPTIONS: OptionSpec = {
  cluster: { type: 'boolean' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  format: { type: 'string', short: 'o' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export async function snapshotCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, SNAPSHOT_OPTIONS);
  if (p.values.help) return out(io, SNAPSHOT_HELP), 0;
  if (p.positionals.length > 0) throw new UsageError(`snapshot reads a live cluster and takes no INPUTS (got ${p.positionals.join(' ')})`);
  const format = oneOf(p, 'format', ['yaml', 'json'] as const, 'yaml');
  // --cluster is what the command always does; it is accepted so the command reads like the others.
  const source = clusterOption({ ...p, values: { ...p.values, cluster: true } })!;
  progress(io, 'reading the cluster…');
  const read = await readCluster(resolveKubeconfig(io, source));
  progressDone(io);
  const text = formatSnapshot(read.objects, format);
  for (const w of read.warnings) err(io, `lateral: warning: ${w}`);
  const file = str(p, 'out');
  if (file === undefined) {
    out(io, text);
    return 0;
  }
  try {
    await writeFile(resolve(io.cwd, file), text);
  } catch (e) {
    throw new InputError(`cannot write the snapshot: ${(e as Error).message}`, { file });
  }
  err(io, `lateral: saved ${read.objects.length} objects from ${read.label} to ${file}`);
  return 0;
}
