import { pathToFileURL } from 'node:url';
import { EXIT_INPUT, EXIT_INTERNAL, UsageError } from './cli-error.js';
import { err, out, type CliIo } from './io.js';
import type { OptionSpec } from './args.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** A command once its module is loaded: what it runs, its help, the options it parses. */
export interface LoadedCommand {
  readonly run: Command;
  readonly help: string;
  readonly options: OptionSpec;
}

/**
 * Every command: its one-line summary, and its module loaded only when it runs (a dynamic
 * import per command, which the build turns into a chunk per command), so `lateral --help`
 * or `lateral reach` never load express, the Kubernetes client or the web UI's server.
 */
export const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<LoadedCommand> }> = {
  reach: {
    summary: 'every allowed connection, with ports',
    load: async () => {
      const m = await import('./commands/reach.js');
      return { run: m.reachCommand, help: m.REACH_HELP, options: m.REACH_OPTIONS };
    },
  },
  check: {
    summary: 'answer connection queries (batch JSON lines or one)',
    load: async () => {
      const m = await import('./commands/check.js');
      return { run: m.checkCommand, help: m.CHECK_HELP, options: m.CHECK_OPTIONS };
    },
  },
  explain: {
    summary: 'why a connection is allowed or denied',
    load: async () => {
      const m = await import('./commands/explain.js');
      return { run: m.explainCommand, help: m.EXPLAIN_HELP, options: m.EXPLAIN_OPTIONS };
    },
  },
  synth: {
    summary: 'generate a synthetic cluster (YAML)',
    load: async () => {
      const m = await import('./commands/synth.js');
      return { run: m.synthCommand, help: m.SYNTH_HELP, options: m.SYNTH_OPTIONS };
    },
  },
  demo: {
    summary: 'run on the bundled demo cluster',
    load: async () => {
      const m = await import('./commands/demo.js');
      return { run: m.demoCommand, help: m.DEMO_HELP, options: m.DEMO_OPTIONS };
    },
  },
  serve: {
    summary: 'serve the web app (map, blast radius, matrix, what-if, generate)',
    load: async () => {
      const m = await import('./commands/serve.js');
      return { run: m.serveCommand, help: m.SERVE_HELP, options: m.SERVE_OPTIONS };
    },
  },
  generate: {
    summary: 'least-privilege policies from observed flows, verified',
    load: async () => {
      const m = await import('./commands/generate.js');
      return { run: m.generateCommand, help: m.GENERATE_HELP, options: m.GENERATE_OPTIONS };
    },
  },
  audit: {
    summary: 'observed flows that policies deny or the network dropped',
    load: async () => {
      const m = await import('./commands/audit.js');
      return { run: m.auditCommand, help: m.AUDIT_HELP, options: m.AUDIT_OPTIONS };
    },
  },
  blast: {
    summary: 'blast radius: what a compromised workload reaches, by hops',
    load: async () => {
      const m = await import('./commands/blast.js');
      return { run: m.blastCommand, help: m.BLAST_HELP, options: m.BLAST_OPTIONS };
    },
  },
  paths: {
    summary: 'the k shortest attack paths to a target',
    load: async () => {
      const m = await import('./commands/paths.js');
      return { run: m.pathsCommand, help: m.PATHS_HELP, options: m.PATHS_OPTIONS };
    },
  },
  risk: {
    summary: 'lateral-movement findings: entry points, choke points, escapes',
    load: async () => {
      const m = await import('./commands/risk.js');
      return { run: m.riskCommand, help: m.RISK_HELP, options: m.RISK_OPTIONS };
    },
  },
  snapshot: {
    summary: 'save a live cluster as a manifest file (kind: List)',
    load: async () => {
      const m = await import('./commands/snapshot.js');
      return { run: m.snapshotCommand, help: m.SNAPSHOT_HELP, options: m.SNAPSHOT_OPTIONS };
    },
  },
  diff: {
    summary: 'what changes between two sets of manifests (opens, closes, breaks)',
    load: async () => {
      const m = await import('./commands/diff.js');
      return { run: m.diffCommand, help: m.DIFF_HELP, options: m.DIFF_OPTIONS };
    },
  },
  whatif: {
    summary: 'what applying or deleting objects would open, close and break',
    load: async () => {
      const m = await import('./commands/whatif.js');
      return { run: m.whatifCommand, help: m.WHATIF_HELP, options: m.WHATIF_OPTIONS };
    },
  },
};

export const USAGE = `lateral — Kubernetes NetworkPolicy reachability

Usage: lateral <command> INPUTS... [options]
INPUTS are manifest files (YAML or JSON, multi-document, List kinds), directories (recursive)
or - for stdin; or --cluster to read a live cluster instead.

Kinds read: NetworkPolicy (networking.k8s.io/v1); the cluster-wide tiers ClusterNetworkPolicy
(policy.networking.k8s.io/v1alpha2), AdminNetworkPolicy and BaselineAdminNetworkPolicy
(v1alpha1); CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2); Calico's
NetworkPolicy, GlobalNetworkPolicy, Tier, NetworkSet, GlobalNetworkSet and HostEndpoint
(projectcalico.org/v3, crd.projectcalico.org/v1) -- see --cni and docs/cni.md; Namespace, Pod,
Node, Service, EndpointSlice, Ingress; Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob; ServiceAccount, Role, ClusterRole, RoleBinding,
ClusterRoleBinding. Other kinds are counted and skipped; a policy kind read but not evaluated
(Antrea's, EgressFirewall, MultiNetworkPolicy) is named in every answer it could change.

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
    out(io, topic !== undefined ? (await COMMANDS[topic]!.load()).help : USAGE);
    return name === undefined ? EXIT_INPUT : 0;
  }
  // Own properties only: "constructor" or "toString" is no command.
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) return unknownCommand(io, name);
  try {
    return await (await cmd.load()).run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      err(io, `lateral ${name}: ${e.message}\nRun "lateral ${name} --help" for usage.`);
      return EXIT_INPUT;
    }
    // Loaded here, not up front: the top-level help must not wait for the engine.
    const { InputError } = await import('@lateral/core');
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

/** The `lateral` process: arguments from argv, output to the terminal, the exit code set. */
export function main(argv: string[] = process.argv.slice(2)): void {
  // EPIPE (e.g. `lateral reach ... | head`) is a normal way for a reader to stop.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.env.INIT_CWD ?? process.cwd() };
  runCli(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`lateral: internal error: ${String(e)}\n`);
      process.exitCode = EXIT_INTERNAL;
    },
  );
}

// Run from source (`tsx apps/cli/src/main.ts ...`); the built CLI's bin calls main() itself.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
