import { resolve } from 'node:path';
import { InputError, type Cluster, type CompiledCluster } from '@lateral/core';
import { readFlows, type FlowFormat, type FlowSet } from '@lateral/flows';
import { UsageError } from './cli-error.js';
import { err, progress, progressDone, type CliIo } from './io.js';

/** Bad lines and unresolved reasons listed on stderr; the rest are summed up. */
const LISTED = 5;

/**
 * Reads `--flows` captures against a cluster, for every command that takes them: progress on a
 * TTY, the first bad lines and the unresolved flows by reason on stderr, and file names in
 * messages as the user typed them.
 */
export async function readFlowsOption(
  io: CliIo,
  files: string[] | undefined,
  format: FlowFormat | undefined,
  against: { readonly cluster: Cluster; readonly compiled: CompiledCluster },
  command: string,
): Promise<FlowSet> {
  if (!files || files.length === 0) throw new UsageError(`${command} needs --flows FILE... (captures of observed traffic)`);
  // Messages name the files as they were given, not as resolved.
  const given = new Map(files.map((f) => [f === '-' ? f : resolve(io.cwd, f), f]));
  const shown = (file: string) => given.get(file) ?? file;
  progress(io, 'reading flows…');
  let flows: FlowSet;
  try {
    flows = await readFlows([...given.keys()], against.cluster, {
      compiled: against.compiled,
      stdin: io.stdin,
      ...(format ? { format } : {}),
      onProgress: (n) => progress(io, `reading flows… ${num(n)} records`),
    });
  } catch (e) {
    progressDone(io);
    if (e instanceof InputError && e.location.file !== undefined) throw new InputError(e.detail, { ...e.location, file: shown(e.location.file) });
    throw e;
  }
  progressDone(io);
  if (flows.badLineCount > 0) {
    err(io, `lateral: skipped ${num(flows.badLineCount)} flow line${flows.badLineCount === 1 ? '' : 's'} that did not parse:`);
    for (const b of flows.badLines.slice(0, LISTED)) err(io, `  ${shown(b.file)}:${b.line}: ${b.message}`);
    const more = flows.badLineCount - Math.min(LISTED, flows.badLines.length);
    if (more > 0) err(io, `  … and ${num(more)} more`);
  }
  const unresolved = flows.unresolved.reduce((s, u) => s + u.count, 0);
  if (unresolved > 0) {
    err(io, `lateral: ${num(unresolved)} flow record${unresolved === 1 ? '' : 's'} name endpoints the inputs do not have (left out):`);
    const width = Math.max(...flows.unresolved.slice(0, LISTED).map((u) => num(u.count).length));
    for (const u of flows.unresolved.slice(0, LISTED)) err(io, `  ${num(u.count).padStart(width)}  ${u.reason}`);
    const rest = flows.unresolved.slice(LISTED);
    if (rest.length > 0) {
      const n = rest.reduce((s, u) => s + u.count, 0);
      err(io, `  … and ${rest.length} more reason${rest.length === 1 ? '' : 's'} (${num(n)} record${n === 1 ? '' : 's'})`);
    }
  }
  return flows;
}

export function num(n: number): string {
  return n.toLocaleString('en-US');
}
