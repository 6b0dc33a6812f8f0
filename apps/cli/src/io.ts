/** Where commands write: injectable so the CLI can be run in-process by tests. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
}

export function out(io: CliIo, text: string): void {
  io.stdout.write(text.endsWith('\n') || text === '' ? text : `${text}\n`);
}

export function err(io: CliIo, text: string): void {
  io.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Progress for long work, only when a person is watching stderr. */
export function progress(io: CliIo, text: string): void {
  if (io.stderr.isTTY) io.stderr.write(`\r\x1b[K${text}`);
}

export function progressDone(io: CliIo): void {
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
}
