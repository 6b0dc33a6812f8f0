import { pathToFileURL } from 'node:url';
import { InputError } from '@lateral/core';
import { EXIT_INPUT, EXIT_INTERNAL, UsageError } from './cli-error.js';
import { err, out, type CliIo } from './io.js';
import type { OptionSpec } from './args.js';
import { reachCommand, REACH_HELP, REACH_OPTIONS } from './commands/reach.js';
import { checkCommand, CHECK_HELP, CHECK_OPTIONS } from './commands/check.js';
import { explainCommand, EXPLAIN_HELP, EXPLAIN_OPTIONS } from './commands/explain.js';
import { synthCommand, SYNTH_HELP, SYNTH_OPTIONS } from './commands/synth.js';
import { demoCommand, DEMO_HELP, DEMO_OPTIONS } from './commands/demo.js';
import { serveCommand, SERVE_HELP, SERVE_OPTIONS } from './commands/serve.js';
import { generateCommand, GENERATE_HELP, GENERATE_OPTIONS } from './commands/generate.js';
import { auditCommand, AUDIT_HELP, AUDIT_OPTIONS } from './commands/audit.js';
import { blastCommand, BLAST_HELP, BLAST_OPTIONS } from './commands/blast.js';
import { pathsCommand, PATHS_HELP, PATHS_OPTIONS } from './commands/paths.js';
import { riskCommand, RISK_HELP, RISK_OPTIONS } from './commands/risk.js';
import { snapshotCommand, SNAPSHOT_HELP, SNAPSHOT_OPTIONS } from './commands/snapshot.js';
import { diffCommand, DIFF_HELP, DIFF_OPTIONS } from './commands/diff.js';
import { whatifCommand, WHATIF_HELP, WHATIF_OPTIONS } from './commands/whatif.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Every command, with the options it parses (so a test can hold its help to them). */
export const COMMANDS: Record<string, { run: Command; help: string; summary: string; options: OptionSpec }> = {
  reach: { run: reachCommand, help: REACH_HELP, options: REACH_OPTIONS, summary: 'every allowed connection, with ports' },
  check: { run: checkCommand, help: CHECK_HELP, options: CHECK_OPTIONS, summary: 'answer connection queries (batch JSON lines or one)' },
  explain: { run: explainCommand, help: EXPLAIN_HELP, options: EXPLAIN_OPTIONS, summary: 'why a connection is allowed or denied' },
  synth: { run: synthCommand, help: SYNTH_HELP, options: SYNTH_OPTIONS, summary: 'generate a synthetic cluster (YAML)' },
  demo: { run: demoCommand, help: DEMO_HELP, options: DEMO_OPTIONS, summary: 'run on the bundled demo cluster' },
  serve: { run: serveCommand, help: SERVE_HELP, options: SERVE_OPTIONS, summary: 'serve the web app (map, blast radius, matrix, what-if, generate)' },
  generate: { run: generateCommand, help: GENERATE_HELP, options: GENERATE_OPTIONS, summary: 'least-privilege policies from observed flows, verified' },
  audit: { run: auditCommand, help: AUDIT_HELP, options: AUDIT_OPTIONS, summary: 'observed flows that policies deny or the network dropped' },
  blast: { run: blastCommand, help: BLAST_HELP, options: BLAST_OPTIONS, summary: 'blast radius: what a compromised workload reaches, by hops' },
  paths: { run: pathsCommand, help: PATHS_HELP, options: PATHS_OPTIONS, summary: 'the k shortest attack paths to a target' },
  risk: { run: riskCommand, help: RISK_HELP, options: RISK_OPTIONS, summary: 'lateral-movement findings: entry points, choke points, escapes' },
  snapshot: { run: snapshotCommand, help: SNAPSHOT_HELP, options: SNAPSHOT_OPTIONS, summary: 'save a live cluster as a manifest file (kind: List)' },
  diff: { run: diffCommand, help: DIFF_HELP, options: DIFF_OPTIONS, summary: 'what changes between two sets of manifests (opens, closes, breaks)' },
  whatif: { run: whatifCommand, help: WHATIF_HELP, options: WHATIF_OPTIONS, summary: 'what applying or deleting objects would open, close and break' },
};

export const USAGE = `lateral — Kubernetes NetworkPolicy reachability

Usage: lateral <command> INPUTS... [options]
INPUTS are manifest files (YAML or JSON, multi-document, List kinds), directories (recursive)
or - for stdin; or --cluster to read a live cluster instead.

Kinds read: NetworkPolicy (networking.k8s.io/v1); the cluster-wide tiers ClusterNetworkPolicy
(policy.networking.k8s.io/v1alpha2), AdminNetworkPolicy and BaselineAdminNetworkPolicy
(v1alpha1); Namespace, Pod, Node, Service, Ingress; Deployment, StatefulSet, DaemonSet,
ReplicaSet, ReplicationController, Job, CronJob. Other kinds are counted and skipped.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`)
  .join('\n')}

Common options:
  --ipblock-pods match|ignore   whether ipBlock peers match cluster pods by IP (default match,
                                as the upstream e2e tests expect; Cilium and others: ignore)
  --cluster                     read the cluster of the kubeconfig instead of INPUTS (get/list only)
  --context NAME                kubeconfig context (default: its current-context)
  --kubeconfig PATH             kubeconfig (default: KUBECONFIG, ~/.kube/config, in-cluster)
  -h, --help                    help for a command

Exit codes: 0 ok, 1 a check found what it looks for, 2 usage or input error.`;

/** Runs one CLI invocation; never throws: every failure becomes a message and an exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && !Object.hasOwn(COMMANDS, topic)) return unknownCommand(io, topic);
    out(io, topic !== undefined ? COMMANDS[topic]!.help : USAGE);
    return name === undefined ? EXIT_INPUT : 0;
  }
  // Own properties only: "constructor" or "toString" is no command.
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) return unknownCommand(io, name);
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      err(io, `lateral ${name}: ${e.message}\nRun "lateral ${name} --help" for usage.`);
      return EXIT_INPUT;
    }
    if (e instanceof InputError) {
      err(io, `lateral: ${e.message}`);
      return EXIT_INPUT;
    }
    // A bug of ours, not bad input: say so in one line; the stack only on request.
    const msg = e instanceof Error ? e.message : String(e);
    err(io, `lateral: internal error: ${msg}${process.env.LATERAL_DEBUG ? `\n${(e as Error).stack ?? ''}` : ' (set LATERAL_DEBUG=1 for details)'}`);
    return EXIT_INTERNAL;
  }
}

function unknownCommand(io: CliIo, name: string): number {
  err(io, `lateral: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return EXIT_INPUT;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  // EPIPE (e.g. `lateral reach ... | head`) is a normal way for a reader to stop.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.env.INIT_CWD ?? process.cwd() };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`lateral: internal error: ${String(e)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}
