import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@lateral/core';
import { parseManifests, type SourceObject } from './parse-manifests.js';

/** Files a directory contributes, as `kubectl apply -R -f` picks them. */
const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export const STDIN_NAME = '<stdin>';

/**
 * Reads inputs in the order given: a file (any name), a directory (recursively, its *.yaml,
 * *.yml and *.json files in sorted path order) or `-` for standard input.
 */
export async function readInputs(
  inputs: string[],
  opts: { stdin?: NodeJS.ReadableStream } = {},
): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  let stdinText: string | undefined;
  for (const input of inputs) {
    if (input === '-') {
      // `-` given twice reads the stream once: it cannot be rewound.
      stdinText ??= await readStream(opts.stdin ?? process.stdin);
      out.push(...parseManifests(stdinText, STDIN_NAME));
      continue;
    }
    const info = await statOrThrow(input);
    if (info.isDirectory()) {
      const files = await manifestFiles(input);
      if (files.length === 0) {
        throw new InputError(`no manifests (${MANIFEST_EXTENSIONS.map((e) => '*' + e).join(', ')}) in directory`, {
          file: input,
        });
      }
      for (const f of files) out.push(...parseManifests(await readText(f), f));
    } else {
      out.push(...parseManifests(await readText(input), input));
    }
  }
  return out;
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (e) {
    throw new InputError(fsReason(e), { file: path });
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
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
async function manifestFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  // Symlinked directories are followed, once each, so a link back up the tree cannot loop.
  const visited = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d);
    if (visited.has(real)) return;
    visited.add(real);
    let names: string[];
    try {
      names = await readdir(d);
    } catch (e) {
      throw new InputError(fsReason(e), { file: d });
    }
    for (const name of names) {
      const p = join(d, name);
      const info = await stat(p).catch(() => undefined); // a dangling symlink is not a manifest
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
