/**
 * The loaded policies as the what-if editor needs them: every policy object of a kind Lateral
 * evaluates (NetworkPolicy, ClusterNetworkPolicy, AdminNetworkPolicy, BaselineAdminNetworkPolicy)
 * with the reference a what-if `delete` takes, and any one of them back as YAML to edit.
 */
import type { Router } from 'express';
import { groupOf, manifestYaml, type SourceObject } from '@lateral/k8s';
import { BadRequest } from './security.js';
import type { SessionHolder } from './session.js';

/** Kinds listed, by API group (the tier kinds have one group each version). */
const POLICY_KINDS: Record<string, readonly string[]> = {
  NetworkPolicy: ['networking.k8s.io'],
  ClusterNetworkPolicy: ['policy.networking.k8s.io'],
  AdminNetworkPolicy: ['policy.networking.k8s.io'],
  BaselineAdminNetworkPolicy: ['policy.networking.k8s.io'],
};

/** Where a kind sits in the evaluation order (Admin tier, NetworkPolicy, Baseline tier). */
function tierOf(kind: string, obj: { spec?: { tier?: unknown } }): string {
  if (kind === 'NetworkPolicy') return 'NetworkPolicy';
  if (kind === 'AdminNetworkPolicy') return 'Admin';
  if (kind === 'BaselineAdminNetworkPolicy') return 'Baseline';
  return obj.spec?.tier === 'Baseline' ? 'Baseline' : 'Admin';
}

export interface PolicyObject {
  /** What a what-if `delete` takes: `kind/namespace/name`, or `kind/name` for the cluster-scoped kinds. */
  readonly ref: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly tier: string;
}

function describe(o: SourceObject): PolicyObject | undefined {
  const obj = o.obj as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown; namespace?: unknown }; spec?: { tier?: unknown } };
  if (typeof obj.kind !== 'string' || typeof obj.metadata?.name !== 'string') return undefined;
  const groups = POLICY_KINDS[obj.kind];
  if (!groups || !groups.includes(groupOf(typeof obj.apiVersion === 'string' ? obj.apiVersion : undefined))) return undefined;
  const name = obj.metadata.name;
  if (obj.kind === 'NetworkPolicy') {
    const namespace = typeof obj.metadata.namespace === 'string' && obj.metadata.namespace ? obj.metadata.namespace : 'default';
    return { ref: `networkpolicy/${namespace}/${name}`, kind: obj.kind, namespace, name, tier: 'NetworkPolicy' };
  }
  return { ref: `${obj.kind.toLowerCase()}/${name}`, kind: obj.kind, name, tier: tierOf(obj.kind, obj) };
}

export function policySourceRoutes(r: Router, holder: SessionHolder): void {
  r.get('/policy-objects', (_req, res) => {
    res.json(holder.current().objects.flatMap((o) => describe(o) ?? []));
  });

  r.get('/policy-source', (req, res) => {
    const ref = req.query.ref;
    if (typeof ref !== 'string' || ref === '') throw new BadRequest('policy-source needs ref (kind/namespace/name, or kind/name for a cluster-scoped policy)');
    const found = holder.current().objects.find((o) => describe(o)?.ref === ref);
    if (!found) throw new BadRequest(`policy-source: no policy "${ref}" in the loaded cluster`);
    res.json({ ref, yaml: manifestYaml(found.obj) });
  });
}
