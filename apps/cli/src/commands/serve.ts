// The web package (express, the UI build) loads only when serving, so other commands stay quick.
import { evalFlags, flagOptions } from '../cni-profile.js';
import type { RunningServer } from '@lateral/web';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, intOption, parse, requireInputs, str, type Parsed } from '../args.js';
import { UsageError } from '../cli-error.js';
import { clusterSourceOf } from '../cluster-input.js';
import { buildAttackGraph, type CompiledCluster } from '@lateral/core';
import { resolveJewels } from '@lateral/analysis';
import { err, out, type CliIo } from '../io.js';
import { reportLoad, resolveKubeconfig } from '../load.js';

export const SERVE_HELP = `lateral serve INPUTS... [--flows FILE]... [--target SEL]... [--port N] [--host H] [--allow-host N]...
lateral serve --cluster [--context NAME] [--kubeconfig PATH] [--watch] [options]

Serves the web app for a cluster: the map (namespaces, workloads, allowed and observed
connections), blast radius and attack paths, the reachability matrix, what-if on policy
changes, and policy generation from a flow capture. Every edge and cell explains itself.
  --flows FILE   a flow capture (Hubble JSON, Inspektor Gadget, CSV, JSONL); repeatable
  --target SEL   crown jewels for the blast-radius view (as lateral blast --target); repeatable
  --port N       port to listen on (default: any free port)
  --host H       address to bind (default 127.0.0.1: the API describes your cluster's security,
                 keep it off the network unless you mean it)
  --allow-host N also answer requests for host name N (repeatable); by default only localhost
                 names and the bound address are answered, which keeps DNS-rebinding pages out
  --cluster      serve a running cluster instead of INPUTS; read once
  --watch        with --cluster: follow the cluster (list + watch) and recompute on every change;
                 the open page notices within a few seconds and redraws
Builds the browser UI on first run. Stops on Ctrl-C.

${COMMON_INPUT_OPTIONS_HELP}`;

export const SERVE_OPTIONS = {
  ...COMMON_INPUT_OPTIONS,
  flows: { type: 'string', multiple: true },
  target: { type: 'string', multiple: true },
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  watch: { type: 'boolean' },
} as const;

function list(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/**
 * A --target that selects nothing is a typo to report now, as lateral blast does, not an
 * error the page shows later. (With --watch the workload may yet appear: not checked.)
 */
function checkTargets(compiled: CompiledCluster, targets: readonly string[]): void {
  if (targets.length > 0) resolveJewels(buildAttackGraph(compiled), targets, '--target', false);
}

/** Starts the server and returns it; the caller decides how long it runs. */
export async function startServing(io: CliIo, p: Parsed, inputs: string[]): Promise<RunningServer> {
  const port = intOption(p, 'port', { min: 0, max: 65535 }) ?? 0;
  const host = str(p, 'host') ?? '127.0.0.1';
  const allowHosts = list(p, 'allow-host');
  const { ensureUiBuilt, loadSession, startServer, readClusterSession, watchClusterSessions } = await import('@lateral/web');
  await ensureUiBuilt((line) => err(io, `lateral: ${line}`));
  const live = clusterSourceOf(inputs);
  if (p.values.watch && !live) throw new UsageError('--watch goes with --cluster (follow a live cluster)');
  if (live) {
    const source = resolveKubeconfig(io, live);
    const o = {
      source,
      options: flagOptions(evalFlags(p)),
      flowFiles: list(p, 'flows'),
      targets: list(p, 'target'),
      cwd: io.cwd,
    };
    const log = (line: string) => err(io, line);
    if (!p.values.watch) {
      const session = await readClusterSession(o);
      reportLoad(io, session.load);
      checkTargets(session.compiled, o.targets);
      return startServer(session, { host, port, log, allowHosts });
    }
    const watched = await watchClusterSessions(o);
    reportLoad(io, watched.session.load);
    const server = await startServer(watched.session, { host, port, log, live: true, allowHosts });
    watched.onSession((s) => {
      server.setSession(s);
      const pods = s.cluster.pods.reduce((n, x) => n + x.replicas, 0);
      err(io, `lateral: cluster changed: now ${pods} pods, ${s.cluster.policies.length} policies (generation ${server.generation})`);
    });
    watched.onError((m) => err(io, `lateral: warning: ${m}`));
    return {
      url: server.url,
      port: server.port,
      setSession: (s) => server.setSession(s),
      get generation() {
        return server.generation;
      },
      get analysis() {
        return server.analysis;
      },
      close: async () => {
        await watched.stop();
        await server.close();
      },
    };
  }
  const session = await loadSession(inputs, {
    label: inputs.join(' '),
    options: flagOptions(evalFlags(p)),
    flowFiles: list(p, 'flows'),
    targets: list(p, 'target'),
    cwd: io.cwd,
  });
  reportLoad(io, session.load);
  checkTargets(session.compiled, list(p, 'target'));
  return startServer(session, { host, port, log: (line) => err(io, line), allowHosts });
}

/** Runs until SIGINT or SIGTERM. */
export async function serveUntilStopped(io: CliIo, server: RunningServer): Promise<number> {
  out(io, `Lateral is serving ${server.url}  (Ctrl-C to stop)`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}

export async function serveCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, SERVE_OPTIONS);
  if (p.values.help) return out(io, SERVE_HELP), 0;
  const inputs = requireInputs(p, 'serve');
  return serveUntilStopped(io, await startServing(io, p, inputs));
}
