import { evalFlags } from '../cni-profile.js';
import { resolve } from 'node:path';
import { lineBatchesOf, openInput, fsReason } from '@lateral/flows';
import {
  InputError,
  explainConnection,
  type CompiledCluster,
  type EndpointIndex,
  type Explanation,
  type Protocol,
} from '@lateral/core';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, intOption, parse, protocolOption, requireInputs, str, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { outAnswer, pairQualification, warningsOf } from '../answer.js';
import { loadAndCompile } from '../load.js';
import { pairsOf, resolvePair } from '../resolve.js';

export const CHECK_HELP = `lateral check INPUTS... --queries FILE|-      batch: one JSON query per line
lateral check INPUTS... --from A --to B --port P [--protocol TCP|UDP|SCTP]

A query is {"from": "x/a", "to": "y/b", "port": 80, "protocol": "TCP"}: from/to are
namespace/name (a pod or a workload) or an IP address outside the cluster; protocol defaults
to TCP. Each answer is the query's fields plus "allowed" (true only when certainly allowed),
"verdict" (allowed, denied, or unknown when a tier policy's domainNames rule may decide it) and
a short "reason", one JSON line per query in the same order. For a workload whose pods policy treats differently, "allowed" is true
when any of its pods may connect, and "partial": true says not all may.
  -q, --queries FILE|-   the queries, one JSON object per line (- for stdin)
  --from A, --to B       a single query: namespace/name (a pod or a workload) or an IP address
  --port P               its port (1-65535)
  --protocol PROTO       its protocol: TCP (default), UDP or SCTP

${COMMON_INPUT_OPTIONS_HELP}`;

export const CHECK_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  queries: { type: 'string', short: 'q' },
  from: { type: 'string' },
  to: { type: 'string' },
  port: { type: 'string' },
  protocol: { type: 'string' },
};

export interface Verdict {
  readonly allowed: boolean;
  /** allowed, denied, or unknown: a domainNames rule of a tier policy may decide it. */
  readonly verdict: 'allowed' | 'denied' | 'unknown';
  readonly partial: boolean;
  readonly reason: string;
  readonly explanation: Explanation;
}

function sideReason(e: Explanation): string {
  if (e.selfConnection) return 'a pod to itself is always allowed';
  if (e.allowed) {
    const parts = [e.egress, e.ingress].filter((s) => s.isolated || s.tiers).map((s) => s.reason);
    return parts.length ? parts.join('; ') : 'neither side is isolated';
  }
  return e.denyingSides.map((s) => (s === 'egress' ? e.egress.reason : e.ingress.reason)).join('; ');
}

/** How a question names its two ends in messages: query fields, or the command's options. */
export const QUERY_FIELDS = { from: 'from', to: 'to' } as const;
export const ENDPOINT_OPTIONS = { from: '--from', to: '--to' } as const;

/** Answers one question for every pair it stands for; exact because pairs are one per class pair. */
export function decide(
  compiled: CompiledCluster,
  index: EndpointIndex,
  fromText: string,
  toText: string,
  port: number,
  protocol: Protocol,
  names: { readonly from: string; readonly to: string } = QUERY_FIELDS,
): Verdict {
  const { from, to } = resolvePair(compiled, index, fromText, toText, names);
  const pairs = pairsOf(compiled, from, to);
  let allowedCount = 0;
  // Only a rule the input cannot decide (a domainNames peer, a Cilium toFQDNs, ...) can leave a
  // connection unknown; the compile offers possible() exactly then.
  const mayBeUnknown = compiled.possible !== undefined;
  let firstAllowed: Explanation | undefined;
  let firstDenied: Explanation | undefined;
  for (const [a, b] of pairs) {
    const ok = compiled.allowed(a, b, port, protocol);
    if (ok) allowedCount++;
    if (ok && !firstAllowed) firstAllowed = explainConnection(compiled.cluster, a, b, port, protocol, compiled.options);
    if (!ok && (!firstDenied || (mayBeUnknown && firstDenied.verdict !== 'unknown'))) {
      const x = explainConnection(compiled.cluster, a, b, port, protocol, compiled.options);
      // An unknown pair says more than a denied one: report it first.
      if (!firstDenied || x.verdict === 'unknown') firstDenied = x;
    }
  }
  const allowed = allowedCount > 0;
  const partial = allowed && allowedCount < pairs.length;
  const explanation = (allowed ? firstAllowed : firstDenied)!;
  const verdict = allowed ? 'allowed' : explanation.verdict === 'unknown' ? 'unknown' : 'denied';
  let reason = verdict === 'unknown' ? `unknown: ${explanation.unknownReason}` : sideReason(explanation);
  if (partial) reason = `allowed for ${allowedCount} of ${pairs.length} pod groups; denied for others: ${sideReason(firstDenied!)}`;
  return { allowed, verdict, partial, reason, explanation };
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
    if (typeof q[f] !== 'string' || q[f] === '') throw new InputError('must be a non-empty string', { file, line: lineNo, field: f });
  }
  const port = q.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InputError('must be a whole number from 1 to 65535', { file, line: lineNo, field: 'port' });
  }
  const proto = q.protocol === undefined ? 'TCP' : q.protocol;
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') {
    throw new InputError('must be TCP, UDP or SCTP', { file, line: lineNo, field: 'protocol' });
  }
  return { from: q.from as string, to: q.to as string, port, protocol: proto, raw: q };
}

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, CHECK_OPTIONS);
  if (p.values.help) return out(io, CHECK_HELP), 0;
  const queriesFile = str(p, 'queries');
  const from = str(p, 'from');
  const to = str(p, 'to');
  if (queriesFile === undefined && (from === undefined || to === undefined)) {
    throw new UsageError('check needs --queries FILE (or -), or --from, --to and --port for a single query');
  }
  const single = ['from', 'to', 'port', 'protocol'].filter((o) => p.values[o] !== undefined);
  if (queriesFile !== undefined && single.length > 0) {
    throw new UsageError(`give --queries or --from/--to/--port, not both (got --queries and --${single.join(', --')})`);
  }
  const port = intOption(p, 'port', { min: 1, max: 65535 });
  if (queriesFile === undefined && port === undefined) throw new UsageError('a single check needs --port');
  const inputs = requireInputs(p, 'check');
  if (queriesFile === '-' && inputs.includes('-')) throw new UsageError('stdin (-) can feed the inputs or the queries, not both');
  const protocol = protocolOption(p);
  const { compiled, load } = await loadAndCompile(io, inputs, evalFlags(p));
  const index = compiled.endpoints();
  const warnings = warningsOf(load);
  // Which unevaluated policies a pair's pods are selected by: each answer that could differ says so.
  const notEvaluated = (a: string, b: string, names?: { from: string; to: string }) => {
    if (load.unevaluated.length === 0) return [];
    const pair = resolvePair(compiled, index, a, b, names ?? QUERY_FIELDS);
    return pairQualification(load, compiled.cluster, pair.from, pair.to);
  };

  if (queriesFile === undefined) {
    const v = decide(compiled, index, from!, to!, port!, protocol, ENDPOINT_OPTIONS);
    const q = notEvaluated(from!, to!, ENDPOINT_OPTIONS);
    const verdict = `${from} -> ${to} ${protocol} ${port}: ${v.allowed ? (v.partial ? 'ALLOWED (some pods)' : 'ALLOWED') : v.verdict === 'unknown' ? 'UNKNOWN' : 'DENIED'}`;
    outAnswer(io, 'txt', [[verdict, ...q].join('; '), `  ${v.reason}`].join('\n'), warnings);
    return 0;
  }

  // Read as captures are (a directory, a missing file, gzip, CRLF and a byte-order mark alike),
  // and named as the user typed it.
  const opened = await openInput(queriesFile === '-' ? '-' : resolve(io.cwd, queriesFile), io.stdin).catch((e: unknown) => {
    throw e instanceof InputError ? new InputError(e.detail, { ...e.location, file: queriesFile }) : e;
  });
  const name = queriesFile === '-' ? opened.name : queriesFile;
  let lineNo = 0;
  // Answers are buffered so a bad line later in the file fails the run before anything is printed.
  const answers: string[] = [];
  const batches = lineBatchesOf(opened.stream)[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<string[]>;
    try {
      next = await batches.next();
    } catch (e) {
      // Only reading is in here: a failing read (or bad gzip) is the file's fault, not ours.
      if (e instanceof InputError) throw e.location.file ? e : e.within({ file: name });
      throw new InputError(fsReason(e), { file: name });
    }
    if (next.done) break;
    for (const line of next.value) {
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
      const ne = notEvaluated(q.from, q.to);
      answers.push(JSON.stringify({ ...q.raw, protocol: q.protocol, allowed: v.allowed, verdict: v.verdict, ...(v.partial ? { partial: true } : {}), reason: v.reason, ...(v.explanation.notes ? { notes: v.explanation.notes } : {}), ...(ne.length ? { notEvaluated: ne } : {}) }));
    }
  }
  out(io, answers.join('\n'));
  // JSON lines have no room for a trailer: the warning goes to stderr, each affected answer carries notEvaluated.
  outAnswer(io, 'jsonl', '', warnings);
  return 0;
}
