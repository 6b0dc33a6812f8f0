/**
 * What the lateral-movement commands (blast, paths, risk) share: their options, the attack
 * graph, and turning `--from` and `--target`/`--to` into graph nodes — with the closest
 * existing names when they match nothing (exit 2), never an empty answer for a typo.
 */
import {
  ANY_NODE,
  INTERNET,
  buildAttackGraph,
  crownJewels,
  InputError,
  parseApiServerAddress,
  parseEdgeCategories,
  type AttackGraph,
} from '@lateral/core';
import { ownersImpliedBy } from '@lateral/flows';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, ipBlockPodsOption, type OptionSpec, type Parsed } from './args.js';
import { progress, progressDone, type CliIo } from './io.js';
import { loadAndCompile } from './load.js';
import { closest } from './resolve.js';

export const ATTACK_OPTIONS: OptionSpec = {
  ...COMMON_INPUT_OPTIONS,
  format: { type: 'string', short: 'o' },
  target: { type: 'string', multiple: true },
  'assume-colocation': { type: 'boolean' },
  edges: { type: 'string' },
  apiserver: { type: 'string' },
};

export const ATTACK_OPTIONS_HELP = `  --target SEL          crown jewels (repeatable): a label selector (app=postgres,tier in (data)),
                        namespace/name, or a name glob (*/postgres*; a bare word globs the name);
                        workloads annotated lateral.dev/crown-jewel: "true" always count
  --assume-colocation   where manifests do not say which node a pod runs on, take a workload that
                        escapes its container to reach every node (and so every workload)
  --edges LIST          which moves to follow: network (policy-allowed connections and exposure),
                        escalation (container escapes, privileged pods), identity (service-account
                        tokens and what RBAC lets them do); default all, e.g. --edges network
  --apiserver IP[:PORT] the API server's address as pods' egress policy sees it (default: the
                        default/kubernetes EndpointSlice, else its Service's ClusterIP)
  -o, --format txt|json|md
                        text (default), JSON (stable, with metrics), Markdown for pull requests

${COMMON_INPUT_OPTIONS_HELP}`;

export async function loadAttackGraph(io: CliIo, inputs: string[], p: Parsed): Promise<AttackGraph> {
  const edges = typeof p.values.edges === 'string' ? parseEdgeCategories(p.values.edges) : undefined;
  const apiServer = typeof p.values.apiserver === 'string' ? parseApiServerAddress(p.values.apiserver) : undefined;
  const { compiled } = await loadAndCompile(io, inputs, { ipBlockPods: ipBlockPodsOption(p) });
  progress(io, 'building the attack graph…');
  const ag = buildAttackGraph(compiled, {
    assumeColocation: p.values['assume-colocation'] === true,
    ...(edges ? { edges } : {}),
    ...(apiServer ? { apiServer } : {}),
  });
  progressDone(io);
  return ag;
}

function candidates(ag: AttackGraph): string[] {
  return ag.graph.nodes();
}

/**
 * `--from`: a workload id (or namespace/name of a split one, which picks its first group), a
 * pod's namespace/name (its workload; a generated name not in the input names its owner),
 * `internet`, `node:<name>`, or a token `sa:<namespace>/<name>`.
 */
export function resolveFrom(ag: AttackGraph, text: string): string {
  if (ag.graph.hasNode(text)) return text;
  if (text === INTERNET) throw new InputError('--from internet: nothing in the input is exposed to the internet (no LoadBalancer/NodePort Service, Ingress, hostPort or hostNetwork admits outside addresses)');
  const byName = ag.workloads.find((id) => {
    const a = ag.graph.getNodeAttributes(id);
    return a.kind === 'workload' && `${a.namespace}/${a.name}` === text;
  });
  if (byName) return byName;
  const pod = ag.compiled.cluster.pods.findIndex((p) => !p.fromTemplate && `${p.namespace}/${p.name}` === text);
  if (pod >= 0) {
    const ep = ag.index.podEndpoint[pod]!;
    const id = ag.index.endpoints[ep]!.id;
    if (ag.graph.hasNode(id)) return id;
  }
  // A live pod's generated name (edge/web-7d4b9c-abcde) names its workload, as flows do.
  const slash = text.indexOf('/');
  if (slash > 0) {
    for (const owner of ownersImpliedBy(text.slice(slash + 1))) {
      const id = ag.workloads.find((w) => {
        const a = ag.graph.getNodeAttributes(w);
        return a.kind === 'workload' && a.namespace === text.slice(0, slash) && a.name === owner;
      });
      if (id) return id;
    }
  }
  const hint = closest(text, candidates(ag).filter((c) => c !== ANY_NODE));
  throw new InputError(`--from "${text}" matches no workload, node or "internet"${hint.length ? `; closest: ${hint.join(', ')}` : ''}`);
}

/** Crown jewels from `--target`s and annotations; a selector matching nothing is an input error. */
export function resolveJewels(ag: AttackGraph, selectors: readonly string[], option = '--target', withAnnotated = true): string[] {
  const { jewels, unmatched } = crownJewels(ag, selectors, withAnnotated);
  if (unmatched.length > 0) {
    const s = unmatched[0]!;
    const hint = closest(s.replace(/^.*=\s*/, ''), ag.workloads);
    throw new InputError(`${option} "${s}" matches no workload${hint.length ? `; closest: ${hint.join(', ')}` : ''}`);
  }
  return jewels;
}

export function targetsOf(p: Parsed): string[] {
  const v = p.values.target;
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
