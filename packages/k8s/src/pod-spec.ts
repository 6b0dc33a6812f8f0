import type { V1Container, V1ContainerPort, V1PodSpec } from '@kubernetes/client-node';
import type { ContainerPort, PodSecurity } from '@lateral/core';
import {
  checkPortName,
  invalidPortNameReason,
  isMapping,
  list,
  optBool,
  optInt,
  optMapping,
  optString,
  portNumber,
  protocol,
} from './raw-fields.js';

/** What the model needs from a PodSpec, whether of a Pod or of a workload's pod template. */
export interface PodSpecFacts {
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
  readonly security: PodSecurity;
  readonly node?: string;
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
}

/** Capabilities that amount to CAP_SYS_ADMIN: runtimes accept it with or without the prefix. */
const SYS_ADMIN = new Set(['SYS_ADMIN', 'CAP_SYS_ADMIN', 'ALL', 'CAP_ALL']);

/**
 * Reads and validates a PodSpec. `field` is the path of the spec inside its object (`spec` for a
 * Pod, `spec.template.spec` for a Deployment), so errors name the field as the API server does.
 *
 * Every pod of a large cluster passes through here, so it accepts the usual shapes with plain
 * type tests and builds no field path until a value fails them: then the raw-fields reader for
 * that field decides (null counts as absent, as there) and names the field in its error.
 */
export function podSpecFacts(raw: V1PodSpec | null | undefined, field: string): PodSpecFacts {
  const spec = (isMapping(raw) ? raw : optMapping(raw, field) ?? {}) as Partial<V1PodSpec>;
  const ports: ContainerPort[] = [];
  let privileged = false;
  let sysAdmin = false;

  // All three lists are checked before any container is read (the order errors are found in).
  // No closures here (field paths are made by plain functions, when needed): every pod passes.
  const containerLists = spec.containers;
  const initLists = spec.initContainers;
  const ephemeralLists = spec.ephemeralContainers;
  const lists = [
    containerLists == null ? NONE : Array.isArray(containerLists) ? containerLists : list(containerLists, fieldAt(field, 'containers')),
    initLists == null ? NONE : Array.isArray(initLists) ? initLists : list(initLists, fieldAt(field, 'initContainers')),
    ephemeralLists == null ? NONE : Array.isArray(ephemeralLists) ? ephemeralLists : list(ephemeralLists as unknown[], fieldAt(field, 'ephemeralContainers')),
  ] as (readonly V1Container[])[];
  for (let g = 0; g < CONTAINER_GROUPS.length; g++) {
    const group = CONTAINER_GROUPS[g]!;
    const containers = lists[g]!;
    for (let ci = 0; ci < containers.length; ci++) {
      const rawC = containers[ci];
      const c = (isMapping(rawC) ? rawC : optMapping(rawC, containerField(field, group, ci)) ?? {}) as V1Container;
      // Ephemeral containers declare no ports the API accepts, but can be privileged.
      if (group !== 'ephemeralContainers') {
        const rawPorts = c.ports;
        const cPorts = Array.isArray(rawPorts) ? rawPorts : list(rawPorts, `${containerField(field, group, ci)}.ports`);
        for (let pi = 0; pi < cPorts.length; pi++) ports.push(usualPort(cPorts[pi]) ?? containerPort(cPorts[pi], `${containerField(field, group, ci)}.ports[${pi}]`));
      }
      if (c.securityContext === undefined || c.securityContext === null) continue;
      const cf = containerField(field, group, ci);
      const sc = optMapping(c.securityContext, `${cf}.securityContext`);
      if (optBool(sc?.privileged, `${cf}.securityContext.privileged`)) privileged = true;
      const caps = optMapping(sc?.capabilities, `${cf}.securityContext.capabilities`);
      list(caps?.add, `${cf}.securityContext.capabilities.add`).forEach((cap, i) => {
        const s = optString(cap, `${cf}.securityContext.capabilities.add[${i}]`);
        if (s !== undefined && SYS_ADMIN.has(s.toUpperCase())) sysAdmin = true;
      });
    }
  }

  const hostPath =
    spec.volumes !== undefined &&
    spec.volumes !== null &&
    list(spec.volumes, fieldAt(field, 'volumes')).some(
      (v, i) => optMapping(optMapping(v, `${field}.volumes[${i}]`)?.hostPath, `${field}.volumes[${i}].hostPath`) !== undefined,
    );
  const node = specString(spec.nodeName, field, 'nodeName');
  // serviceAccount is the deprecated alias the API server still fills from serviceAccountName.
  const serviceAccountName = specString(spec.serviceAccountName, field, 'serviceAccountName') || specString((spec as { serviceAccount?: unknown }).serviceAccount, field, 'serviceAccount');
  const automount = specBool(spec.automountServiceAccountToken, field, 'automountServiceAccountToken');
  const facts: { -readonly [K in keyof PodSpecFacts]: PodSpecFacts[K] } = {
    // A copy of its exact length: an array grown by push holds room for 16, and every pod keeps it.
    ports: ports.slice(),
    hostNetwork: specBool(spec.hostNetwork, field, 'hostNetwork') ?? false,
    security: securityOf(privileged, specBool(spec.hostPID, field, 'hostPID') ?? false, specBool(spec.hostIPC, field, 'hostIPC') ?? false, hostPath, sysAdmin),
  };
  // By assignment, in the order spreads would add them (see portOf).
  if (node) facts.node = node;
  if (serviceAccountName) facts.serviceAccountName = serviceAccountName;
  if (automount !== undefined) facts.automountServiceAccountToken = automount;
  return facts;
}

/** An absent (or null) list of containers: no containers, as list() reads it. */
const NONE: readonly V1Container[] = [];

function fieldAt(field: string, name: string): string {
  return `${field}.${name}`;
}

function containerField(field: string, group: string, ci: number): string {
  return `${field}.${group}[${ci}]`;
}

/** A string field of the spec (optString, naming the field only when it is not a string). */
function specString(v: unknown, field: string, name: string): string | undefined {
  return typeof v === 'string' ? v : v === undefined ? undefined : optString(v, fieldAt(field, name));
}

function specBool(v: unknown, field: string, name: string): boolean | undefined {
  return typeof v === 'boolean' ? v : v === undefined ? undefined : optBool(v, fieldAt(field, name));
}

/** The 32 PodSecurity values, made once each (the model is read-only): one object, not one a pod. */
const SECURITY: PodSecurity[] = [];

function securityOf(privileged: boolean, hostPID: boolean, hostIPC: boolean, hostPath: boolean, sysAdmin: boolean): PodSecurity {
  const i = (privileged ? 1 : 0) | (hostPID ? 2 : 0) | (hostIPC ? 4 : 0) | (hostPath ? 8 : 0) | (sysAdmin ? 16 : 0);
  return (SECURITY[i] ??= { privileged, hostPID, hostIPC, hostPath, sysAdmin });
}

const CONTAINER_GROUPS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/** Port names already found valid: a cluster repeats a few (`http`, `metrics`, `dns`). */
const validPortNames = new Set<string>();

/**
 * A container port that is plainly valid (a mapping, integer ports in range, a known protocol,
 * a valid name), read without building a field path; undefined for anything else, which
 * containerPort then reads — or rejects, naming the field. Both give the same port.
 */
function usualPort(raw: unknown): ContainerPort | undefined {
  if (!isMapping(raw)) return undefined;
  const p = raw as unknown as V1ContainerPort;
  const port = p.containerPort;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const name = p.name === null ? undefined : p.name;
  if (name !== undefined && (typeof name !== 'string' || !(validPortNames.has(name) || (invalidPortNameReason(name) === undefined && validPortNames.add(name))))) return undefined;
  const hostPort = p.hostPort === null ? undefined : p.hostPort;
  if (hostPort !== undefined && (typeof hostPort !== 'number' || !Number.isInteger(hostPort) || hostPort < 0 || hostPort > 65535)) return undefined;
  const proto = p.protocol === null || p.protocol === undefined ? 'TCP' : p.protocol;
  if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return undefined;
  return portOf(name, port, proto, hostPort);
}

/** A container port read field by field, each failure an error naming its field (`pField`). */
function containerPort(rawP: unknown, pField: string): ContainerPort {
  const p = optMapping(rawP as V1ContainerPort | null | undefined, pField) ?? ({} as V1ContainerPort);
  const containerPort = portNumber(p.containerPort, `${pField}.containerPort`);
  const name = optString(p.name, `${pField}.name`);
  if (name !== undefined) checkPortName(name, `${pField}.name`);
  // hostPort 0 is the API's "not set".
  const hostPort = optInt(p.hostPort, `${pField}.hostPort`);
  if (hostPort) portNumber(hostPort, `${pField}.hostPort`);
  return portOf(name, containerPort, protocol(p.protocol, `${pField}.protocol`), hostPort);
}

/**
 * `{name?, containerPort, protocol, hostPort?}` in that order. Built by assignment, not as
 * `{ ...(name ? { name } : {}), … }`: V8 takes a slow path for an object literal that starts
 * with a spread, microseconds per object, which a cluster of 100,000 pods pays per port.
 */
function portOf(name: string | undefined, containerPort: number, protocol: ContainerPort['protocol'], hostPort: number | undefined): ContainerPort {
  const port: { -readonly [K in keyof ContainerPort]: ContainerPort[K] } = name !== undefined ? { name, containerPort, protocol } : { containerPort, protocol };
  if (hostPort) port.hostPort = hostPort;
  return port;
}
