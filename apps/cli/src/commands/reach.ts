import { evalFlags } from '../cni-profile.js';
import { InputError, workloadReachability, type CompiledCluster, type EndpointIndex } from '@lateral/core';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, oneOf, parse, requireInputs, str, type OptionSpec } from '../args.js';
import { outAnswer, allWarnings, reportSplits, warningsOf } from '../answer.js';
import { REACH_FORMATS, formatReach, reachJsonPieces } from '../format/reach-format.js';
import { out, progress, progressDone, type CliIo } from '../io.js';
import { loadAndCompile } from '../load.js';
import { closest } from '@lateral/analysis';
import { resolveTarget } from '../resolve.js';

export const REACH_HELP = `lateral reach INPUTS... [--format txt|json|csv|md|dot] [--namespace NS] [--from ID] [--to ID] [--ipblock-pods match|ignore]

Every allowed connection between workloads and external address ranges, with its ports.
  -o, --format      txt (default): one line per pair, "SRC => DST : TCP 80,8080-8090; UDP 53" ("All" when everything is allowed)
                    json: {"endpoints": [...], "connections": [...]} (see the README for the contract)
                    csv, md (a Markdown table for pull requests), dot (Graphviz)
  -n, --namespace   only connections with either end in NS
  --from, --to      only connections from / to this workload (namespace/name; a pod stands for its
                    workload, an outside address for the address range it falls in)

${COMMON_INPUT_OPTIONS_HELP}`;

export const REACH_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  format: { type: 'string', short: 'o' },
  namespace: { type: 'string', short: 'n' },
  from: { type: 'string' },
  to: { type: 'string' },
};

/**
 * What `--from`/`--to` filter on: the endpoint id of what the text names. A workload filters by
 * its own name; a pod by its workload's endpoint; an outside address by the address range it
 * falls in (reach lists ranges, not single addresses).
 */
function endpointFilter(compiled: CompiledCluster, index: EndpointIndex, text: string | undefined, what: string): string | undefined {
  if (text === undefined) return undefined;
  const t = resolveTarget(compiled, index, text, what);
  if (t.kind === 'ip') {
    const node = compiled.nodeOf({ kind: 'ip', ip: t.ip });
    const ep = index.nodeEndpoints[node]?.[0];
    return ep === undefined ? text : index.endpoints[ep]!.id;
  }
  if (index.endpoints.some((e) => e.id === text || ('namespace' in e && `${e.namespace}/${e.name}` === text))) return text;
  const ep = index.podEndpoint[t.podIndexes[0]!];
  return ep === undefined || ep < 0 ? text : index.endpoints[ep]!.id;
}

export async function reachCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, REACH_OPTIONS);
  if (p.values.help) return out(io, REACH_HELP), 0;
  const format = oneOf(p, 'format', REACH_FORMATS, 'txt');
  const inputs = requireInputs(p, 'reach');
  const { compiled, load } = await loadAndCompile(io, inputs, evalFlags(p));
  const index = compiled.endpoints();
  // Resolve names first so a typo is an input error with suggestions, not an empty result.
  const from = endpointFilter(compiled, index, str(p, 'from'), '--from');
  const to = endpointFilter(compiled, index, str(p, 'to'), '--to');
  const namespace = str(p, 'namespace');
  if (namespace !== undefined) {
    const known = new Set([...compiled.cluster.namespaces.map((n) => n.name), ...compiled.cluster.pods.map((x) => x.namespace)]);
    if (!known.has(namespace)) {
      const hint = closest(namespace, known);
      throw new InputError(`--namespace "${namespace}" is not a namespace of the inputs${hint.length ? `; closest: ${hint.join(', ')}` : ''}`);
    }
  }
  progress(io, 'computing reachability…');
  const result = workloadReachability(compiled, { namespace, from, to }, index);
  progressDone(io);
  const splits = reportSplits(io, result.warnings, result.endpoints, p.values.verbose === true);
  const warnings = warningsOf(load, [...load.warnings, ...splits]);
  if (format === 'json') {
    // Streamed: all pairs of a large cluster is a large answer.
    for (const piece of reachJsonPieces(result, allWarnings(warnings))) io.stdout.write(piece);
  } else outAnswer(io, format, formatReach(result, format), warnings);
  return 0;
}
