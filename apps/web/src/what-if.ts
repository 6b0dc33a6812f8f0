/**
 * What a policy change does: the cluster is rebuilt with the pasted policies applied (an object
 * with the name of an existing one replaces it, as `kubectl apply` would) and the chosen
 * policies switched off, recompiled from the loaded cluster, and compared by the engine's
 * diffReachability — the diff `lateral whatif` reports, so the web and the CLI agree.
 */
import { diffReachability, formatProtoPorts, InputError, isEmptyProtoPorts, type ChangeKind as CoreChangeKind, type ProtoPorts } from '@lateral/core';
import { clusterFromObjects, groupOf, kindDisplay, parseManifests, unevaluatedKind, type SourceObject } from '@lateral/k8s';
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
  /** Why the first newly allowed port is allowed now (per side, the rule or "not isolated"). */
  readonly allowedBy?: readonly string[];
  /** Why the first newly denied port is denied now. */
  readonly deniedBy?: readonly string[];
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
    // Calico's NetworkPolicy shares the kind name: its effect is unknown, not "no changes", and
    // it must not replace the networking.k8s.io policy of the same name.
    const apiVersion = (o.obj as { apiVersion?: unknown }).apiVersion;
    const unevaluated = unevaluatedKind(groupOf(typeof apiVersion === 'string' ? apiVersion : undefined), kindOf(o.obj));
    if (unevaluated) {
      throw new InputError(`cannot evaluate kind ${kindDisplay(unevaluated)}: the change's effect is unknown`, {
        file: o.file,
        ...(o.line !== undefined ? { line: o.line } : {}),
      });
    }
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
  // Recompiled from the base: only selectors the change introduced are evaluated again.
  const after = sessionFromCluster(base.label, objects, { ...load, cluster }, base.options, base.flows, base.targets, base.compiled);
  const applied = load.cluster.policies.filter((p) => added.some((o) => keyOf('NetworkPolicy', o.obj) === `NetworkPolicy/${p.namespace}/${p.name}`));
  return { after, applied: applied.map((p) => `${p.namespace}/${p.name}`), disabled: [...disable].sort() };
}

const CHANGE: Record<CoreChangeKind, PairChange['change']> = { allowed: 'added', denied: 'removed', changed: 'changed' };
const portsText = (p: ProtoPorts, none: string) => (isEmptyProtoPorts(p) ? none : formatProtoPorts(p));

/**
 * The pairs whose allowed ports differ, by the engine's own diff (`lateral whatif` and `lateral
 * diff` report the same one), in the web's row shape: ports as the CLI's text, and the rules
 * that now allow (or the policies that now deny) each change.
 */
export function diffSessions(before: Session, after: Session): PairChange[] {
  return diffReachability(before.compiled, after.compiled).changes.map((c) => ({
    from: c.from,
    to: c.to,
    change: CHANGE[c.change],
    newlyAllowed: portsText(c.added, ''),
    newlyDenied: portsText(c.removed, ''),
    before: portsText(c.before, 'nothing'),
    after: portsText(c.after, 'nothing'),
    ...(c.allowedBy ? { allowedBy: c.allowedBy } : {}),
    ...(c.deniedBy ? { deniedBy: c.deniedBy } : {}),
  }));
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
