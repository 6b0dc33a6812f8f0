/**
 * What a policy change does: the cluster is rebuilt with the pasted policies applied (an object
 * with the name of an existing one replaces it, as `kubectl apply` would) and the chosen
 * policies switched off, compiled again, and the two workload-level relations compared pair by
 * pair. Endpoints are matched by their reach ids, so the answer reads like two `lateral reach`
 * outputs diffed.
 */
import { EMPTY_PROTO_PORTS, formatProtoPorts, InputError, isEmptyProtoPorts, type ProtoPorts } from '@lateral/core';
import { clusterFromObjects, parseManifests, type SourceObject } from '@lateral/k8s';
import { forEachEndpointPair } from './group-graph.js';
import { minusProtoPorts } from './port-diff.js';
import { sessionFromCluster, type Session } from './session.js';

export interface WhatIfRequest {
  /** Policy YAML (or JSON) to apply; may be empty. */
  readonly yaml?: string;
  /** `namespace/name` of existing policies to switch off. */
  readonly disable?: readonly string[];
}

export interface PairChange {
  readonly from: string;
  readonly to: string;
  /** `added`: nothing was allowed before; `removed`: nothing is allowed after; else `changed`. */
  readonly change: 'added' | 'removed' | 'changed';
  readonly newlyAllowed: string;
  readonly newlyDenied: string;
  readonly before: string;
  readonly after: string;
}

export interface WhatIfResult {
  readonly applied: readonly string[];
  readonly disabled: readonly string[];
  readonly changes: readonly PairChange[];
  readonly counts: { readonly added: number; readonly removed: number; readonly changed: number };
}

const WHAT_IF_FILE = 'what-if.yaml';

function keyOf(kind: string, obj: unknown): string | undefined {
  const md = (obj as { metadata?: { name?: unknown; namespace?: unknown } }).metadata;
  if (typeof md?.name !== 'string') return undefined;
  const ns = typeof md.namespace === 'string' ? md.namespace : 'default';
  return `${kind}/${ns}/${md.name}`;
}

function kindOf(obj: unknown): string {
  const k = (obj as { kind?: unknown }).kind;
  return typeof k === 'string' ? k : '';
}

/** The changed cluster, as a session of its own (the what-if's "after"). */
export function applyWhatIf(base: Session, req: WhatIfRequest): { after: Session; applied: string[]; disabled: string[] } {
  const added: SourceObject[] = req.yaml && req.yaml.trim() ? parseManifests(req.yaml, WHAT_IF_FILE) : [];
  for (const o of added) {
    if (kindOf(o.obj) !== 'NetworkPolicy') {
      throw new InputError(`only NetworkPolicy objects can be applied in a what-if (found kind "${kindOf(o.obj) || '(none)'}")`, {
        file: o.file,
        ...(o.line !== undefined ? { line: o.line } : {}),
      });
    }
  }
  const replaced = new Set(added.map((o) => keyOf('NetworkPolicy', o.obj)));
  const objects = [...base.objects.filter((o) => !(kindOf(o.obj) === 'NetworkPolicy' && replaced.has(keyOf('NetworkPolicy', o.obj)))), ...added];
  const load = clusterFromObjects(objects);
  const disable = new Set(req.disable ?? []);
  const known = new Set(load.cluster.policies.map((p) => `${p.namespace}/${p.name}`));
  for (const d of disable) if (!known.has(d)) throw new InputError(`cannot switch off policy "${d}": no such NetworkPolicy`);
  const cluster = { ...load.cluster, policies: load.cluster.policies.filter((p) => !disable.has(`${p.namespace}/${p.name}`)) };
  const after = sessionFromCluster(base.label, objects, { ...load, cluster }, base.options, base.flows, base.targets);
  const applied = load.cluster.policies.filter((p) => added.some((o) => keyOf('NetworkPolicy', o.obj) === `NetworkPolicy/${p.namespace}/${p.name}`));
  return { after, applied: applied.map((p) => `${p.namespace}/${p.name}`), disabled: [...disable].sort() };
}

function pairPorts(s: Session): Map<string, ProtoPorts> {
  const ids = s.index.endpoints.map((e) => e.id);
  const m = new Map<string, ProtoPorts>();
  forEachEndpointPair(s, (a, b, ports) => m.set(`${ids[a]}\u0000${ids[b]}`, ports));
  return m;
}

export function diffSessions(before: Session, after: Session): PairChange[] {
  const b = pairPorts(before);
  const a = pairPorts(after);
  const changes: PairChange[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const pb = b.get(key) ?? EMPTY_PROTO_PORTS;
    const pa = a.get(key) ?? EMPTY_PROTO_PORTS;
    const plus = minusProtoPorts(pa, pb);
    const minus = minusProtoPorts(pb, pa);
    if (isEmptyProtoPorts(plus) && isEmptyProtoPorts(minus)) continue;
    const [from, to] = key.split('\u0000') as [string, string];
    changes.push({
      from,
      to,
      change: isEmptyProtoPorts(pb) ? 'added' : isEmptyProtoPorts(pa) ? 'removed' : 'changed',
      newlyAllowed: isEmptyProtoPorts(plus) ? '' : formatProtoPorts(plus),
      newlyDenied: isEmptyProtoPorts(minus) ? '' : formatProtoPorts(minus),
      before: isEmptyProtoPorts(pb) ? 'nothing' : formatProtoPorts(pb),
      after: isEmptyProtoPorts(pa) ? 'nothing' : formatProtoPorts(pa),
    });
  }
  return changes.sort((x, y) => (x.from !== y.from ? (x.from < y.from ? -1 : 1) : x.to < y.to ? -1 : x.to > y.to ? 1 : 0));
}

export function whatIf(base: Session, req: WhatIfRequest): { result: WhatIfResult; after: Session } {
  const { after, applied, disabled } = applyWhatIf(base, req);
  const changes = diffSessions(base, after);
  const count = (c: PairChange['change']) => changes.filter((x) => x.change === c).length;
  return { after, result: { applied, disabled, changes, counts: { added: count('added'), removed: count('removed'), changed: count('changed') } } };
}

/** The change as Markdown for a pull request: what opens, what closes. */
export function whatIfMarkdown(r: WhatIfResult, label: string, broken: readonly { from: string; to: string; port: number; protocol: string; count: number }[] = []): string {
  const lines = [`## What-if on ${label}`, ''];
  if (r.applied.length) lines.push(`Applied: ${r.applied.map((p) => `\`${p}\``).join(', ')}`);
  if (r.disabled.length) lines.push(`Switched off: ${r.disabled.map((p) => `\`${p}\``).join(', ')}`);
  lines.push('', `**${r.counts.added}** pairs newly connected, **${r.counts.removed}** disconnected, **${r.counts.changed}** with changed ports.`, '');
  if (broken.length) {
    lines.push(`**${broken.length}** observed flow${broken.length === 1 ? '' : 's'} would break:`, '');
    for (const f of broken) lines.push(`- \`${f.from}\` → \`${f.to}\` ${f.protocol} ${f.port} (seen ${f.count}×)`);
    lines.push('');
  }
  if (r.changes.length) {
    lines.push('| from | to | newly allowed | newly denied |', '| --- | --- | --- | --- |');
    for (const c of r.changes) lines.push(`| \`${c.from}\` | \`${c.to}\` | ${c.newlyAllowed || '—'} | ${c.newlyDenied || '—'} |`);
  } else lines.push('No connection changes.');
  return lines.join('\n') + '\n';
}
