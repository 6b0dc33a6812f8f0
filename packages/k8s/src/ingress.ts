/**
 * networking.k8s.io Ingress -> the model: which Services (and which of their ports) an Ingress
 * exposes to the outside. Lateral movement reads it for entry points; routing details (hosts,
 * paths, TLS) do not change who can reach a backend, so they are not kept.
 */
import { InputError, type Ingress, type IngressBackend } from '@lateral/core';
import { checkPortName, list, optInt, optMapping, optString, portNumber } from './raw-fields.js';

type Raw = Record<string, unknown>;

/**
 * One backend. v1 writes `service: {name, port: {number | name}}`; v1beta1 (same API group,
 * still found in older repositories) wrote `serviceName` and `servicePort`. A `resource`
 * backend (e.g. a storage bucket) exposes no Service and is left out.
 */
function backendOf(raw: unknown, field: string): IngressBackend | undefined {
  const b = optMapping(raw as Raw | undefined, field);
  if (!b) return undefined;
  const service = optMapping(b.service as Raw | undefined, `${field}.service`);
  if (service) {
    const name = optString(service.name, `${field}.service.name`);
    if (!name) throw new InputError('is required', { field: `${field}.service.name` });
    const port = optMapping(service.port as Raw | undefined, `${field}.service.port`);
    const number = optInt(port?.number, `${field}.service.port.number`);
    const portName = optString(port?.name, `${field}.service.port.name`);
    if (number !== undefined && portName !== undefined) {
      // The API server's validation: "may not specify both port name and port number".
      throw new InputError('may not specify both port name and port number', { field: `${field}.service.port` });
    }
    if (number !== undefined) return { service: name, port: portNumber(number, `${field}.service.port.number`) };
    if (portName !== undefined) {
      checkPortName(portName, `${field}.service.port.name`);
      return { service: name, port: portName };
    }
    return { service: name };
  }
  const legacyName = optString(b.serviceName, `${field}.serviceName`);
  if (legacyName !== undefined) {
    const p = b.servicePort;
    if (typeof p === 'number') return { service: legacyName, port: portNumber(p, `${field}.servicePort`) };
    if (typeof p === 'string') return { service: legacyName, port: /^\d+$/.test(p) ? portNumber(Number(p), `${field}.servicePort`) : p };
    return { service: legacyName };
  }
  if (b.resource === undefined) {
    throw new InputError('a backend needs a service (or a resource)', { field });
  }
  return undefined;
}

export function ingressFromObject(raw: unknown, namespace: string, name: string): Ingress {
  const spec = optMapping((raw as Raw).spec as Raw | undefined, 'spec') ?? {};
  const ingressClassName = optString(spec.ingressClassName, 'spec.ingressClassName');
  const backends: IngressBackend[] = [];
  const add = (b: IngressBackend | undefined) => {
    if (b && !backends.some((x) => x.service === b.service && x.port === b.port)) backends.push(b);
  };
  add(backendOf(spec.defaultBackend ?? spec.backend, spec.defaultBackend !== undefined ? 'spec.defaultBackend' : 'spec.backend'));
  list(spec.rules as unknown[] | undefined, 'spec.rules').forEach((rawRule, i) => {
    const rule = optMapping(rawRule as Raw | undefined, `spec.rules[${i}]`);
    const http = optMapping(rule?.http as Raw | undefined, `spec.rules[${i}].http`);
    list(http?.paths as unknown[] | undefined, `spec.rules[${i}].http.paths`).forEach((rawPath, j) => {
      const f = `spec.rules[${i}].http.paths[${j}]`;
      const path = optMapping(rawPath as Raw | undefined, f);
      if (!path || path.backend === undefined || path.backend === null) throw new InputError('is required', { field: `${f}.backend` });
      add(backendOf(path.backend, `${f}.backend`));
    });
  });
  return { namespace, name, ...(ingressClassName !== undefined ? { ingressClassName } : {}), backends };
}
