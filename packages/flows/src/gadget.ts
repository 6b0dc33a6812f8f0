/**
 * Inspektor Gadget's network trace records, as `kubectl gadget advise network-policy monitor
 * --output FILE` writes them (one JSON event per line) and as `kubectl gadget trace network
 * -o json` prints them. Each event is seen from one pod: `pktType: OUTGOING` is a connection
 * it opened, `HOST` one it accepted; `port` is always the server's port.
 *
 * The event's field names moved between releases; all of them are read:
 * - local pod: `namespace`/`pod` (flat) or `k8s.namespace`/`k8s.pod` (`k8s.podName`), with
 *   `podIP`, `podOwner`, `podLabels`;
 * - remote end: `remoteKind` (pod|svc|other) with `remoteAddr` (or `ip`/`addr`),
 *   `remoteNamespace`/`remoteName`/`remoteLabels`, or the older `remotePodNamespace`/
 *   `remotePodName`/`remotePodLabels`, `remoteServiceNamespace`/`remoteServiceName`/
 *   `remoteServiceLabelSelector`, `remoteOther`; or, in later releases, `dst: {addr, namespace,
 *   podname, kind: pod|svc|raw, podlabels}`.
 */
import type { Labels } from '@lateral/core';
import {
  asLabels,
  asObject,
  asString,
  BadFlowLine,
  canonicalIp,
  IGNORED,
  labelsKey,
  parseJsonLine,
  parsePort,
  parseProtocol,
  parseTime,
  peerKey,
  type FlowPeer,
  type ParsedLine,
} from './flow-record.js';

interface Remote {
  readonly kind?: string;
  readonly addr?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly labels?: Labels;
}

function remoteOf(ev: Record<string, unknown>): Remote {
  const dst = asObject(ev['dst']);
  if (dst) {
    return {
      ...opt('kind', asString(dst['kind'])),
      ...opt('addr', asString(dst['addr'])),
      ...opt('namespace', asString(dst['namespace'])),
      ...opt('name', asString(dst['podname']) ?? asString(dst['name'])),
      ...opt('labels', asLabels(dst['podlabels'])),
    };
  }
  const kind = asString(ev['remoteKind']);
  return {
    ...opt('kind', kind),
    ...opt(
      'addr',
      asString(ev['remoteAddr']) ?? asString(ev['ip']) ?? asString(ev['addr']) ?? asString(ev['remoteOther']),
    ),
    ...opt(
      'namespace',
      asString(ev['remoteNamespace']) ?? asString(ev['remotePodNamespace']) ?? asString(ev['remoteServiceNamespace']),
    ),
    ...opt('name', asString(ev['remoteName']) ?? asString(ev['remotePodName']) ?? asString(ev['remoteServiceName'])),
    ...opt(
      'labels',
      asLabels(ev['remoteLabels']) ?? asLabels(ev['remotePodLabels']) ?? asLabels(ev['remoteServiceLabelSelector']),
    ),
  };
}

function opt<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}

function remotePeer(r: Remote, hostIp: string | undefined): FlowPeer {
  const ip = r.addr === undefined ? undefined : canonicalIp(r.addr, 'remote address');
  if (r.kind === 'svc' && r.namespace && r.name) {
    return {
      key: peerKey(['svc', r.namespace, r.name, labelsKey(r.labels)]),
      namespace: r.namespace,
      service: r.name,
      ...opt('labels', r.labels),
    };
  }
  if (r.kind === 'pod' && r.namespace && r.name) {
    return {
      key: peerKey(['pod', r.namespace, r.name, ip, labelsKey(r.labels)]),
      namespace: r.namespace,
      pod: r.name,
      ...opt('ip', ip),
      ...opt('labels', r.labels),
    };
  }
  if (ip === undefined) throw new BadFlowLine('remote end has no address');
  // The pod's own node (kubelet probes, node-local agents): the event names its address.
  if (hostIp !== undefined && ip === hostIp) return { key: peerKey(['host', ip]), ip, localNode: true };
  return { key: peerKey(['ip', ip]), ip };
}

/** One Inspektor Gadget network event. Debug/ready events and host-network pods are IGNORED. */
export function parseGadgetLine(line: string): ParsedLine {
  const ev = parseJsonLine(line);
  const type = ev['type'];
  if (type !== undefined && type !== 'normal') return IGNORED;
  const k8s = asObject(ev['k8s']);
  if (k8s?.['hostNetwork'] === true) return IGNORED; // node traffic: no policy applies
  const pktType = asString(ev['pktType']);
  if (pktType === undefined) throw new BadFlowLine('not an Inspektor Gadget network event (no pktType)');
  // BROADCAST, MULTICAST, OTHERHOST: not a connection of this pod.
  if (pktType !== 'OUTGOING' && pktType !== 'HOST') return IGNORED;

  const namespace = asString(k8s?.['namespace']) ?? asString(ev['namespace']);
  const pod = asString(k8s?.['pod']) ?? asString(k8s?.['podName']) ?? asString(ev['pod']);
  if (!namespace || !pod) throw new BadFlowLine('event names no pod (namespace and pod)');
  const podIpRaw = asString(ev['podIP']);
  const podIp = podIpRaw === undefined ? undefined : canonicalIp(podIpRaw, 'podIP');
  const owner = asString(ev['podOwner']);
  const podLabels = asLabels(ev['podLabels']);
  const local: FlowPeer = {
    key: peerKey(['pod', namespace, pod, podIp, labelsKey(podLabels), owner]),
    namespace,
    pod,
    ...opt('ip', podIp),
    ...opt('workload', owner),
    ...opt('labels', podLabels),
  };
  const hostIpRaw = asString(ev['podHostIP']) ?? asString(k8s?.['hostIP']);
  const remote = remotePeer(remoteOf(ev), hostIpRaw === undefined ? undefined : canonicalIp(hostIpRaw, 'podHostIP'));
  const outgoing = pktType === 'OUTGOING';
  const time = parseTime(ev['timestamp'], 'timestamp');
  return {
    src: outgoing ? local : remote,
    dst: outgoing ? remote : local,
    port: parsePort(ev['port']),
    protocol: parseProtocol(ev['proto'], 'proto'),
    count: 1,
    ...opt('time', time),
    dropped: false,
    reply: false,
  };
}
