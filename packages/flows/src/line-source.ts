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

export const BOM = [0xef, 0xbb, 0xbf];

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
 * The longest line (or JSON array element) a capture may have. A flow record is a few
 * kilobytes; a line of many megabytes is a capture written on one line that is not a JSON array
 * (those are read element by element), or not a capture at all.
 */
export const MAX_LINE_CHARS = 16 * 2 ** 20;

function tooLong(line: number, what: string, max: number): InputError {
  return new InputError(
    `${what} is longer than ${max.toLocaleString('en-US')} characters: a capture has one flow record per line ` +
      '(JSON lines, CSV) or is one JSON array of records (`jq -s`)',
    { line },
  );
}

/** The decoded text of a stream, a chunk at a time. */
async function* textsOf(stream: NodeJS.ReadableStream): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of await decoded(stream)) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    if (text.length > 0) yield text;
  }
  const last = decoder.end();
  if (last.length > 0) yield last;
}

/**
 * Lines without their terminators (LF or CRLF), a chunk's worth at a time. Linear in the input:
 * newlines are looked for only in the new chunk, and an unfinished line is kept as pieces that
 * are joined once, when its end arrives — a 24 MiB line costs what 24 MiB of short lines cost,
 * and a line past MAX_LINE_CHARS is refused as soon as it is that long.
 */
async function* splitLines(texts: AsyncIterable<string>, maxLine: number): AsyncGenerator<string[]> {
  let pieces: string[] = [];
  let pending = 0;
  let lineNo = 0;
  const finish = (tail: string): string => {
    let line = tail;
    if (pieces.length > 0) {
      pieces.push(tail);
      line = pieces.join('');
      pieces = [];
      pending = 0;
    }
    lineNo++;
    if (line.length > maxLine) throw tooLong(lineNo, `line ${lineNo}`, maxLine);
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const text of texts) {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      lines.push(finish(text.slice(start, nl)));
      start = nl + 1;
    }
    if (start < text.length) {
      const tail = start === 0 ? text : text.slice(start);
      pieces.push(tail);
      pending += tail.length;
      if (pending > maxLine) throw tooLong(lineNo + 1, `line ${lineNo + 1}`, maxLine);
    }
    if (lines.length > 0) yield lines;
  }
  if (pieces.length > 0) yield [finish('')];
}

/**
 * Lines without their terminators (LF or CRLF), a chunk's worth at a time: one await per
 * chunk rather than per line, and the next chunk is read only when these are handled, so a
 * fast producer (a pipe, a big file) cannot pile up lines in memory.
 */
export async function* lineBatchesOf(stream: NodeJS.ReadableStream, maxLine = MAX_LINE_CHARS): AsyncGenerator<string[]> {
  yield* splitLines(textsOf(stream), maxLine);
}

/** Records of a capture, with the line each starts on. */
export interface RecordBatch {
  readonly texts: string[];
  readonly lines: number[];
}

/**
 * The records of a capture: its lines, or — when the input is one JSON array, as `jq -s` and
 * many exporters write it — the array's elements, each with the line it starts on, cut without
 * parsing the whole array (a string-aware scan of brackets, linear, one element in memory at a
 * time beyond the current chunk).
 */
export async function* recordBatchesOf(stream: NodeJS.ReadableStream, maxRecord = MAX_LINE_CHARS): AsyncGenerator<RecordBatch> {
  const it = textsOf(stream)[Symbol.asyncIterator]();
  const head: string[] = [];
  let first: string | undefined;
  while (first === undefined) {
    const n = await it.next();
    if (n.done) break;
    head.push(n.value);
    const m = /\S/.exec(n.value);
    if (m) first = m[0];
  }
  const all = (async function* () {
    yield* head;
    for (;;) {
      const n = await it.next();
      if (n.done) return;
      yield n.value;
    }
  })();
  if (first === '[') {
    yield* arrayElements(all, maxRecord);
    return;
  }
  let lineNo = 0;
  for await (const texts of splitLines(all, maxRecord)) {
    const lines = texts.map(() => ++lineNo);
    yield { texts, lines };
  }
}

/** Outside strings, the characters that matter to cutting an array; inside, those that end or escape. */
const STRUCTURE = /["{}[\],\n]/g;
const IN_STRING = /["\\\n]/g;
const NOT_SPACE = /[^ \t\r\n]/g;

async function* arrayElements(texts: AsyncIterable<string>, maxRecord: number): AsyncGenerator<RecordBatch> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let closed = false;
  let line = 1;
  /** Pieces of the element being read, and the line it started on (0: between elements). */
  let pieces: string[] = [];
  let pending = 0;
  let startLine = 0;
  let elements = 0;
  const notArray = (why: string) => new InputError(`not a JSON array of flow records: ${why}`, { line });
  const newlines = (text: string, from: number, to: number) => {
    for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) line++;
  };
  for await (const text of texts) {
    const out: RecordBatch = { texts: [], lines: [] };
    // Start of the element's piece in this chunk: 0 when an element runs on from the last chunk.
    let from = startLine > 0 ? 0 : -1;
    const end = (at: number, terminator: number) => {
      if (from >= 0) pieces.push(text.slice(from, at));
      const element = pieces.join('').trim();
      pieces = [];
      pending = 0;
      from = -1;
      if (element === '') {
        if (elements > 0 || terminator === 44) throw notArray('an empty element');
        return;
      }
      elements++;
      out.texts.push(element);
      out.lines.push(startLine);
      startLine = 0;
    };
    let i = 0;
    while (i < text.length) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        IN_STRING.lastIndex = i;
        const m = IN_STRING.exec(text);
        if (!m) break;
        i = m.index;
        const c = text.charCodeAt(i);
        if (c === 10) line++;
        else if (c === 92) escaped = true;
        else inString = false;
        i++;
        continue;
      }
      if (closed || depth === 0 || from < 0) {
        // Between values: whitespace, then "[" (before the array), an element's first
        // character, "," or "]" (inside), or nothing at all (after it).
        NOT_SPACE.lastIndex = i;
        const m = NOT_SPACE.exec(text);
        const at = m ? m.index : text.length;
        newlines(text, i, at);
        i = at;
        if (!m) break;
        const c = text.charCodeAt(i);
        if (closed) throw notArray('text after the closing ]');
        if (depth === 0) {
          if (c !== 91) throw notArray('expected [');
          depth = 1;
          i++;
          continue;
        }
        if (c !== 44 && c !== 93) {
          from = i;
          startLine = line;
        }
      }
      STRUCTURE.lastIndex = i;
      const m = STRUCTURE.exec(text);
      if (!m) break;
      i = m.index;
      const c = text.charCodeAt(i);
      i++;
      if (c === 10) line++;
      else if (c === 34) inString = true;
      else if (c === 123 || c === 91) depth++;
      else if (c === 125) depth--;
      else if (depth === 1 && (c === 44 || c === 93)) {
        end(i - 1, c);
        if (c === 93) {
          depth = 0;
          closed = true;
        }
      } else if (c === 93) depth--;
    }
    if (from >= 0) {
      const piece = text.slice(from);
      pieces.push(piece);
      pending += piece.length;
      if (pending > maxRecord) throw tooLong(startLine, `the array element starting on line ${startLine}`, maxRecord);
    }
    const long = out.texts.findIndex((t) => t.length > maxRecord);
    if (long >= 0) throw tooLong(out.lines[long]!, `the array element starting on line ${out.lines[long]}`, maxRecord);
    if (out.texts.length > 0) yield out;
  }
  if (!closed) throw notArray('the array is not closed (missing ])');
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
