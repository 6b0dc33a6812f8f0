import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import {
  InputError,
  buildEndpointIndex,
  explainConnection,
  type CompiledCluster,
  type EndpointIndex,
  type Explanation,
  type Protocol,
} from '@lateral/core';
import { COMMON_INPUT_OPTIONS, intOption, ipBlockPodsOption, parse, protocolOption, requireInputs, str } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { loadAndCompile } from '../load.js';
import { pairsOf, resolveTarget } from '../resolve.js';

export const CHECK_HELP = `lateral check INPUTS... --queries FILE|-      batch: one JSON query per line
lateral check INPUTS... --from A --to B --port P [--protocol TCP|UDP|SCTP]

A query is {"from": "x/a", "to": "y/b", "port": 80, "protocol": "TCP"}: from/to are
namespace/name (a pod or a workload) or an IP address outside the cluster; protocol defaults
to TCP. Each answer is the query's fields plus "allowed" and a short "reason", one JSON line per
query in the same order. For a workload whose pods policy treats differently, "allowed" is true
when any of its pods may connect, and "partial": true says not all may.`;

export interface Verdict {
  readonly allowed: boolean;
  readonly partial: boolean;
  readonly reason: string;
  readonly explanation: Explanation;
}

function sideReason(e: Explanation): string {
  if (e.selfConnection) return 'a pod to itself is always allowed';
  if (e.allowed) {
    const parts = [e.egress, e.ingress].filter((s) => s.isolated).map((s) => s.reason);
    return parts.length ? parts.join('; ') : 'neither side is isolated';
  }
  return e.denyingSides.map((s) => (s === 'egress' ? e.egress.reason : e.ingress.reason)).join('; ');
}

/** Answers one question for every pair it stands for; exact because pairs are one per class pair. */
export function decide(compiled: CompiledCluster, index: EndpointIndex, fromText: string, toText: string, port: number, protocol: Protocol): Verdict {
  const from = resolveTarget(compiled, index, fromText, 'from');
  const to = resolveTarget(compiled, index, toText, 'to');
  const pairs = pairsOf(compiled, from, to);
  let allowedCount = 0;
  let firstAllowed: Explanation | undefined;
  let firstDenied: Explanation | undefined;
  for (const [a, b] of pairs) {
    const ok = compiled.allowed(a, b, port, protocol);
    if (ok) allowedCount++;
    if (ok && !firstAllowed) firstAllowed = explainConnection(compiled.cluster, a, b, port, protocol, compiled.options);
    if (!ok && !firstDenied) firstDenied = explainConnection(compiled.cluster, a, b, port, protocol, compiled.options);
  }
  const allowed = allowedCount > 0;
  const partial = allowed && allowedCount < pairs.length;
  const explanation = (allowed ? firstAllowed : firstDenied)!;
  let reason = sideReason(explanation);
  if (partial) reason = `allowed for ${allowedCount} of ${pairs.length} pod groups; denied for others: ${sideReason(firstDenied!)}`;
  return { allowed, partial, reason, explanation };
}

interface Query {
  from: string;
  to: string;
  port: number;
  protocol: Protocol;
  raw: Record<string, unknown>;
}

function parseQuery(line: string, lineNo: number, file: string): Query {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new InputError(`not a JSON object: ${(e as Error).message}`, { file, line: lineNo });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError('a query must be a JSON object', { file, line: lineNo });
  const q = raw as Record<string, unknown>;
  for (const f of ['from', 'to'] as const) {
    if (typeof q[f] !== 'string' || q[f] === '') throw new InputError(`"${f}" must be a non-empty string`, { file, line: lineNo, field: f });
  }
  const port = q.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError('"port" must be a whole number from 1 to 65535', { file, line: lineNo, field: 'port' });
  }
  const proto = q.protocol === undefined ? 'TCP' : q.protocol;
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
    throw new InputError('"protocol" must be TCP, UDP or SCTP', { file, line: lineNo, field: 'protocol' });
  }
  return { from: q.from as string, to: q.to as string, port, protocol: proto, raw: q };
}

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, {
    ...COMMON_INPUT_OPTIONS,
    queries: { type: 'string', short: 'q' },
    from: { type: 'string' },
    to: { type: 'string' },
    port: { type: 'string' },
    protocol: { type: 'string' },
  });
  if (p.values.help) return out(io, CHECK_HELP), 0;
  const queriesFile = str(p, 'queries');
  const from = str(p, 'from');
  const to = str(p, 'to');
  if (queriesFile === undefined && (from === undefined || to === undefined)) {
    throw new UsageError('check needs --queries FILE (or -), or --from, --to and --port for a single query');
  }
  const port = intOption(p, 'port', { min: 1, max: 65535 });
  if (queriesFile === undefined && port === undefined) throw new UsageError('a single check needs --port');
  const inputs = requireInputs(p, 'check');
  if (queriesFile === '-' && inputs.includes('-')) throw new UsageError('stdin (-) can feed the inputs or the queries, not both');
  const protocol = protocolOption(p);
  const { compiled } = await loadAndCompile(io, inputs, { ipBlockPods: ipBlockPodsOption(p) });
  const index = buildEndpointIndex(compiled);

  if (queriesFile === undefined) {
    const v = decide(compiled, index, from!, to!, port!, protocol);
    out(io, `${from} -> ${to} ${protocol} ${port}: ${v.allowed ? (v.partial ? 'ALLOWED (some pods)' : 'ALLOWED') : 'DENIED'}`);
    out(io, `  ${v.reason}`);
    return 0;
  }

  const name = queriesFile === '-' ? '<stdin>' : queriesFile;
  let stream: NodeJS.ReadableStream = io.stdin;
  if (queriesFile !== '-') {
    const file = createReadStream(resolve(io.cwd, queriesFile));
    await new Promise<void>((ok, fail) => {
      file.once('open', () => ok());
      file.once('error', (e: NodeJS.ErrnoException) => fail(new InputError(e.code === 'ENOENT' ? 'no such file' : e.message, { file: name })));
    });
    stream = file;
  }
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  // Answers are buffered so a bad line later in the file fails the run before anything is printed.
  const answers: string[] = [];
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    const q = parseQuery(line, lineNo, name);
    let v: Verdict;
    try {
      v = decide(compiled, index, q.from, q.to, q.port, q.protocol);
    } catch (e) {
      if (e instanceof InputError) throw e.within({ file: name, line: lineNo });
      throw e;
    }
    answers.push(JSON.stringify({ ...q.raw, protocol: q.protocol, allowed: v.allowed, ...(v.partial ? { partial: true } : {}), reason: v.reason }));
  }
  out(io, answers.join('\n'));
  return 0;
}
