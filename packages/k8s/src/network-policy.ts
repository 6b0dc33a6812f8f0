import type {
  V1IPBlock,
  V1LabelSelector,
  V1NetworkPolicy,
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyIngressRule,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
} from '@kubernetes/client-node';
import {
  InputError,
  quoteValue,
  tryParseCidr,
  type Cidr,
  type IPBlock,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type NetworkPolicyPort,
  type PolicyType,
} from '@lateral/core';
import { labelSelector } from './selector.js';
import {
  checkKnownFields,
  checkPortName,
  optInt,
  optList,
  optMapping,
  optProtocol,
  optString,
} from './raw-fields.js';

/** client-node renames `from` to `_from` (a reserved word for its generator); manifests say `from`. */
type RawIngressRule = Omit<V1NetworkPolicyIngressRule, '_from'> & { from?: V1NetworkPolicyPeer[] };

/**
 * networking.k8s.io/v1 NetworkPolicy, mapped 1:1 and validated as the API server's
 * ValidateNetworkPolicy does. Absent and empty lists are kept apart (`ingress` absent vs
 * `ingress: []`, `from` absent vs `from: []`): the evaluators give them their meaning.
 */
export function networkPolicyFromObject(raw: V1NetworkPolicy, namespace: string, name: string): NetworkPolicy {
  // An absent spec, or an absent or null podSelector, is the empty selector: every pod of the
  // namespace. The API server accepts it (the field is a struct, not a pointer; the docs say so
  // since 2025) and a policy meant for the whole namespace is often written that way.
  const spec = optMapping(raw.spec, 'spec') ?? ({} as NonNullable<V1NetworkPolicy['spec']>);
  checkKnownFields(spec, ['podSelector', 'policyTypes', 'ingress', 'egress'], 'spec', 'a NetworkPolicy spec');
  const podSelector = labelSelector(spec.podSelector ?? {}, 'spec.podSelector');

  const rawTypes = optList(spec.policyTypes, 'spec.policyTypes');
  let policyTypes: PolicyType[] | undefined;
  if (rawTypes) {
    if (rawTypes.length > 2) {
      throw new InputError('may not specify more than two policyTypes', { field: 'spec.policyTypes' });
    }
    policyTypes = rawTypes.map((t, i) => {
      const s = optString(t, `spec.policyTypes[${i}]`);
      if (s !== 'Ingress' && s !== 'Egress') {
        throw new InputError(`unknown policy type ${quoteValue(String(t))} (expected Ingress or Egress)`, {
          field: `spec.policyTypes[${i}]`,
        });
      }
      return s;
    });
  }

  const ingress = optList(spec.ingress, 'spec.ingress')?.map((r, i) => {
    const f = `spec.ingress[${i}]`;
    const rule = (optMapping(r, f) ?? {}) as RawIngressRule;
    checkKnownFields(rule, ['from', 'ports'], f, 'an ingress rule');
    const from = optList(rule.from, `${f}.from`)?.map((p, j) => peer(p, `${f}.from[${j}]`));
    const ports = optList(rule.ports, `${f}.ports`)?.map((p, j) => policyPort(p, `${f}.ports[${j}]`));
    return { ...(from ? { from } : {}), ...(ports ? { ports } : {}) };
  });
  const egress = optList(spec.egress, 'spec.egress')?.map((r, i) => {
    const f = `spec.egress[${i}]`;
    const rule = optMapping(r, f) ?? ({} as V1NetworkPolicyEgressRule);
    checkKnownFields(rule, ['to', 'ports'], f, 'an egress rule');
    const to = optList(rule.to, `${f}.to`)?.map((p, j) => peer(p, `${f}.to[${j}]`));
    const ports = optList(rule.ports, `${f}.ports`)?.map((p, j) => policyPort(p, `${f}.ports[${j}]`));
    return { ...(to ? { to } : {}), ...(ports ? { ports } : {}) };
  });

  return {
    namespace,
    name,
    podSelector,
    ...(policyTypes ? { policyTypes } : {}),
    ...(ingress ? { ingress } : {}),
    ...(egress ? { egress } : {}),
  };
}

function peer(raw: V1NetworkPolicyPeer | null | undefined, field: string): NetworkPolicyPeer {
  const p = optMapping(raw, field) ?? ({} as V1NetworkPolicyPeer);
  checkKnownFields(p, ['podSelector', 'namespaceSelector', 'ipBlock'], field, 'a peer');
  const hasPod = p.podSelector !== undefined && p.podSelector !== null;
  const hasNs = p.namespaceSelector !== undefined && p.namespaceSelector !== null;
  const hasIp = p.ipBlock !== undefined && p.ipBlock !== null;
  if (!hasPod && !hasNs && !hasIp) {
    throw new InputError('a peer must specify podSelector, namespaceSelector or ipBlock', { field });
  }
  if (hasIp && (hasPod || hasNs)) {
    throw new InputError('ipBlock may not be combined with podSelector or namespaceSelector in one peer', {
      field,
    });
  }
  if (hasIp) return { ipBlock: ipBlock(p.ipBlock, `${field}.ipBlock`) };
  return {
    ...(hasPod ? { podSelector: labelSelector(p.podSelector as V1LabelSelector, `${field}.podSelector`) } : {}),
    ...(hasNs
      ? { namespaceSelector: labelSelector(p.namespaceSelector as V1LabelSelector, `${field}.namespaceSelector`) }
      : {}),
  };
}

function ipBlock(raw: V1IPBlock | undefined, field: string): IPBlock {
  const b = optMapping(raw, field) ?? ({} as V1IPBlock);
  checkKnownFields(b, ['cidr', 'except'], field, 'an ipBlock');
  const cidrText = optString(b.cidr, `${field}.cidr`);
  if (!cidrText) throw new InputError('ipBlock needs a cidr', { field: `${field}.cidr` });
  const cidr = apiServerCidr(cidrText, `${field}.cidr`);
  const except = optList(b.except, `${field}.except`)?.map((e, i) => {
    const f = `${field}.except[${i}]`;
    const text = optString(e, f) ?? '';
    const ex = apiServerCidr(text, f);
    // ValidateIPBlock: each except must be a strict subset of cidr (same family, longer prefix).
    if (ex.family !== cidr.family || ex.prefix <= cidr.prefix || ex.start < cidr.start || ex.end > cidr.end) {
      throw new InputError(`except ${quoteValue(text)} must be strictly within cidr ${quoteValue(cidrText)}`, { field: f });
    }
    return text;
  });
  return { cidr: cidrText, ...(except ? { except } : {}) };
}

/**
 * A CIDR as the API server parses one (netutils.ParseCIDRSloppy): address, "/", prefix length,
 * nothing around them — `" 10.0.0.0/8"` and `"10.0.0.0 /8"` are refused. IPv4 parts with leading
 * zeros are read as decimal, as the sloppy parser does for these legacy fields.
 */
function apiServerCidr(text: string, field: string): Cidr {
  const cidr = /\s/.test(text) ? undefined : tryParseCidr(text);
  if (!cidr) throw new InputError(`invalid CIDR ${quoteValue(text)}`, { field });
  return cidr;
}

function policyPort(raw: V1NetworkPolicyPort | null | undefined, field: string): NetworkPolicyPort {
  const p = optMapping(raw, field) ?? ({} as V1NetworkPolicyPort);
  checkKnownFields(p, ['protocol', 'port', 'endPort'], field, 'a port');
  const protocol = optProtocol(p.protocol, `${field}.protocol`);
  let port: number | string | undefined;
  const rawPort: unknown = p.port;
  if (typeof rawPort === 'number') {
    if (!Number.isInteger(rawPort) || rawPort < 1 || rawPort > 65535) {
      throw new InputError(`port ${rawPort} is out of range 1-65535`, { field: `${field}.port` });
    }
    port = rawPort;
  } else if (typeof rawPort === 'string') {
    // IntOrString: a string is a port name, even "80" (which then fails, having no letter).
    checkPortName(rawPort, `${field}.port`);
    port = rawPort;
  } else if (rawPort !== undefined && rawPort !== null) {
    throw new InputError('must be a port number or name', { field: `${field}.port` });
  }
  const endPort = optInt(p.endPort, `${field}.endPort`);
  if (endPort !== undefined) {
    if (typeof port !== 'number') {
      throw new InputError(
        port === undefined ? 'endPort requires a numeric port' : 'endPort may not be used with a named port',
        { field: `${field}.endPort` },
      );
    }
    if (endPort < port) {
      throw new InputError(`endPort ${endPort} must be greater than or equal to port ${port}`, {
        field: `${field}.endPort`,
      });
    }
    if (endPort > 65535) {
      throw new InputError(`endPort ${endPort} is out of range 1-65535`, { field: `${field}.endPort` });
    }
  }
  return {
    ...(protocol ? { protocol } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(endPort !== undefined ? { endPort } : {}),
  };
}
