import { pathToFileURL } from 'node:url';
import { InputError } from '@lateral/core';
import { EXIT_INPUT, EXIT_INTERNAL, UsageError } from './cli-error.js';
import { err, out, type CliIo } from './io.js';
import { reachCommand, REACH_HELP } from './commands/reach.js';
import { checkCommand, CHECK_HELP } from './commands/check.js';
import { explainCommand, EXPLAIN_HELP } from './commands/explain.js';
import { synthCommand, SYNTH_HELP } from './commands/synth.js';
import { demoCommand, DEMO_HELP } from './commands/demo.js';
import { serveCommand, SERVE_HELP } from './commands/serve.js';
import { generateCommand, GENERATE_HELP } from './commands/generate.js';
import { auditCommand, AUDIT_HELP } from './commands/audit.js';
import { blastCommand, BLAST_HELP } from './commands/blast.js';
import { pathsCommand, PATHS_HELP } from './commands/paths.js';
import { riskCommand, RISK_HELP } from './commands/risk.js';
import { snapshotCommand, SNAPSHOT_HELP } from './commands/snapshot.js';
import { diffCommand, DIFF_HELP } from './commands/diff.js';
import { whatifCommand, WHATIF_HELP } from './commands/whatif.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string; summary: string }> = {
  reach: { run: reachCommand, help: REACH_HELP, summary: 'every allowed connection, with ports' },
  check: { run: checkCommand, help: CHECK_HELP, summary: 'answer connection queries (batch JSON lines or one)' },
  explain: { run: explainCommand, help: EXPLAIN_HELP, summary: 'why a connection is allowed or denied' },
  synth: { run: synthCommand, help: SYNTH_HELP, summary: 'generate a synthetic cluster (YAML)' },
  demo: { run: demoCommand, help: DEMO_HELP, summary: 'run on the bundled demo cluster' },
  serve: { run: serveCommand, help: SERVE_HELP, summary: 'serve the web app (map, blast radius, matrix, what-if, generate)' },
  generate: { run: generateCommand, help: GENERATE_HELP, summary: 'least-privilege policies from observed flows, verified' },
  audit: { run: auditCommand, help: AUDIT_HELP, summary: 'observed flows that policies deny or the network dropped' },
  blast: { run: blastCommand, help: BLAST_HELP, summary: 'blast radius: what a compromised workload reaches, by hops' },
  paths: { run: pathsCommand, help: PATHS_HELP, summary: 'the k shortest attack paths to a target' },
  risk: { run: riskCommand, help: RISK_HELP, summary: 'lateral-movement findings: entry points, choke points, escapes' },
  snapshot: { run: snapshotCommand, help: SNAPSHOT_HELP, summary: 'save a live cluster as a manifest file (kind: List)' },
  diff: { run: diffCommand, help: DIFF_HELP, summary: 'what changes between two sets of manifests (opens, closes, breaks)' },
  whatif: { run: whatifCommand, help: WHATIF_HELP, summary: 'what applying or deleting objects would open, close and break' },
};

export const USAGE = `lateral — Kubernetes NetworkPolicy reachability

Usage: lateral <command> INPUTS... [options]
INPUTS are manifest files (YAML or JSON, multi-document, List kinds), directories (recursive)
or - for stdin; or --cluster to read a live cluster instead.

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
    out(io, topic && COMMANDS[topic] ? COMMANDS[topic].help : USAGE);
    return name === undefined ? EXIT_INPUT : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    err(io, `lateral: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return EXIT_INPUT;
  }
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
