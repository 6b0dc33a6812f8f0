import { buildEndpointIndex, workloadReachability } from '@lateral/core';
import { COMMON_INPUT_OPTIONS, ipBlockPodsOption, oneOf, parse, requireInputs, str } from '../args.js';
import { REACH_FORMATS, formatReach } from '../format/reach-format.js';
import { out, progress, progressDone, type CliIo } from '../io.js';
import { loadAndCompile } from '../load.js';
import { resolveTarget } from '../resolve.js';

export const REACH_HELP = `lateral reach INPUTS... [--format txt|json|csv|md|dot] [--namespace NS] [--from ID] [--to ID] [--ipblock-pods match|ignore]

Every allowed connection between workloads and external address ranges, with its ports.
  --format      txt (default): one line per pair, "SRC => DST : TCP 80,8080-8090; UDP 53" ("All" when everything is allowed)
                json: {"endpoints": [...], "connections": [...]} (see the README for the contract)
                csv, md (a Markdown table for pull requests), dot (Graphviz)
  --namespace   only connections with either end in NS
  --from, --to  only connections from / to this workload (namespace/name)`;

export async function reachCommand(argv: string[], io: CliIo): Promise<number> {
  const p = parse(argv, {
    ...COMMON_INPUT_OPTIONS,
    format: { type: 'string', short: 'o' },
    namespace: { type: 'string', short: 'n' },
    from: { type: 'string' },
    to: { type: 'string' },
  });
  if (p.values.help) return out(io, REACH_HELP), 0;
  const format = oneOf(p, 'format', REACH_FORMATS, 'txt');
  const inputs = requireInputs(p, 'reach');
  const { compiled } = await loadAndCompile(io, inputs, { ipBlockPods: ipBlockPodsOption(p) });
  const index = buildEndpointIndex(compiled);
  const from = str(p, 'from');
  const to = str(p, 'to');
  // Resolve names first so a typo is an input error with suggestions, not an empty result.
  if (from !== undefined) resolveTarget(compiled, index, from, '--from');
  if (to !== undefined) resolveTarget(compiled, index, to, '--to');
  const namespace = str(p, 'namespace');
  progress(io, 'computing reachability…');
  const result = workloadReachability(compiled, { namespace, from, to }, index);
  progressDone(io);
  for (const w of result.warnings) io.stderr.write(`lateral: warning: ${w}\n`);
  out(io, formatReach(result, format));
  return 0;
}
