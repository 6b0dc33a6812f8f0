import type { V1Service, V1ServicePort, V1ServiceSpec } from '@kubernetes/client-node';
import { InputError, quoteValue, type Service, type ServicePort } from '@lateral/core';
import {
  checkPortName,
  list,
  optInt,
  optMapping,
  optString,
  optLabels,
  portNumber,
  protocol,
} from './raw-fields.js';

const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

export function serviceFromObject(raw: V1Service, namespace: string, name: string): Service {
  const spec = optMapping(raw.spec, 'spec') ?? ({} as V1ServiceSpec);
  const type = optString(spec.type, 'spec.type') ?? 'ClusterIP';
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new InputError(`unknown service type ${quoteValue(type)} (expected ${SERVICE_TYPES.join(', ')})`, {
      field: 'spec.type',
    });
  }
  const selector = optLabels(spec.selector, 'spec.selector');
  const ports = list(spec.ports, 'spec.ports').map((rawP, i): ServicePort => {
    const f = `spec.ports[${i}]`;
    const p = optMapping(rawP, f) ?? ({} as V1ServicePort);
    const name = optString(p.name, `${f}.name`);
    const rawTarget: unknown = p.targetPort;
    let targetPort: number | string | undefined;
    if (typeof rawTarget === 'number') targetPort = portNumber(rawTarget, `${f}.targetPort`);
    else if (typeof rawTarget === 'string') {
      checkPortName(rawTarget, `${f}.targetPort`);
      targetPort = rawTarget;
    } else if (rawTarget !== undefined && rawTarget !== null) {
      throw new InputError('must be a port number or name', { field: `${f}.targetPort` });
    }
    // nodePort 0 is the API's "not set" (the API server allocates one).
    const nodePort = optInt(p.nodePort, `${f}.nodePort`);
    if (nodePort) portNumber(nodePort, `${f}.nodePort`);
    // By assignment, in this key order: an object literal that starts with a spread is slow in V8.
    const port = portNumber(p.port, `${f}.port`);
    const out: { name?: string; port: number; targetPort?: number | string; protocol?: ServicePort['protocol']; nodePort?: number } =
      name !== undefined ? { name, port } : { port };
    if (targetPort !== undefined) out.targetPort = targetPort;
    out.protocol = protocol(p.protocol, `${f}.protocol`);
    if (nodePort) out.nodePort = nodePort;
    return out as ServicePort;
  });
  return {
    namespace,
    name,
    type: type as Service['type'],
    // `selector: {}` is stored like an absent one (omitempty), and so has no endpoints either.
    ...(selector && Object.keys(selector).length > 0 ? { selector } : {}),
    ports,
  };
}
