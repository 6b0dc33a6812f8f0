/**
 * Generated policies as YAML a reviewer reads before `kubectl apply`: one document per policy,
 * keys in the order `kubectl get -o yaml` prints them, and above each rule a comment naming the
 * observed flows it exists for (count, first and last seen). js-yaml cannot write comments,
 * hence this small writer; it only ever sees the NetworkPolicy shape, so plain scalars and
 * block collections suffice. Everything is sorted upstream: same input, same bytes.
 */
import type { LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '@lateral/core';
import type { FlowNote, GeneratedPolicy, RuleProvenance } from './generate.js';
import { MANAGED_BY_LABEL } from './generate.js';

/** Flows listed above one rule; the rest are summed up in one line. */
export const MAX_NOTES_PER_RULE = 20;

type Value = string | number | boolean | readonly Value[] | { readonly [k: string]: Value | undefined };

const RESERVED = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  // Plain only when YAML cannot read it as anything but this string.
  if (/^[A-Za-z_][A-Za-z0-9_./-]*$/.test(v) && !RESERVED.test(v)) return v;
  return JSON.stringify(v);
}

function sortedMap(m: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}

function selectorValue(sel: NetworkPolicy['podSelector']): Value {
  const out: Record<string, Value | undefined> = {};
  if (sel.matchLabels && Object.keys(sel.matchLabels).length > 0) out.matchLabels = sortedMap(sel.matchLabels);
  if (sel.matchExpressions && sel.matchExpressions.length > 0) {
    out.matchExpressions = sel.matchExpressions.map((r) => ({ key: r.key, operator: r.operator, values: r.values ? [...r.values] : undefined }));
  }
  return out;
}

function peerValue(p: NetworkPolicyPeer): Value {
  if (p.ipBlock) return { ipBlock: { cidr: p.ipBlock.cidr, except: p.ipBlock.except ? [...p.ipBlock.except] : undefined } };
  return {
    namespaceSelector: p.namespaceSelector ? selectorValue(p.namespaceSelector) : undefined,
    podSelector: p.podSelector ? selectorValue(p.podSelector) : undefined,
  };
}

function noteText(n: FlowNote): string {
  const seen = n.firstSeen !== undefined || n.lastSeen !== undefined ? `, first ${n.firstSeen ?? '?'}, last ${n.lastSeen ?? '?'}` : '';
  return `${n.from} -> ${n.to} ${n.protocol} ${n.port}: ${n.count} flow${n.count === 1 ? '' : 's'}${seen}`;
}

function ruleComment(r: RuleProvenance, pad: string): string[] {
  const lines: string[] = [];
  if (r.dns) lines.push(`${pad}# DNS to kube-dns (UDP and TCP 53): always allowed with generated egress`);
  const shown = r.flows.slice(0, MAX_NOTES_PER_RULE);
  // Comments are single lines: a name with a line break must not end the comment.
  for (const n of shown) lines.push(`${pad}# ${noteText(n).replace(/[\r\n]+/g, ' ')}`);
  const rest = r.flows.slice(MAX_NOTES_PER_RULE);
  if (rest.length > 0) {
    const total = rest.reduce((s, n) => s + n.count, 0);
    lines.push(`${pad}# ... and ${rest.length} more observed connections (${total} flows)`);
  }
  return lines;
}

function policyComment(g: GeneratedPolicy): string {
  const p = g.policy;
  if (g.subject === '*') {
    const types = (p.policyTypes ?? []).map((t) => t.toLowerCase()).join(' and ');
    return `# Default deny (${types}) for namespace ${p.namespace}: pods no other policy allows get nothing.`;
  }
  const dir = p.policyTypes?.[0] === 'Egress' ? 'Egress' : 'Ingress';
  const flows = [...g.ingressRules, ...g.egressRules].reduce((s, r) => s + r.flows.length, 0);
  return `# ${dir} of ${g.subject}: ${flows} observed connection${flows === 1 ? '' : 's'}; nothing else.`;
}

/** The policy as the Kubernetes object (`kubectl apply -f` of its JSON works). */
export function policyObject(p: NetworkPolicy): Record<string, unknown> {
  const spec: Record<string, unknown> = { podSelector: selectorValue(p.podSelector), policyTypes: [...(p.policyTypes ?? [])] };
  const strip = (v: Value): unknown => JSON.parse(JSON.stringify(v));
  if (p.ingress) spec.ingress = p.ingress.map((r) => strip({ from: r.from?.map(peerValue), ports: r.ports?.map(portValue) }));
  if (p.egress) spec.egress = p.egress.map((r) => strip({ to: r.to?.map(peerValue), ports: r.ports?.map(portValue) }));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: p.name, namespace: p.namespace, labels: sortedMap(MANAGED_BY_LABEL) },
    spec,
  };
}

/*
 * The parts of a NetworkPolicy written straight to lines (a generated set has tens of
 * thousands of peers and ports): mappings as `key: value`, `key: {}` / `key: []` when empty,
 * nested blocks two columns in, sequences under a key at the key's column plus two, as kubectl
 * prints them. Same input, same bytes: `generate --out` and reviewers' diffs depend on it.
 */
const scalars = new Map<string, string>();
function scalarText(v: string): string {
  let t = scalars.get(v);
  if (t === undefined) {
    t = scalar(v);
    if (scalars.size < 65536) scalars.set(v, t);
  }
  return t;
}

/** A selector's lines (selectorValue not empty) with its keys at column `indent`. */
function selectorLines(out: string[], sel: NetworkPolicy['podSelector'], indent: number): void {
  const pad = ' '.repeat(indent);
  const labels = sel.matchLabels;
  if (labels) {
    const keys = Object.keys(labels);
    if (keys.length > 0) {
      out.push(`${pad}matchLabels:`);
      for (const k of keys.sort()) out.push(`${pad}  ${scalarText(k)}: ${scalarText(labels[k]!)}`);
    }
  }
  if (sel.matchExpressions && sel.matchExpressions.length > 0) {
    out.push(`${pad}matchExpressions:`);
    for (const r of sel.matchExpressions) {
      out.push(`${pad}  - key: ${scalarText(r.key)}`, `${pad}    operator: ${scalarText(r.operator)}`);
      if (r.values !== undefined) {
        if (r.values.length === 0) out.push(`${pad}    values: []`);
        else {
          out.push(`${pad}    values:`);
          for (const v of r.values) out.push(`${pad}      - ${scalarText(v)}`);
        }
      }
    }
  }
}

function selectorEmpty(sel: NetworkPolicy['podSelector']): boolean {
  return !(sel.matchLabels && Object.keys(sel.matchLabels).length > 0) && !(sel.matchExpressions && sel.matchExpressions.length > 0);
}

/** `key: {}` or `key:` and the selector's lines, at column `indent`. */
function selectorField(out: string[], key: string, sel: NetworkPolicy['podSelector'], indent: number): void {
  const pad = ' '.repeat(indent);
  if (selectorEmpty(sel)) out.push(`${pad}${key}: {}`);
  else {
    out.push(`${pad}${key}:`);
    selectorLines(out, sel, indent + 2);
  }
}

/** Replaces the first line's indentation at `indent` by `- ` at indent - 2 (a sequence item). */
function asItem(lines: string[], first: number, indent: number): void {
  lines[first] = `${' '.repeat(indent - 2)}- ${lines[first]!.slice(indent)}`;
}

/**
 * A selector field of a rule peer (`podSelector:` or `namespaceSelector:` at column 10), per
 * selector object: the generator shares one per workload and one per namespace.
 */
const fieldTexts = { podSelector: new WeakMap<LabelSelector, string>(), namespaceSelector: new WeakMap<LabelSelector, string>() };
function peerField(key: 'podSelector' | 'namespaceSelector', sel: LabelSelector): string {
  let t = fieldTexts[key].get(sel);
  if (t === undefined) {
    const lines: string[] = [];
    selectorField(lines, key, sel, 10);
    fieldTexts[key].set(sel, (t = lines.join('\n')));
  }
  return t;
}

/** A rule peer as a sequence item at column 8. */
function peerText(p: NetworkPolicyPeer): string {
  if (p.ipBlock) {
    const lines = [`        - ipBlock:`, `            cidr: ${scalarText(p.ipBlock.cidr)}`];
    const except = p.ipBlock.except;
    if (except !== undefined) {
      if (except.length === 0) lines.push('            except: []');
      else {
        lines.push('            except:');
        for (const e of except) lines.push(`              - ${scalarText(e)}`);
      }
    }
    return lines.join('\n');
  }
  const ns = p.namespaceSelector ? peerField('namespaceSelector', p.namespaceSelector) : undefined;
  const pod = p.podSelector ? peerField('podSelector', p.podSelector) : undefined;
  const first = ns ?? pod;
  if (first === undefined) return '        - {}';
  // The first field's line becomes the item's: `- ` in the two columns before it.
  const item = `        - ${first.slice(10)}`;
  return ns !== undefined && pod !== undefined ? `${item}\n${pod}` : item;
}

/** A port as a sequence item at column 8. */
const portTexts = new Map<string, string>();
function portText(p: NetworkPolicyPort): string {
  const protocol = p.protocol ?? 'TCP';
  const key = `${protocol}/${typeof p.port}/${p.port}/${p.endPort}`;
  let t = portTexts.get(key);
  if (t === undefined) {
    t = `        - protocol: ${scalarText(protocol)}`;
    if (p.port !== undefined) t += `\n          port: ${typeof p.port === 'number' ? String(p.port) : scalarText(p.port)}`;
    if (p.endPort !== undefined) t += `\n          endPort: ${String(p.endPort)}`;
    portTexts.set(key, t);
  }
  return t;
}

function ruleLines(
  out: string[],
  key: 'ingress' | 'egress',
  rules: readonly { readonly peers: readonly NetworkPolicyPeer[] | undefined; readonly ports: readonly NetworkPolicyPort[] | undefined }[],
  provenance: readonly RuleProvenance[],
  peersKey: 'from' | 'to',
): void {
  if (rules.length === 0) {
    out.push(`  ${key}: []`);
    return;
  }
  out.push(`  ${key}:`);
  rules.forEach((rule, i) => {
    const p = provenance[i];
    if (p) out.push(...ruleComment(p, '    '));
    const first = out.length;
    if (rule.peers !== undefined) {
      if (rule.peers.length === 0) out.push(`      ${peersKey}: []`);
      else {
        out.push(`      ${peersKey}:`);
        for (const peer of rule.peers) out.push(peerText(peer));
      }
    }
    if (rule.ports !== undefined) {
      if (rule.ports.length === 0) out.push('      ports: []');
      else {
        out.push('      ports:');
        for (const port of rule.ports) out.push(portText(port));
      }
    }
    if (out.length === first) out.push('    - {}');
    else asItem(out, first, 6);
  });
}

/** One YAML document (starting with `---`) for a generated policy. */
export function policyDocument(g: GeneratedPolicy): string {
  const p = g.policy;
  const lines = ['---', policyComment(g), 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata:', `  name: ${scalarText(p.name)}`, `  namespace: ${scalarText(p.namespace)}`];
  const labels = sortedMap(MANAGED_BY_LABEL)!;
  lines.push('  labels:');
  for (const k in labels) lines.push(`    ${scalarText(k)}: ${scalarText(labels[k]!)}`);
  lines.push('spec:');
  selectorField(lines, 'podSelector', p.podSelector, 2);
  const types = p.policyTypes ?? [];
  if (types.length === 0) lines.push('  policyTypes: []');
  else {
    lines.push('  policyTypes:');
    for (const t of types) lines.push(`    - ${scalarText(t)}`);
  }
  if (p.ingress) ruleLines(lines, 'ingress', p.ingress.map((r) => ({ peers: r.from, ports: r.ports })), g.ingressRules, 'from');
  if (p.egress) ruleLines(lines, 'egress', p.egress.map((r) => ({ peers: r.to, ports: r.ports })), g.egressRules, 'to');
  return `${lines.join('\n')}\n`;
}

function portValue(p: NetworkPolicyPort): Value {
  return { protocol: p.protocol ?? 'TCP', port: p.port, endPort: p.endPort };
}

/** Every policy, documents in the given (sorted) order, after optional header comment lines. */
export function policiesYaml(policies: readonly GeneratedPolicy[], header: readonly string[] = []): string {
  return header.map((h) => `# ${h}\n`).join('') + policies.map(policyDocument).join('');
}

/** `<namespace>.yaml` -> its policies' YAML, namespaces sorted. */
export function policiesYamlByNamespace(policies: readonly GeneratedPolicy[], header: readonly string[] = []): Map<string, string> {
  const byNs = new Map<string, GeneratedPolicy[]>();
  for (const g of policies) {
    const list = byNs.get(g.policy.namespace);
    if (list) list.push(g);
    else byNs.set(g.policy.namespace, [g]);
  }
  const out = new Map<string, string>();
  for (const ns of [...byNs.keys()].sort()) out.set(`${ns}.yaml`, policiesYaml(byNs.get(ns)!, header));
  return out;
}
