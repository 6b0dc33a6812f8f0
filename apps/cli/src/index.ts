/**
 * @lateral/cli as a library: the `lateral` command run in-process, for whoever embeds it (an
 * editor extension, a test harness, a CI step in Node). `runCli(argv, io)` is exactly what the
 * `lateral` process does, with its output on the streams given and its exit code returned;
 * `serveInProcess` starts `lateral serve` and hands back the running server to stop it.
 */
import { parse, requireInputs } from './args.js';
import type { CliIo } from './io.js';
import type { RunningServer } from '@lateral/web';

export { COMMANDS, runCli, USAGE } from './main.js';
export type { CliIo } from './io.js';
export type { RunningServer } from '@lateral/web';

/** `lateral serve ARGS...` in this process; the caller decides how long it runs. */
export async function serveInProcess(io: CliIo, args: string[]): Promise<RunningServer> {
  const { SERVE_OPTIONS, startServing } = await import('./commands/serve.js');
  const p = parse(args, SERVE_OPTIONS);
  return startServing(io, p, requireInputs(p, 'serve'));
}
