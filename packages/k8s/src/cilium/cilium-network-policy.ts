/**
 * cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy into the model: one
 * CiliumPolicy per rule (`spec`, and each of `specs`). Validated as Cilium's CRD schema and its
 * sanitizer do; what they refuse is an InputError naming the field.
 */
import {
  InputError,
  quoteValue,
  tryParseCidr,
  type CiliumEntity,
  type CiliumPeer,
  type CiliumPolicy,
  type CiliumPolicyKind,
  type CiliumPort,
  type CiliumRule,
  type Service,
} from '@lateral/core';
import { checkKnownFields, checkPortName, list, optBool, optList, optMapping, optString } from '../raw-fields.js';
import { labelSelector } from '../selector.js';
import { ciliumSelector } from './cilium-selector.js';

type Raw = Record<string, unknown>;
type Direction = 'ingress' | 'ingressDeny' | 'egress' | 'egressDeny';

const ENTITIES: readonly CiliumEntity[] = [
  'world',
  'world-ipv4',
  'world-ipv6',
  'cluster',
  'host',
  'remote-node',
  'kube-apiserver',
  'health',
  'init',
  'ingress',
  'unmanaged',
  'all',
];

const RULE_FIELDS: readonly string[] = [
  'endpointSelector',
  'nodeSelector',
  'ingress',
  'ingressDeny',
  'egress',
  'egressDeny',
  'labels',
  'description',
  'enableDefaultDeny',
  'log',
];

const FIELDS: Record<Direction, readonly string[]> = {
  ingress: ['fromEndpoints', 'fromRequires', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes', 'toPorts', 'icmps', 'authentication'],
  ingressDeny: ['fromEndpoints', 'fromRequires', 'fromCIDR', 'fromCIDRSet', 'fromEntities', 'fromGroups', 'fromNodes', 'toPorts', 'icmps'],
  egress: ['toEndpoints', 'toRequires', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toFQDNs', 'toGroups', 'toNodes', 'toPorts', 'icmps', 'authentication'],
  egressDeny: ['toEndpoints', 'toRequires', 'toCIDR', 'toCIDRSet', 'toEntities', 'toServices', 'toGroups', 'toNodes', 'toPorts', 'icmps'],
};

/** Every policy of one object: its `spec` and each of its `specs`. */
export function ciliumPoliciesFromObject(raw: { spec?: unknown; specs?: unknown }, kind: CiliumPolicyKind, namespace: string, name: string): CiliumPolicy[] {
  const out: CiliumPolicy[] = [];
  if (raw.spec !== undefined && raw.spec !== null) out.push(ciliumRule(raw.spec, 'spec', kind, namespace, name, undefined));
  optList(raw.specs as unknown[] | undefined, 'specs')?.forEach((s, i) => out.push(ciliumRule(s, `specs[${i}]`, kind, namespace, name, i)));
  if (out.length === 0) throw new InputError(`a ${kind} needs spec or specs`, { field: 'spec' });
  return out;
}

function ciliumRule(raw: unknown, field: string, kind: CiliumPolicyKind, namespace: string, name: string, specIndex: number | undefined): CiliumPolicy {
  const spec = optMapping(raw as Raw, field) ?? {};
  checkKnownFields(spec, RULE_FIELDS, field, `a ${kind} rule`);
  const hasEndpoints = spec.endpointSelector !== undefined && spec.endpointSelector !== null;
  const hasNodes = spec.nodeSelector !== undefined && spec.nodeSelector !== null;
  if (hasEndpoints === hasNodes) {
    throw new InputError('a rule needs exactly one of endpointSelector or nodeSelector', { field: hasEndpoints ? `${field}.nodeSelector` : `${field}.endpointSelector` });
  }
  if (hasNodes && kind === 'CiliumNetworkPolicy') {
    throw new InputError('nodeSelector is only for CiliumClusterwideNetworkPolicy', { field: `${field}.nodeSelector` });
  }
  const subject: CiliumPolicy['subject'] = hasEndpoints
    ? { kind: 'endpoints', selector: ciliumSelector(spec.endpointSelector, `${field}.endpointSelector`).selector }
    : { kind: 'nodes', selector: labelSelector(spec.nodeSelector as never, `${field}.nodeSelector`) };
  const ownNamespace = kind === 'CiliumNetworkPolicy' ? namespace : undefined;
  const rules = (d: Direction) =>
    list(optList(spec[d] as unknown[] | undefined, `${field}.${d}`), `${field}.${d}`).map((r, i) => ciliumRuleOf(r, `${field}.${d}[${i}]`, d, i, ownNamespace));
  const ingress = rules('ingress');
  const ingressDeny = rules('ingressDeny');
  const egress = rules('egress');
  const egressDeny = rules('egressDeny');
  const dd = optMapping(spec.enableDefaultDeny as Raw | undefined, `${field}.enableDefaultDeny`) ?? {};
  checkKnownFields(dd, ['ingress', 'egress'], `${field}.enableDefaultDeny`, 'enableDefaultDeny');
  // "If not specified, the default is true for each traffic direction that has rules, and false otherwise."
  const defaultDeny = {
    ingress: optBool(dd.ingress, `${field}.enableDefaultDeny.ingress`) ?? ingress.length + ingressDeny.length > 0,
    egress: optBool(dd.egress, `${field}.enableDefaultDeny.egress`) ?? egress.length + egressDeny.length > 0,
  };
  return {
    kind,
    namespace: kind === 'CiliumNetworkPolicy' ? namespace : '',
    name,
    ...(specIndex !== undefined ? { specIndex } : {}),
    subject,
    ingress,
    ingressDeny,
    egress,
    egressDeny,
    defaultDeny,
  };
}

function strings(raw: unknown, field: string): string[] {
  return list(optList(raw as unknown[] | undefined, field), field).map((v, i) => optString(v, `${field}[${i}]`) ?? '');
}

function cidr(text: string, field: string): string {
  // Cilium takes a bare address as a /32 (/128).
  const c = text.includes('/') ? text : text.includes(':') ? `${text}/128` : `${text}/32`;
  if (!tryParseCidr(c)) throw new InputError(`invalid CIDR ${quoteValue(text)}`, { field });
  return c;
}

function ciliumRuleOf(raw: unknown, field: string, direction: Direction, index: number, ownNamespace: string | undefined): CiliumRule {
  const r = optMapping(raw as Raw, field) ?? {};
  checkKnownFields(r, FIELDS[direction], field, `an ${direction} rule`);
  const from = direction.startsWith('ingress');
  const f = (name: string) => `${from ? 'from' : 'to'}${name}`;
  let peers: CiliumPeer[] | undefined;
  const add = (p: CiliumPeer) => (peers ??= []).push(p);
  const present = (k: string) => r[k] !== undefined && r[k] !== null;

  if (present(f('Requires'))) {
    throw new InputError(`${f('Requires')} is not evaluated by Lateral (it is deprecated in Cilium); write the requirement into the endpoint selectors`, { field: `${field}.${f('Requires')}` });
  }
  if (present(f('Endpoints'))) {
    peers ??= [];
    list(optList(r[f('Endpoints')] as unknown[], `${field}.${f('Endpoints')}`), '').forEach((s, i) => {
      const { selector, namesNamespace } = ciliumSelector(s, `${field}.${f('Endpoints')}[${i}]`);
      // A namespaced policy's selectors are limited to its namespace unless they name one.
      add({ kind: 'endpoints', selector, ...(ownNamespace !== undefined && !namesNamespace ? { ownNamespace } : {}) });
    });
  }
  if (present(f('CIDR'))) {
    peers ??= [];
    strings(r[f('CIDR')], `${field}.${f('CIDR')}`).forEach((c, i) => add({ kind: 'cidr', cidr: cidr(c, `${field}.${f('CIDR')}[${i}]`) }));
  }
  if (present(f('CIDRSet'))) {
    peers ??= [];
    list(optList(r[f('CIDRSet')] as unknown[], `${field}.${f('CIDRSet')}`), '').forEach((s, i) => {
      const sf = `${field}.${f('CIDRSet')}[${i}]`;
      const set = optMapping(s as Raw, sf) ?? {};
      checkKnownFields(set, ['cidr', 'except', 'cidrGroupRef', 'cidrGroupSelector'], sf, 'a CIDR set');
      const c = optString(set.cidr, `${sf}.cidr`);
      if (c === undefined) {
        // CiliumCIDRGroup objects are not read: which addresses the group holds is not in the input.
        add({ kind: 'unresolved', what: `${f('CIDRSet')}[${i}] (a CiliumCIDRGroup)` });
        return;
      }
      const except = strings(set.except, `${sf}.except`).map((e, j) => cidr(e, `${sf}.except[${j}]`));
      add({ kind: 'cidr', cidr: cidr(c, `${sf}.cidr`), ...(except.length > 0 ? { except } : {}) });
    });
  }
  if (present(f('Entities'))) {
    peers ??= [];
    strings(r[f('Entities')], `${field}.${f('Entities')}`).forEach((e, i) => {
      if (!(ENTITIES as readonly string[]).includes(e)) {
        throw new InputError(`unknown entity ${quoteValue(e)} (one of ${ENTITIES.join(', ')})`, { field: `${field}.${f('Entities')}[${i}]` });
      }
      add({ kind: 'entity', entity: e as CiliumEntity });
    });
  }
  if (present(f('Nodes'))) {
    peers ??= [];
    list(optList(r[f('Nodes')] as unknown[], `${field}.${f('Nodes')}`), '').forEach((s, i) =>
      add({ kind: 'nodes', selector: labelSelector(s as never, `${field}.${f('Nodes')}[${i}]`) }),
    );
  }
  if (present(f('Groups'))) {
    peers ??= [];
    add({ kind: 'unresolved', what: `${f('Groups')} (cloud provider groups)` });
  }
  if (present('toFQDNs')) {
    peers ??= [];
    list(optList(r.toFQDNs as unknown[], `${field}.toFQDNs`), '').forEach((q, i) => {
      const qf = `${field}.toFQDNs[${i}]`;
      const m = optMapping(q as Raw, qf) ?? {};
      checkKnownFields(m, ['matchName', 'matchPattern'], qf, 'an FQDN selector');
      const name = optString(m.matchName, `${qf}.matchName`) ?? optString(m.matchPattern, `${qf}.matchPattern`);
      if (!name) throw new InputError('needs matchName or matchPattern', { field: qf });
      add({ kind: 'unresolved', what: `toFQDNs ${name} (which addresses a name resolves to is not in the input)` });
    });
  }
  if (present('toServices')) {
    peers ??= [];
    list(optList(r.toServices as unknown[], `${field}.toServices`), '').forEach((q, i) => {
      const qf = `${field}.toServices[${i}]`;
      const m = optMapping(q as Raw, qf) ?? {};
      checkKnownFields(m, ['k8sService', 'k8sServiceSelector'], qf, 'a service selector');
      const svc = optMapping(m.k8sService as Raw | undefined, `${qf}.k8sService`);
      if (svc) {
        checkKnownFields(svc, ['serviceName', 'namespace'], `${qf}.k8sService`, 'k8sService');
        const serviceName = optString(svc.serviceName, `${qf}.k8sService.serviceName`);
        if (!serviceName) throw new InputError('is required', { field: `${qf}.k8sService.serviceName` });
        const ns = optString(svc.namespace, `${qf}.k8sService.namespace`) ?? ownNamespace ?? 'default';
        add({ kind: 'unresolved', what: `toServices ${ns}/${serviceName}`, service: { namespace: ns, name: serviceName } });
      } else {
        add({ kind: 'unresolved', what: 'toServices k8sServiceSelector (Service labels are not read)' });
      }
    });
  }

  const portRules = list(optList(r.toPorts as unknown[] | undefined, `${field}.toPorts`), `${field}.toPorts`);
  let ports: CiliumPort[] | undefined;
  let l7 = false;
  portRules.forEach((pr, i) => {
    const pf = `${field}.toPorts[${i}]`;
    const m = optMapping(pr as Raw, pf) ?? {};
    const deny = direction.endsWith('Deny');
    checkKnownFields(m, deny ? ['ports'] : ['ports', 'rules', 'terminatingTLS', 'originatingTLS', 'serverNames', 'listener'], pf, deny ? 'a deny port rule' : 'a port rule');
    // L7 rules (HTTP, Kafka, DNS), SNI and listeners filter inside an allowed L4 connection.
    if (!deny && [m.rules, m.serverNames, m.listener].some((v) => v !== undefined && v !== null)) l7 = true;
    const entries = list(optList(m.ports as unknown[] | undefined, `${pf}.ports`), `${pf}.ports`);
    ports ??= [];
    if (entries.length === 0) {
      // A port rule without ports: every port (its L7 rules still apply).
      ports.push({ protocol: 'ANY' });
      return;
    }
    entries.forEach((e, j) => ports!.push(portOf(e, `${pf}.ports[${j}]`)));
  });
  // ICMP rules (`icmps`) are not modelled: a rule with only ICMP allows no TCP, UDP or SCTP port.
  if (present('icmps') && ports === undefined) ports = [];
  // A rule that names neither peers nor ports selects nothing (an empty rule puts the
  // endpoint in default deny without allowing anything).
  if (peers === undefined && ports === undefined) peers = [];
  return { index, ...(peers !== undefined ? { peers } : {}), ...(ports !== undefined ? { ports } : {}), ...(l7 ? { l7 } : {}) };
}

function portOf(raw: unknown, field: string): CiliumPort {
  const m = optMapping(raw as Raw, field) ?? {};
  checkKnownFields(m, ['port', 'endPort', 'protocol'], field, 'a port');
  const protoText = optString(m.protocol, `${field}.protocol`) ?? 'ANY';
  if (!['TCP', 'UDP', 'SCTP', 'ANY'].includes(protoText)) {
    throw new InputError(`unsupported protocol ${quoteValue(protoText)} (TCP, UDP, SCTP or ANY)`, { field: `${field}.protocol` });
  }
  const protocol = protoText as CiliumPort['protocol'];
  const rawPort = m.port;
  const portText = typeof rawPort === 'number' ? String(rawPort) : optString(rawPort, `${field}.port`);
  const endPort = m.endPort === undefined || m.endPort === null ? undefined : Number(m.endPort);
  if (portText === undefined || portText === '' || portText === '0') {
    if (endPort !== undefined && endPort !== 0) throw new InputError('endPort needs a port', { field: `${field}.endPort` });
    return { protocol };
  }
  if (/^\d+$/.test(portText)) {
    const port = Number(portText);
    if (port < 1 || port > 65535) throw new InputError(`port ${port} is out of range 1-65535`, { field: `${field}.port` });
    if (endPort !== undefined && endPort !== 0) {
      if (!Number.isInteger(endPort) || endPort < port || endPort > 65535) {
        throw new InputError(`endPort ${String(m.endPort)} must be a port from ${port} to 65535`, { field: `${field}.endPort` });
      }
      return { protocol, port, endPort };
    }
    return { protocol, port };
  }
  checkPortName(portText, `${field}.port`);
  if (endPort !== undefined && endPort !== 0) throw new InputError('endPort needs a numeric port', { field: `${field}.endPort` });
  return { protocol, port: portText };
}

/**
 * toServices peers against the Services of the input: a Service with a selector stands for the
 * pods it selects; one without a selector (endpoints kept by hand) or missing from the input stays
 * unresolved.
 */
export function resolveCiliumServices(policies: readonly CiliumPolicy[], services: readonly Service[]): CiliumPolicy[] {
  const byKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const resolve = (rules: readonly CiliumRule[]): CiliumRule[] =>
    rules.map((r) =>
      r.peers === undefined || !r.peers.some((p) => p.kind === 'unresolved' && p.service)
        ? r
        : {
            ...r,
            peers: r.peers.map((p): CiliumPeer => {
              if (p.kind !== 'unresolved' || !p.service) return p;
              const svc = byKey.get(`${p.service.namespace}/${p.service.name}`);
              if (!svc || svc.selector === undefined) {
                return { ...p, what: `${p.what} (${svc ? 'a Service without a selector: its endpoints are not in the input' : 'not in the input'})` };
              }
              return { kind: 'service-pods', namespace: svc.namespace, selector: svc.selector, service: svc.name };
            }),
          },
    );
  return policies.map((p) => ({ ...p, egress: resolve(p.egress), egressDeny: resolve(p.egressDeny) }));
}
