import type { V1Container, V1ContainerPort, V1PodSpec } from '@kubernetes/client-node';
import type { ContainerPort, PodSecurity } from '@lateral/core';
import {
  checkPortName,
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
 */
export function podSpecFacts(raw: V1PodSpec | null | undefined, field: string): PodSpecFacts {
  const spec = optMapping(raw, field) ?? ({} as Partial<V1PodSpec>);
  const ports: ContainerPort[] = [];
  let privileged = false;
  let sysAdmin = false;

  const groups: [keyof V1PodSpec & string, readonly V1Container[]][] = [
    ['containers', list(spec.containers, `${field}.containers`)],
    ['initContainers', list(spec.initContainers, `${field}.initContainers`)],
    // Ephemeral containers declare no ports the API accepts, but can be privileged.
    ['ephemeralContainers', list(spec.ephemeralContainers as V1Container[] | undefined, `${field}.ephemeralContainers`)],
  ];
  for (const [group, containers] of groups) {
    containers.forEach((rawC, ci) => {
      const cField = `${field}.${group}[${ci}]`;
      const c = optMapping(rawC, cField) ?? ({} as V1Container);
      if (group !== 'ephemeralContainers') {
        list(c.ports, `${cField}.ports`).forEach((rawP, pi) => {
          const pField = `${cField}.ports[${pi}]`;
          const p = optMapping(rawP, pField) ?? ({} as V1ContainerPort);
          const containerPort = portNumber(p.containerPort, `${pField}.containerPort`);
          const name = optString(p.name, `${pField}.name`);
          if (name !== undefined) checkPortName(name, `${pField}.name`);
          // hostPort 0 is the API's "not set".
          const hostPort = optInt(p.hostPort, `${pField}.hostPort`);
          if (hostPort) portNumber(hostPort, `${pField}.hostPort`);
          ports.push({
            ...(name !== undefined ? { name } : {}),
            containerPort,
            protocol: protocol(p.protocol, `${pField}.protocol`),
            ...(hostPort ? { hostPort } : {}),
          });
        });
      }
      const sc = optMapping(c.securityContext, `${cField}.securityContext`);
      if (optBool(sc?.privileged, `${cField}.securityContext.privileged`)) privileged = true;
      const caps = optMapping(sc?.capabilities, `${cField}.securityContext.capabilities`);
      list(caps?.add, `${cField}.securityContext.capabilities.add`).forEach((cap, i) => {
        const s = optString(cap, `${cField}.securityContext.capabilities.add[${i}]`);
        if (s !== undefined && SYS_ADMIN.has(s.toUpperCase())) sysAdmin = true;
      });
    });
  }

  const hostPath = list(spec.volumes, `${field}.volumes`).some(
    (v, i) => optMapping(optMapping(v, `${field}.volumes[${i}]`)?.hostPath, `${field}.volumes[${i}].hostPath`) !== undefined,
  );
  const node = optString(spec.nodeName, `${field}.nodeName`);
  // serviceAccount is the deprecated alias the API server still fills from serviceAccountName.
  const serviceAccountName =
    optString(spec.serviceAccountName, `${field}.serviceAccountName`) || optString((spec as { serviceAccount?: unknown }).serviceAccount, `${field}.serviceAccount`);
  const automount = optBool(spec.automountServiceAccountToken, `${field}.automountServiceAccountToken`);
  return {
    ports,
    hostNetwork: optBool(spec.hostNetwork, `${field}.hostNetwork`) ?? false,
    security: {
      privileged,
      hostPID: optBool(spec.hostPID, `${field}.hostPID`) ?? false,
      hostIPC: optBool(spec.hostIPC, `${field}.hostIPC`) ?? false,
      hostPath,
      sysAdmin,
    },
    ...(node ? { node } : {}),
    ...(serviceAccountName ? { serviceAccountName } : {}),
    ...(automount !== undefined ? { automountServiceAccountToken: automount } : {}),
  };
}
