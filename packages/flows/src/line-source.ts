/**
 * Lines of a capture, streamed: a file or standard input, gzip-compressed or not. Compression
 * is told by the gzip magic bytes, not the name (`hubble observe | gzip` arrives on stdin, and
 * exports get renamed).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { InputError } from '@lateral/core';

export const STDIN_NAME = '<stdin>';

const GZIP_MAGIC = [0x1f, 0x8b];

const BOM = [0xef, 0xbb, 0xbf];

/**
 * The bytes without a leading UTF-8 byte-order mark (what Windows tools put in front of a
 * CSV or JSON export), so the first line parses like the others.
 */
function withoutBom(stream: NodeJS.ReadableStream): NodeJS.ReadableStream {
  const bytes = (async function* () {
    let head: Buffer | undefined = Buffer.alloc(0);
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (head === undefined) {
        yield b;
        continue;
      }
      head = Buffer.concat([head, b]);
      if (head.length < BOM.length && BOM.slice(0, head.length).every((x, i) => head![i] === x)) continue;
      yield BOM.every((x, i) => head![i] === x) ? head.subarray(BOM.length) : head;
      head = undefined;
    }
    if (head !== undefined && head.length > 0 && !BOM.every((x, i) => head![i] === x)) yield head;
  })();
  return Readable.from(bytes, { objectMode: false });
}

/** The stream's bytes, gunzipped when they start with the gzip magic, without a byte-order mark. */
export async function decoded(stream: NodeJS.ReadableStream): Promise<NodeJS.ReadableStream> {
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < GZIP_MAGIC.length) {
    const n = await it.next();
    if (n.done) {
      done = true;
      break;
    }
    const b = typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    head.push(b);
    size += b.length;
  }
  const all = (async function* () {
    yield* head;
    if (done) return;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield typeof n.value === 'string' ? Buffer.from(n.value) : n.value;
    }
  })();
  const first = Buffer.concat(head);
  const raw = Readable.from(all, { objectMode: false });
  if (first[0] !== GZIP_MAGIC[0] || first[1] !== GZIP_MAGIC[1]) return withoutBom(raw);
  // Large output chunks: a gigabyte capture in 16 KiB pieces is 100,000 hand-offs.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (e) => gunzip.destroy(e));
  return withoutBom(raw.pipe(gunzip));
}

/**
 * Lines without their terminators (LF or CRLF), a chunk's worth at a time: one await per
 * chunk rather than per line, and the next chunk is read only when these are handled, so a
 * fast producer (a pipe, a big file) cannot pile up lines in memory.
 */
export async function* lineBatchesOf(stream: NodeJS.ReadableStream): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of await decoded(stream)) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      lines.push(text.slice(start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl));
      start = nl + 1;
    }
    rest = start === 0 ? text : text.slice(start);
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

/** A flow input: `-` is standard input, anything else a file. */
export async function openInput(
  input: string,
  stdin: NodeJS.ReadableStream | undefined,
): Promise<{ name: string; stream: NodeJS.ReadableStream }> {
  if (input === '-') return { name: STDIN_NAME, stream: stdin ?? process.stdin };
  try {
    const info = await stat(input);
    if (info.isDirectory()) throw new InputError('is a directory (give a file, or - for stdin)', { file: input });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(fsReason(e), { file: input });
  }
  return { name: input, stream: createReadStream(input) };
}

export function fsReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') return `not valid gzip (${(e as Error).message})`;
  return e instanceof Error ? e.message : String(e);
}
