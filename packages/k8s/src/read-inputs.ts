import { closeSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '@lateral/core';
import { defaultManifestWorkers, parseManifestsInParallel, PARALLEL_MIN_BYTES } from './parallel-parse.js';
import { readJsonList, readManifestBytes, type ObjectSink, type SourceObject } from './parse-manifests.js';
import { isByteMarker } from './yaml-documents.js';

/** Files a directory contributes, as `kubectl apply -R -f` picks them. */
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export const STDIN_NAME = '<stdin>';

export interface ReadInputsOptions {
  /** What `-` reads (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
  /**
   * The directory relative inputs are relative to (default: the process's). Messages and
   * SourceObject.file name every file as the user wrote it, relative or absolute.
   */
  readonly cwd?: string;
  /**
   * Worker threads for a YAML input of 16 MB or more (default: see defaultManifestWorkers —
   * none below 4 cores); 0 parses everything on the calling thread.
   */
  readonly workers?: number;
  /**
   * The buffer a YAML file of 4 MB or more is read into, chunk by chunk, on the calling thread
   * (default 16 MiB; it grows for a longer document). Given, every YAML file is read so, whatever
   * its size and the workers: for tests of the chunked read.
   */
  readonly chunkBytes?: number;
  /** Told, as inputs are parsed, how many bytes are parsed of how many read so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * readInputs handing each object to a sink as soon as it is read (loadCluster converts it
 * there and then) instead of returning them all; the same checks, in the same order.
 */
export async function readInputsTo(inputs: string[], sink: ObjectSink, opts: ReadInputsOptions = {}): Promise<void> {
  let count = 0;
  await readEach(inputs, (o, reread, ref) => {
    count++;
    sink(o, reread, ref);
  }, opts, () => count);
}

/**
 * Reads inputs in the order given: a file (any name), a directory (recursively, its *.yaml,
 * *.yml and *.json files in sorted path order) or `-` for standard input. Inputs that hold no
 * object at all (empty files, only comments, an empty stdin) are an input error: an empty
 * cluster is never what was meant, and every answer about it would be silently empty. One
 * empty file among others is fine (a chart template that renders nothing).
 */
export async function readInputs(inputs: string[], opts: ReadInputsOptions = {}): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  await readEach(inputs, (o) => void out.push(o), opts, () => out.length);
  return out;
}

async function readEach(inputs: string[], sink: ObjectSink, opts: ReadInputsOptions, count: () => number): Promise<void> {
  let stdinBytes: Buffer | undefined;
  const onDisk = (p: string) => (opts.cwd === undefined ? p : resolve(opts.cwd, p));
  // Inputs are read and parsed in order, so the first bad one is the one reported.
  let done = 0;
  let total = 0;
  const parse = async (bytes: Buffer, name: string) => {
    total += bytes.length;
    await parseSource(bytes, name, opts, (d) => opts.onProgress?.(done + d, total), sink);
    done += bytes.length;
    opts.onProgress?.(done, total);
  };
  const parseFile = async (path: string, size?: number) => {
    size ??= (await statOrThrow(path, onDisk)).size;
    if (opts.chunkBytes !== undefined || ((opts.workers ?? defaultManifestWorkers()) === 0 && size >= CHUNKED_MIN_BYTES)) {
      total += size;
      const start = done;
      const read = await readYamlFileInChunks(onDisk(path), path, opts.chunkBytes ?? FILE_CHUNK_BYTES, (d) => opts.onProgress?.(start + d, total), sink);
      if (read) {
        done = start + size;
        opts.onProgress?.(done, total);
        return;
      }
      total -= size;
    }
    await parse(await readBytes(path, onDisk), path);
  };
  for (const input of inputs) {
    if (input === '-') {
      // `-` given twice reads the stream once: it cannot be rewound.
      stdinBytes ??= await readStream(opts.stdin ?? process.stdin);
      await parse(stdinBytes, STDIN_NAME);
      continue;
    }
    const info = await statOrThrow(input, onDisk);
    if (info.isDirectory()) {
      const files = await manifestFiles(input, onDisk);
      if (files.length === 0) {
        throw new InputError(`no manifests (${MANIFEST_EXTENSIONS.map((e) => '*' + e).join(', ')}) in directory`, {
          file: input,
        });
      }
      for (const f of files) await parseFile(f);
    } else {
      await parseFile(input, info.size);
    }
  }
  if (count() === 0 && inputs.length > 0) {
    const names = [...new Set(inputs.map((i) => (i === '-' ? STDIN_NAME : i)))];
    throw new InputError(
      `no Kubernetes objects (${names.length === 1 ? 'it is' : 'they are'} empty, or only comments and empty documents)`,
      { file: names.join(', ') },
    );
  }
}

/**
 * A large YAML stream in chunks of documents — on worker threads where there are cores to
 * spare, else here with a pause between chunks for the progress line; anything else at once.
 */
async function parseSource(bytes: Buffer, name: string, opts: ReadInputsOptions, onBytes: (done: number) => void, sink: ObjectSink): Promise<void> {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  // A JSON List (kubectl's `-o json`) item by item, never decoded whole.
  if (looksLikeJson(body) && readJsonList(body, name, sink)) return;
  const workers = opts.workers ?? defaultManifestWorkers();
  if (body.length >= (workers > 0 ? PARALLEL_MIN_BYTES : CHUNKED_MIN_BYTES) && !looksLikeJson(body)) {
    if (await parseManifestsInParallel(body, name, workers, { onBytes, sink })) return;
  }
  readManifestBytes(body, name, sink);
}

/** Streams this large are read in chunks even on one thread, so progress can be shown. */
const CHUNKED_MIN_BYTES = 4 * 2 ** 20;

/** The buffer a large file is read into, chunk by chunk (it grows for a longer document). */
const FILE_CHUNK_BYTES = 16 * 2 ** 20;

/**
 * A large YAML file read in chunks of whole documents into one reused buffer, each chunk parsed
 * (readManifestBytes) as soon as it is read, so that neither the file's bytes nor its text are
 * ever held whole: on a machine where a first write to fresh memory is slow, reading a 115 MB
 * file into a fresh buffer and decoding it into a fresh string were a tenth of the load. An
 * object read again (a duplicate's comparison) is read again from the file. False, with
 * nothing read, for a file that looks like JSON or whose stream has directives or `...` lines,
 * which are read whole as before; a first pass over the file looks for those.
 */
async function readYamlFileInChunks(disk: string, name: string, chunkBytes: number, onBytes: (done: number) => void, sink: ObjectSink): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(disk, 'r');
  } catch (e) {
    throw new InputError(fsReason(e), { file: name });
  }
  try {
    // Read here, not on libuv's threads: from the page cache a read is a copy, and on a busy
    // machine the wait for a thread was longer than the copy.
    const readAt = (into: Buffer, at: number, length: number, position: number): number => {
      try {
        return readSync(fd, into, at, length, position);
      } catch (e) {
        throw new InputError(fsReason(e), { file: name });
      }
    };
    let buf = Buffer.allocUnsafe(Math.max(chunkBytes, 64));
    // First pass: directives, `...` lines, JSON. The 4 bytes before each chunk's are the last
    // of the chunk before (a line break before the first), so a marker cut in two is found.
    const KEEP = 4;
    buf.fill(0x0a, 0, KEEP);
    let bom = 0;
    for (let position = 0; ; ) {
      const n = readAt(buf, KEEP, buf.length - KEEP, position);
      if (position === 0) {
        bom = buf[KEEP] === 0xef && buf[KEEP + 1] === 0xbb && buf[KEEP + 2] === 0xbf ? 3 : 0;
        if (looksLikeJson(buf.subarray(KEEP + bom, KEEP + n))) return false;
        if (buf[KEEP + bom] === 0x25 || isByteMarker(buf, KEEP + bom, 0x2e)) return false;
      }
      if (n === 0) break;
      const view = buf.subarray(0, KEEP + n);
      for (let at = view.indexOf(0x25, KEEP); at >= 0; at = view.indexOf(0x25, at + 1)) if (view[at - 1] === 0x0a) return false;
      // A `...` at the very end of a chunk counts as a marker: reading the file whole is exact too.
      for (let at = view.indexOf('...', 1); at >= 0; at = view.indexOf('...', at + 1)) if (view[at - 1] === 0x0a && isByteMarker(view, at, 0x2e)) return false;
      view.copy(buf, 0, view.length - KEEP);
      position += n;
    }
    // Second pass: chunks of whole documents, each cut before the last `---` line read so far.
    let base = bom; // the file offset of buf[0]
    let filled = 0;
    let line = 1;
    let eof = false;
    while (!eof || filled > 0) {
      if (!eof) {
        if (filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
        const n = readAt(buf, filled, buf.length - filled, base + filled);
        if (n === 0) eof = true;
        filled += n;
      }
      const cut = eof ? filled : lastDocumentStart(buf, filled);
      if (cut <= 0) continue; // no document ends in what is read: read more
      const chunkBase = base;
      line += readManifestBytes(buf.subarray(0, cut), name, sink, line, (start, end) => readRange(disk, name, chunkBase + start, chunkBase + end));
      buf.copyWithin(0, cut, filled);
      filled -= cut;
      base += cut;
      onBytes(base - bom);
      await new Promise<void>((r) => setImmediate(r));
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Where the last document of bytes[0, filled) that is followed by a whole `---` line starts, or 0. */
function lastDocumentStart(bytes: Buffer, filled: number): number {
  // The character after `---` must have been read too, to know it is a marker.
  for (let at = bytes.lastIndexOf('\n---', filled - 5); at >= 0; at = at > 0 ? bytes.lastIndexOf('\n---', at - 1) : -1) {
    if (isByteMarker(bytes, at + 1, 0x2d)) return at + 1;
  }
  return 0;
}

/** bytes[start, end) of a file, read again. */
function readRange(disk: string, name: string, start: number, end: number): Buffer {
  const out = Buffer.alloc(end - start);
  let got = 0;
  let fd: number | undefined;
  try {
    fd = openSync(disk, 'r');
    for (let n = 1; got < out.length && n > 0; got += n) n = readSync(fd, out, got, out.length - got, start + got);
  } catch (e) {
    throw new InputError(fsReason(e), { file: name });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (got < out.length) throw new InputError('changed while it was being read', { file: name });
  return out;
}

/** JSON (one value; JSON.parse reads it faster than any worker split would help). */
function looksLikeJson(bytes: Buffer): boolean {
  for (const c of bytes.subarray(0, 4096)) {
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

async function statOrThrow(path: string, onDisk: (p: string) => string) {
  try {
    return await stat(onDisk(path));
  } catch (e) {
    throw new InputError(fsReason(e), { file: path });
  }
}

async function readBytes(path: string, onDisk: (p: string) => string): Promise<Buffer> {
  try {
    return await readFile(onDisk(path));
  } catch (e) {
    throw new InputError(fsReason(e), { file: path });
  }
}

function fsReason(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e instanceof Error ? e.message : String(e);
}

/** Manifest files under `dir`, sorted by path so the result does not depend on the file system. */
async function manifestFiles(dir: string, onDisk: (p: string) => string): Promise<string[]> {
  const found: string[] = [];
  // Symlinked directories are followed, once each, so a link back up the tree cannot loop.
  const visited = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(onDisk(d));
    if (visited.has(real)) return;
    visited.add(real);
    let names: string[];
    try {
      names = await readdir(onDisk(d));
    } catch (e) {
      throw new InputError(fsReason(e), { file: d });
    }
    for (const name of names) {
      const p = join(d, name);
      const info = await stat(onDisk(p)).catch(() => undefined); // a dangling symlink is not a manifest
      if (!info) continue;
      if (info.isDirectory()) await walk(p);
      else if (info.isFile() && MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext))) found.push(p);
    }
  };
  await walk(dir);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (e) {
    throw new InputError(e instanceof Error ? e.message : String(e), { file: STDIN_NAME });
  }
  return Buffer.concat(chunks);
}
