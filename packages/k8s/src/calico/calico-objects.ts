/**
 * Calico's kinds (projectcalico.org/v3 and crd.projectcalico.org/v1) into the model: Tier,
 * NetworkPolicy, GlobalNetworkPolicy, NetworkSet, GlobalNetworkSet, HostEndpoint. Validated as
 * Calico's API validation does where it matters to the answer — selectors parse, actions and
 * protocols are known, ports are numbers, ranges "first:last" or names, ports need a protocol
 * that has them — and every error names the field, so the CLI prints file, object and field and
 * exits 2.
 */
import {
  InputError,
  parseCalicoSelector,
  tryParseCidr,
  type CalicoAction,
  type CalicoEntityRule,
  type CalicoHostEndpoint,
  type CalicoNetworkSet,
  type CalicoPolicy,
  type CalicoPort,
  type CalicoRule,
  type CalicoTier,
  type PolicyType,
} from '@lateral/core';
import { checkKnownFields, checkPortName, isMapping, list, optLabels, optList, optMapping, optString } from '../raw-fields.js';

type Raw = Record<string, unknown>;

/** The Calico kinds Lateral reads, and which of them have no namespace. */
export const CALICO_KINDS: Readonly<Record<string, { readonly clusterScoped: boolean }>> = {
  Tier: { clusterScoped: true },
  NetworkPolicy: { clusterScoped: false },
  GlobalNetworkPolicy: { clusterScoped: true },
  NetworkSet: { clusterScoped: false },
  GlobalNetworkSet: { clusterScoped: true },
  HostEndpoint: { clusterScoped: true },
};
export const CALICO_GROUPS: readonly string[] = ['projectcalico.org', 'crd.projectcalico.org'];

function specOf(raw: unknown): Raw {
  const spec = optMapping((raw as { spec?: Raw }).spec, 'spec');
  return spec ?? {};
}

function labelsOf(raw: unknown) {
  const meta = optMapping((raw as { metadata?: Raw }).metadata, 'metadata');
  return optLabels(meta?.labels, 'metadata.labels') ?? {};
}

/** A selector in Calico's language: it must parse; the parser's message says where and what. */
function selector(v: unknown, field: string): string | undefined {
  const s = optString(v, field);
  if (s === undefined) return undefined;
  try {
    parseCalicoSelector(s);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.detail, { field });
    throw e;
  }
  return s;
}

function order(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InputError(`must be a number, not ${JSON.stringify(v)}`, { field });
  return v;
}

function cidrs(v: unknown, field: string): string[] | undefined {
  const l = optList(v as unknown[], field);
  if (l === undefined) return undefined;
  return l.map((c, i) => {
    const s = optString(c, `${field}[${i}]`) ?? '';
    // Calico accepts a bare address for a /32 (/128).
    const cidr = s.includes('/') ? s : `${s}/${s.includes(':') ? 128 : 32}`;
    if (!tryParseCidr(cidr)) throw new InputError(`invalid CIDR "${s}"`, { field: `${field}[${i}]` });
    return cidr;
  });
}

export function calicoTierFromObject(raw: unknown, name: string): CalicoTier {
  const spec = specOf(raw);
  checkKnownFields(spec, ['order', 'defaultAction'], 'spec', 'a Tier spec');
  const defaultAction = optString(spec.defaultAction, 'spec.defaultAction');
  if (defaultAction !== undefined && defaultAction !== 'Deny' && defaultAction !== 'Pass') {
    throw new InputError(`unknown default action "${defaultAction}" (expected Deny or Pass)`, { field: 'spec.defaultAction' });
  }
  const o = order(spec.order, 'spec.order');
  return { name, ...(o !== undefined ? { order: o } : {}), ...(defaultAction ? { defaultAction } : {}) };
}

const ACTIONS: readonly CalicoAction[] = ['Allow', 'Deny', 'Log', 'Pass'];
const NAMED_PROTOCOLS = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'];
/** Protocols that have ports (Calico: "rules that specify ports must set protocol to TCP, UDP, SCTP or UDPLite"). */
const PORT_PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP', 'UDPLite', 6, 17, 132, 136]);

function protocolOf(v: unknown, field: string): string | number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 255) throw new InputError(`protocol ${v} is out of range 1-255`, { field });
    return v;
  }
  if (typeof v === 'string') {
    if (NAMED_PROTOCOLS.includes(v)) return v;
    if (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 255) return Number(v);
  }
  throw new InputError(`unknown protocol ${JSON.stringify(v)} (expected ${NAMED_PROTOCOLS.join(', ')} or a number 1-255)`, { field });
}

function port(v: unknown, field: string): CalicoPort {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new InputError(`port ${v} is out of range 0-65535`, { field });
    return { first: v, last: v };
  }
  if (typeof v !== 'string') throw new InputError(`must be a port number, a range "first:last" or a port name, not ${JSON.stringify(v)}`, { field });
  const range = /^(\d+):(\d+)$/.exec(v);
  if (range) {
    const first = Number(range[1]);
    const last = Number(range[2]);
    if (last > 65535) throw new InputError(`port ${last} is out of range 0-65535`, { field });
    if (first > last) throw new InputError(`range "${v}" starts after it ends`, { field });
    return { first, last };
  }
  if (/^\d+$/.test(v)) return port(Number(v), field);
  checkPortName(v, field);
  return { name: v };
}

function ports(v: unknown, field: string): CalicoPort[] | undefined {
  const l = optList(v as unknown[], field);
  return l?.map((p, i) => port(p, `${field}[${i}]`));
}

function entity(raw: unknown, field: string, unknown: string[]): CalicoEntityRule {
  const m = optMapping(raw as Raw, field);
  if (!m) return {};
  checkKnownFields(
    m,
    ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts', 'services'],
    field,
    'an EntityRule',
  );
  const sa = optMapping(m.serviceAccounts as Raw, `${field}.serviceAccounts`);
  if (sa) checkKnownFields(sa, ['names', 'selector'], `${field}.serviceAccounts`, 'a ServiceAccountMatch');
  if (m.services !== undefined && m.services !== null) unknown.push(`${field}.services matches a Service's endpoints, which Lateral does not resolve for Calico yet`);
  const names = sa ? optList(sa.names as unknown[], `${field}.serviceAccounts.names`)?.map((n, i) => optString(n, `${field}.serviceAccounts.names[${i}]`) ?? '') : undefined;
  const saSelector = sa ? selector(sa.selector, `${field}.serviceAccounts.selector`) : undefined;
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  put('nets', cidrs(m.nets, `${field}.nets`));
  put('notNets', cidrs(m.notNets, `${field}.notNets`));
  put('selector', selector(m.selector, `${field}.selector`));
  put('notSelector', selector(m.notSelector, `${field}.notSelector`));
  put('namespaceSelector', selector(m.namespaceSelector, `${field}.namespaceSelector`));
  put('ports', ports(m.ports, `${field}.ports`));
  put('notPorts', ports(m.notPorts, `${field}.notPorts`));
  if (sa) put('serviceAccounts', { ...(names ? { names } : {}), ...(saSelector !== undefined ? { selector: saSelector } : {}) });
  return out as CalicoEntityRule;
}

function rule(raw: unknown, field: string): CalicoRule {
  const m = optMapping(raw as Raw, field);
  if (!m) throw new InputError('must be a mapping', { field });
  checkKnownFields(
    m,
    ['action', 'protocol', 'notProtocol', 'icmp', 'notICMP', 'ipVersion', 'source', 'destination', 'http', 'metadata'],
    field,
    'a Rule',
  );
  const action = optString(m.action, `${field}.action`);
  if (action === undefined) throw new InputError(`is required (${ACTIONS.join(', ')})`, { field: `${field}.action` });
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new InputError(`unknown action "${action}" (expected ${ACTIONS.join(', ')})`, { field: `${field}.action` });
  }
  const protocol = protocolOf(m.protocol, `${field}.protocol`);
  const notProtocol = protocolOf(m.notProtocol, `${field}.notProtocol`);
  const unknown: string[] = [];
  const source = entity(m.source, `${field}.source`, unknown);
  const destination = entity(m.destination, `${field}.destination`, unknown);
  for (const [side, e] of [['source', source], ['destination', destination]] as const) {
    if ((e.ports || e.notPorts) && (protocol === undefined || !PORT_PROTOCOLS.has(protocol))) {
      throw new InputError('ports need the rule to set protocol to TCP, UDP, SCTP or UDPLite', { field: `${field}.${side}.${e.ports ? 'ports' : 'notPorts'}` });
    }
  }
  // The client picks its source port: which one is in no manifest.
  if (source.ports || source.notPorts) unknown.push(`${field}.source matches the client's source port, which no manifest fixes`);
  if (m.ipVersion !== undefined && m.ipVersion !== null) {
    if (m.ipVersion !== 4 && m.ipVersion !== 6) throw new InputError(`must be 4 or 6, not ${JSON.stringify(m.ipVersion)}`, { field: `${field}.ipVersion` });
    unknown.push(`${field}.ipVersion: which IP family a connection uses is not decided by the manifests`);
  }
  return {
    action: action as CalicoAction,
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    source,
    destination,
    ...(unknown.length > 0 ? { unknown: unknown.join('; ') } : {}),
  };
}

/** NetworkPolicy (namespaced) and GlobalNetworkPolicy. */
export function calicoPolicyFromObject(raw: unknown, kind: 'NetworkPolicy' | 'GlobalNetworkPolicy', namespace: string, name: string): CalicoPolicy {
  const spec = specOf(raw);
  const known = [
    'tier',
    'order',
    'selector',
    'types',
    'ingress',
    'egress',
    'serviceAccountSelector',
    'performanceHints',
    ...(kind === 'GlobalNetworkPolicy' ? ['namespaceSelector', 'doNotTrack', 'preDNAT', 'applyOnForward'] : []),
  ];
  checkKnownFields(spec, known, 'spec', `a ${kind} spec`);
  for (const f of ['doNotTrack', 'preDNAT'] as const) {
    if (spec[f] === true) throw new InputError(`${f} policies apply to host endpoints before connection tracking; Lateral does not evaluate them`, { field: `spec.${f}` });
  }
  const typesRaw = optList(spec.types as unknown[], 'spec.types');
  const types = typesRaw?.map((t, i): PolicyType => {
    if (t !== 'Ingress' && t !== 'Egress') throw new InputError(`unknown type ${JSON.stringify(t)} (expected Ingress or Egress)`, { field: `spec.types[${i}]` });
    return t;
  });
  const o = order(spec.order, 'spec.order');
  const sel = selector(spec.selector, 'spec.selector');
  const nsSel = kind === 'GlobalNetworkPolicy' ? selector(spec.namespaceSelector, 'spec.namespaceSelector') : undefined;
  const saSel = selector(spec.serviceAccountSelector, 'spec.serviceAccountSelector');
  const tier = optString(spec.tier, 'spec.tier') || 'default';
  return {
    kind,
    ...(kind === 'NetworkPolicy' ? { namespace } : {}),
    name,
    tier,
    ...(o !== undefined ? { order: o } : {}),
    ...(sel !== undefined ? { selector: sel } : {}),
    ...(nsSel !== undefined ? { namespaceSelector: nsSel } : {}),
    ...(saSel !== undefined ? { serviceAccountSelector: saSel } : {}),
    ...(types ? { types } : {}),
    ingress: list(spec.ingress as unknown[], 'spec.ingress').map((r, i) => rule(r, `spec.ingress[${i}]`)),
    egress: list(spec.egress as unknown[], 'spec.egress').map((r, i) => rule(r, `spec.egress[${i}]`)),
  };
}

/** NetworkSet (namespace given) and GlobalNetworkSet. */
export function calicoNetworkSetFromObject(raw: unknown, namespace: string | undefined, name: string): CalicoNetworkSet {
  const spec = specOf(raw);
  checkKnownFields(spec, ['nets', 'allowedEgressDomains'], 'spec', 'a network set spec');
  const domains = optList(spec.allowedEgressDomains as unknown[], 'spec.allowedEgressDomains')?.map(
    (d, i) => optString(d, `spec.allowedEgressDomains[${i}]`) ?? '',
  );
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    labels: labelsOf(raw),
    nets: cidrs(spec.nets, 'spec.nets') ?? [],
    ...(domains && domains.length > 0 ? { allowedEgressDomains: domains } : {}),
  };
}

export function calicoHostEndpointFromObject(raw: unknown, name: string): CalicoHostEndpoint {
  const spec = specOf(raw);
  checkKnownFields(spec, ['node', 'interfaceName', 'expectedIPs', 'profiles', 'ports'], 'spec', 'a HostEndpoint spec');
  const node = optString(spec.node, 'spec.node');
  const ips = (cidrs(spec.expectedIPs, 'spec.expectedIPs') ?? []).map((c) => c.slice(0, c.indexOf('/')));
  if (spec.expectedIPs !== undefined && isMapping(spec.expectedIPs)) throw new InputError('must be a list', { field: 'spec.expectedIPs' });
  return { name, ...(node !== undefined ? { node } : {}), labels: labelsOf(raw), expectedIPs: ips };
}
