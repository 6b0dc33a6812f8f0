/**
 * What the lateral-movement commands (blast, paths, risk) share: their options and the attack
 * graph. `--from` and `--target`/`--to` become graph nodes by @lateral/analysis's
 * resolveFoothold and resolveJewels, as the web's requests do.
 */
import { evalFlags } from './cni-profile.js';
import { buildAttackGraph, parseApiServerAddress, parseEdgeCategories, type AttackGraph } from '@lateral/core';
import { COMMON_INPUT_OPTIONS, COMMON_INPUT_OPTIONS_HELP, type OptionSpec, type Parsed } from './args.js';
import type { LoadResult } from '@lateral/k8s';
import { progress, progressDone, type CliIo } from './io.js';
import { loadAndCompile } from './load.js';

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

/** The attack graph, with the load it was built from (for the warnings that go with answers). */
export async function loadAttackGraph(io: CliIo, inputs: string[], p: Parsed): Promise<AttackGraph & { readonly load: LoadResult }> {
  const edges = typeof p.values.edges === 'string' ? parseEdgeCategories(p.values.edges) : undefined;
  const apiServer = typeof p.values.apiserver === 'string' ? parseApiServerAddress(p.values.apiserver) : undefined;
  const { compiled, load } = await loadAndCompile(io, inputs, evalFlags(p));
  progress(io, 'building the attack graph…');
  const ag = buildAttackGraph(compiled, {
    assumeColocation: p.values['assume-colocation'] === true,
    ...(edges ? { edges } : {}),
    ...(apiServer ? { apiServer } : {}),
  });
  progressDone(io);
  return { ...ag, load };
}

export function targetsOf(p: Parsed): string[] {
  const v = p.values.target;
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}
