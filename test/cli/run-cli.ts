/** Runs the `lateral` CLI in-process with captured output, as a user's terminal would see it. */
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '@lateral/cli';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function lateral(args: string[], opts: { stdin?: string; cwd?: string } = {}): Promise<CliResult> {
  const out = collect();
  const err = collect();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    stdin: Readable.from(opts.stdin !== undefined ? [opts.stdin] : []),
    cwd: opts.cwd ?? REPO,
  });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}
