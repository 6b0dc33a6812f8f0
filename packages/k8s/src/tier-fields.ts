/**
 * Readers for the fields the policy.networking.k8s.io kinds share (subject, peers, ports, rule
 * lists), validated as their CRD schemas do: exactly one field in a subject, peer, port or
 * protocol (MinProperties=1, MaxProperties=1), enums, bounds and list sizes. What the schema
 * refuses is an InputError naming the field, as `kubectl apply` would refuse it.
 */
import {
  InputError,
  tryParseCidr,
  type LabelSelector,
  type TierAction,
  type TierPeer,
  type TierPort,
  type TierRule,
  type TierSubject,
} from '@lateral/core';
import { checkKnownFields, checkPortName, isMapping, optInt, optList, optMapping, optProtocol, optString } from './raw-fields.js';
import { labelSelector } from './selector.js';

type Raw = Record<string, unknown>;

/** The one field a MinProperties=1/MaxProperties=1 object sets, checked against `known`. */
function oneOf(raw: unknown, field: string, known: readonly string[], what: string): [string, unknown] {
  const m = optMapping(raw as Raw | null | undefined, field);
  if (!m) throw new InputError(`${what} must set exactly one of ${known.join(', ')}`, { field });
  checkKnownFields(m, known, field, what);
  const set = Object.entries(m).filter(([, v]) => v !== undefined && v !== null);
  if (set.length !== 1) {
    throw new InputError(
      `${what} must set exactly one of ${known.join(', ')}${set.length > 1 ? `, not ${set.map(([k]) => k).join(' and ')}` : ''}`,
      { field },
    );
  }
  return set[0]!;
}

function requiredSelector(raw: unknown, field: string): LabelSelector {
  if (raw === undefined || raw === null) throw new InputError('is required (use {} to select everything)', { field });
  return labelSelector(raw as never, field);
}

/** NamespacedPod: namespaceSelector (empty selects every namespace) AND podSelector (required). */
function namespacedPod(raw: unknown, field: string): { namespaceSelector: LabelSelector; podSelector: LabelSelector } {
  const m = optMapping(raw as Raw, field) ?? {};
  checkKnownFields(m, ['namespaceSelector', 'podSelector'], field, 'pods');
  return {
    namespaceSelector: m.namespaceSelector === undefined || m.namespaceSelector === null ? {} : labelSelector(m.namespaceSelector as never, `${field}.namespaceSelector`),
    podSelector: requiredSelector(m.podSelector, `${field}.podSelector`),
  };
}

/** `subject`: exactly one of namespaces or pods. */
export function tierSubject(raw: unknown, field: string): TierSubject {
  if (raw === undefined || raw === null) throw new InputError('is required', { field });
  const [key, value] = oneOf(raw, field, ['namespaces', 'pods'], 'a subject');
  if (key === 'namespaces') return { namespaceSelector: labelSelector(value as never, `${field}.namespaces`) };
  return namespacedPod(value, `${field}.pods`);
}

/** The priority of an Admin tier policy: 0–1000. */
export function tierPriority(raw: unknown, field: string): number {
  const n = optInt(raw, field);
  if (n === undefined) throw new InputError('is required (0-1000, lower first)', { field });
  if (n < 0 || n > 1000) throw new InputError(`priority ${n} is out of range 0-1000`, { field });
  return n;
}

/** DomainName's pattern in the CRD: an exact name or `*.` followed by one. */
const DOMAIN_NAME = /^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

function stringList(raw: unknown, field: string, max: number): string[] {
  const l = optList(raw as unknown[], field) ?? [];
  if (l.length < 1) throw new InputError('must have at least one item', { field });
  if (l.length > max) throw new InputError(`may have at most ${max} items`, { field });
  return l.map((v, i) => optString(v, `${field}[${i}]`) ?? '');
}

export type PeerField = 'namespaces' | 'pods' | 'nodes' | 'networks' | 'domainNames';

function tierPeer(raw: unknown, field: string, allowed: readonly PeerField[]): TierPeer {
  const [key, value] = oneOf(raw, field, allowed, 'a peer');
  const f = `${field}.${key}`;
  switch (key as PeerField) {
    case 'namespaces':
      return { kind: 'pods', namespaceSelector: labelSelector(value as never, f) };
    case 'pods':
      return { kind: 'pods', ...namespacedPod(value, f) };
    case 'nodes':
      return { kind: 'nodes', nodeSelector: labelSelector(value as never, f) };
    case 'networks': {
      const networks = stringList(value, f, 25);
      networks.forEach((c, i) => {
        if (!tryParseCidr(c)) throw new InputError(`invalid CIDR "${c}"`, { field: `${f}[${i}]` });
      });
      return { kind: 'networks', networks };
    }
    case 'domainNames': {
      const domainNames = stringList(value, f, 25);
      domainNames.forEach((d, i) => {
        if (!DOMAIN_NAME.test(d)) throw new InputError(`invalid domain name "${d}" (a name, or "*." and a name)`, { field: `${f}[${i}]` });
      });
      return { kind: 'domainNames', domainNames };
    }
  }
}

function portBound(raw: unknown, field: string): number {
  const n = optInt(raw, field);
  if (n === undefined) throw new InputError('is required', { field });
  if (n < 1 || n > 65535) throw new InputError(`port ${n} is out of range 1-65535`, { field });
  return n;
}

function range(start: number, end: number, field: string): void {
  // The CRD's rule: "Start port must be less than End port".
  if (!(start < end)) throw new InputError(`start ${start} must be less than end ${end}`, { field });
}

/** v1alpha1 AdminNetworkPolicyPort: exactly one of portNumber, namedPort, portRange; protocol defaults to TCP. */
function anpPort(raw: unknown, field: string): TierPort {
  const [key, value] = oneOf(raw, field, ['portNumber', 'namedPort', 'portRange'], 'a port');
  const f = `${field}.${key}`;
  if (key === 'namedPort') {
    const name = optString(value, f)!;
    checkPortName(name, f);
    return { namedPort: name };
  }
  const m = optMapping(value as Raw, f)!;
  if (key === 'portNumber') {
    checkKnownFields(m, ['protocol', 'port'], f, 'portNumber');
    return { protocol: optProtocol(m.protocol, `${f}.protocol`) ?? 'TCP', port: portBound(m.port, `${f}.port`) };
  }
  checkKnownFields(m, ['protocol', 'start', 'end'], f, 'portRange');
  const start = portBound(m.start, `${f}.start`);
  const end = portBound(m.end, `${f}.end`);
  range(start, end, f);
  return { protocol: optProtocol(m.protocol, `${f}.protocol`) ?? 'TCP', port: start, endPort: end };
}

/** v1alpha2 ClusterNetworkPolicyProtocol: exactly one of tcp, udp, sctp (each with destinationPort) or destinationNamedPort. */
function cnpProtocol(raw: unknown, field: string): TierPort {
  const [key, value] = oneOf(raw, field, ['tcp', 'udp', 'sctp', 'destinationNamedPort'], 'a protocol');
  const f = `${field}.${key}`;
  if (key === 'destinationNamedPort') {
    const name = optString(value, f)!;
    checkPortName(name, f);
    return { namedPort: name };
  }
  const protocol = key === 'tcp' ? 'TCP' : key === 'udp' ? 'UDP' : 'SCTP';
  const m = optMapping(value as Raw, f)!;
  checkKnownFields(m, ['destinationPort'], f, key);
  const [which, port] = oneOf(m.destinationPort, `${f}.destinationPort`, ['number', 'range'], 'a destinationPort');
  const pf = `${f}.destinationPort.${which}`;
  if (which === 'number') return { protocol, port: portBound(port, pf) };
  const r = optMapping(port as Raw, pf)!;
  checkKnownFields(r, ['start', 'end'], pf, 'a range');
  const start = portBound(r.start, `${pf}.start`);
  const end = portBound(r.end, `${pf}.end`);
  range(start, end, pf);
  return { protocol, port: start, endPort: end };
}

export interface RuleShape {
  /** How the manifest spells the actions, and what each means in the rule form. */
  readonly actions: Readonly<Record<string, TierAction>>;
  readonly ingressPeers: readonly PeerField[];
  readonly egressPeers: readonly PeerField[];
  /** `ports` (v1alpha1) or `protocols` (v1alpha2). */
  readonly portsField: 'ports' | 'protocols';
  readonly maxRules: number;
  readonly maxPeers: number;
}

/** spec.ingress or spec.egress: at most maxRules rules, each with name, action, from/to and ports. */
export function tierRules(raw: unknown, field: string, direction: 'ingress' | 'egress', shape: RuleShape): TierRule[] {
  const rules = optList(raw as unknown[], field) ?? [];
  if (rules.length > shape.maxRules) throw new InputError(`may have at most ${shape.maxRules} rules`, { field });
  const peersField = direction === 'ingress' ? 'from' : 'to';
  return rules.map((r, i) => {
    const f = `${field}[${i}]`;
    const rule = optMapping(r as Raw, f);
    if (!rule || !isMapping(rule)) throw new InputError('must be a mapping', { field: f });
    checkKnownFields(rule, ['name', 'action', peersField, shape.portsField], f, `an ${direction} rule`);
    const name = optString(rule.name, `${f}.name`);
    if (name !== undefined && name.length > 100) throw new InputError('may be at most 100 characters', { field: `${f}.name` });
    const actionText = optString(rule.action, `${f}.action`);
    const names = Object.keys(shape.actions);
    if (actionText === undefined) throw new InputError(`is required (${names.join(', ')})`, { field: `${f}.action` });
    const action = shape.actions[actionText];
    if (!action) throw new InputError(`unknown action "${actionText}" (expected ${names.join(', ')})`, { field: `${f}.action` });
    const rawPeers = optList(rule[peersField] as unknown[], `${f}.${peersField}`);
    if (!rawPeers || rawPeers.length === 0) throw new InputError('must have at least one peer', { field: `${f}.${peersField}` });
    if (rawPeers.length > shape.maxPeers) throw new InputError(`may have at most ${shape.maxPeers} peers`, { field: `${f}.${peersField}` });
    const allowedPeers = direction === 'ingress' ? shape.ingressPeers : shape.egressPeers;
    const peers = rawPeers.map((p, j) => tierPeer(p, `${f}.${peersField}[${j}]`, allowedPeers));
    const rawPorts = optList(rule[shape.portsField] as unknown[], `${f}.${shape.portsField}`);
    if (rawPorts && rawPorts.length === 0) throw new InputError('must have at least one item when given', { field: `${f}.${shape.portsField}` });
    if (rawPorts && rawPorts.length > shape.maxPeers) throw new InputError(`may have at most ${shape.maxPeers} items`, { field: `${f}.${shape.portsField}` });
    const ports = rawPorts?.map((p, j) => (shape.portsField === 'ports' ? anpPort : cnpProtocol)(p, `${f}.${shape.portsField}[${j}]`));
    // The experimental CRDs refuse named ports beside networks/nodes/domainNames peers; the
    // standard ones accept them, and a named port then simply never matches an address.
    // "DomainNames is only supported for Accept rules."
    if (peers.some((p) => p.kind === 'domainNames') && action !== 'Allow') {
      throw new InputError(`domainNames peers are only allowed in ${names[0]} rules`, { field: `${f}.${peersField}` });
    }
    return { ...(name ? { name } : {}), action, peers, ...(ports ? { ports } : {}) };
  });
}
