import { evalFlags } from '../cni-profile.js';
import {
  formatExplanation,
  formatProtoPorts,
  isEmptyProtoPorts,
  unionProtoPorts,
  EMPTY_PROTO_PORTS,
  type CompiledCluster,
  type Endpoint,
  type ProtoPorts,
  type Protocol,
} from '@lateral/core';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, intOption, oneOf, parse, protocolOption, requireInputs, str, type OptionSpec } from '../args.js';
import { UsageError } from '../cli-error.js';
import { out, type CliIo } from '../io.js';
import { jsonWithWarnings, outAnswer, pairQualification, warningsOf } from '../answer.js';
import { loadAndCompile } from '../load.js';
import { pairsOf, resolvePair } from '../resolve.js';
import { decide, ENDPOINT_OPTIONS } from './check.js';

export const EXPLAIN_HELP = `lateral explain INPUTS... --from A --to B [--port P] [--protocol TCP|UDP|SCTP] [--format txt|json]

Why a connection is allowed or denied: on each side whether the endpoint is isolated and by
which policies, the policy and rule that allow it, the side(s) that deny it, and near misses.
Without --port: the ports allowed between the two, and the explanation for the destination's
first declared port (or TCP 80 when it declares none).
  --from A, --to B     namespace/name (a pod or a workload) or an IP address outside the cluster
  --port P             the port (1-65535)
  --protocol PROTO     TCP (default), UDP or SCTP
  -o, --format F       txt (default) or json

${COMMON_INPUT_OPTIONS_HELP}`;

export const EXPLAIN_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  port: { type: 'string' },
  protocol: { type: 'string' },
  format: { type: 'string', short: 'o' },
};

function nodeOf(compiled: CompiledCluster, e: Endpoint): number {
  const node = compiled.nodeOf(e);
  return node >= 0 ? node : compiled.podClass[0]!;
}

/** Ports allowed between two targets, over every pair they stand for (single-pair work: no all-pairs). */
function allowedPortsBetween(compiled: CompiledCluster, pairs: [Endpoint, Endpoint][]): ProtoPorts {
  let acc: ProtoPorts = EMPTY_PROTO_PORTS;
  const reach = compiled.reach();
  for (const [a, b] of pairs) acc = unionProtoPorts(acc, reach.ports(nodeOf(compiled, a), nodeOf(compiled, b)));
  return acc;
}

export async function explainCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, EXPLAIN_OPTIONS);
  if (p.values.help) return out(io, EXPLAIN_HELP), 0;
  const from = str(p, 'from');
  const to = str(p, 'to');
  if (from === undefined || to === undefined) throw new UsageError('explain needs --from and --to');
  const format = oneOf(p, 'format', ['txt', 'json'] as const, 'txt');
  let port = intOption(p, 'port', { min: 1, max: 65535 });
  let protocol: Protocol = protocolOption(p);
  const inputs = requireInputs(p, 'explain');
  const { compiled, load } = await loadAndCompile(io, inputs, evalFlags(p));
  const index = compiled.endpoints();
  const pair = resolvePair(compiled, index, from, to, ENDPOINT_OPTIONS);
  // A verdict about pods that a policy we do not evaluate selects is not final: say so in it.
  const qualification = pairQualification(load, compiled.cluster, pair.from, pair.to);
  const warnings = warningsOf(load);

  let summary: string | undefined;
  if (port === undefined) {
    const { from: src, to: dst } = resolvePair(compiled, index, from, to, ENDPOINT_OPTIONS);
    const ports = allowedPortsBetween(compiled, pairsOf(compiled, src, dst));
    summary = `${from} -> ${to}: ${isEmptyProtoPorts(ports) ? 'nothing allowed' : `allowed ${formatProtoPorts(ports)}`}`;
    const declared = dst.kind === 'pods' ? dst.pods.flatMap((pod) => pod.ports)[0] : undefined;
    port = declared?.containerPort ?? 80;
    protocol = declared?.protocol ?? 'TCP';
  }
  const v = decide(compiled, index, from, to, port, protocol, ENDPOINT_OPTIONS);
  if (format === 'json') {
    const notEvaluated = qualification.length ? { notEvaluated: qualification } : {};
    out(io, jsonWithWarnings({ ...v.explanation, partial: v.partial, ...notEvaluated }, warnings));
    return 0;
  }
  if (summary) out(io, `${summary}\n`);
  if (v.partial) out(io, `note: ${v.reason}\n`);
  const [verdict, ...rest] = formatExplanation(v.explanation).split('\n');
  const qualified = qualification.length ? `${verdict}; ${qualification.join('; ')}` : verdict!;
  outAnswer(io, format, [qualified, ...rest].join('\n'), warnings);
  return 0;
}
