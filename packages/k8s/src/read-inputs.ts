import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '@lateral/core';
import { parseManifests, type SourceObject } from './parse-manifests.js';

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
  let stdinText: string | undefined;
  const onDisk = (p: string) => (opts.cwd === undefined ? p : resolve(opts.cwd, p));
  for (const input of inputs) {
    if (input === '-') {
      // `-` given twice reads the stream once: it cannot be rewound.
      stdinText ??= await readStream(opts.stdin ?? process.stdin);
      out.push(...parseManifests(stdinText, STDIN_NAME));
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
      for (const f of files) out.push(...parseManifests(await readText(f, onDisk), f));
    } else {
      out.push(...parseManifests(await readText(input, onDisk), input));
    }
  }
  if (out.length === 0 && inputs.length > 0) {
    const names = [...new Set(inputs.map((i) => (i === '-' ? STDIN_NAME : i)))];
    throw new InputError(
      `no Kubernetes objects (${names.length === 1 ? 'it is' : 'they are'} empty, or only comments and empty documents)`,
      { file: names.join(', ') },
    );
  }
  return out;
}

async function statOrThrow(path: string, onDisk: (p: string) => string) {
  try {
    return await stat(onDisk(path));
  } catch (e) {
    throw new InputError(fsReason(e), { file: path });
  }
}

async function readText(path: string, onDisk: (p: string) => string): Promise<string> {
  try {
    return await readFile(onDisk(path), 'utf8');
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

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (e) {
    throw new InputError(e instanceof Error ? e.message : String(e), { file: STDIN_NAME });
  }
  return Buffer.concat(chunks).toString('utf8');
}
