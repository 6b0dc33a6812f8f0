/**
 * The explanation behind one map edge or matrix cell: endpoint ids (as the reach JSON names
 * them) resolved to a representative pod or address, then core's explainConnection — the
 * same rule-by-rule answer `lateral explain` prints.
 */
import {
  explainConnection,
  formatExplanation,
  formatProtoPorts,
  InputError,
  isEmptyProtoPorts,
  isWorkloadEndpoint,
  type Endpoint,
  type Explanation,
  type Protocol,
} from '@lateral/core';
import { selectingText, unevaluatedSelecting } from '@lateral/k8s';
import type { Session } from './session.js';

export interface PairExplanation {
  readonly from: string;
  readonly to: string;
  /** Everything allowed between the two, e.g. `TCP 7070` or `nothing`. */
  readonly allowedPorts: string;
  readonly explanation: Explanation;
  /** formatExplanation's text, as the CLI prints it (the verdict qualified as below). */
  readonly text: string;
  /** Policies of kinds Lateral does not evaluate that select either end, as `lateral explain` names them. */
  readonly notEvaluated?: readonly string[];
}

/** `1 CiliumNetworkPolicy selecting shop/db was not evaluated (...)`, for each end with such policies. */
function notEvaluated(s: Session, ends: readonly number[]): string[] {
  if (s.load.unevaluated.length === 0) return [];
  const nsLabels = new Map(s.cluster.namespaces.map((n) => [n.name, n.labels]));
  return ends.flatMap((i) => {
    const e = s.index.endpoints[i]!;
    if (!isWorkloadEndpoint(e)) return [];
    const pods = s.index.endpointPods[i]!.map((p) => s.cluster.pods[p]!);
    const text = selectingText(unevaluatedSelecting(s.load.unevaluated, pods, (ns) => nsLabels.get(ns) ?? { 'kubernetes.io/metadata.name': ns }), e.id);
    return text ? [text] : [];
  });
}

export function endpointIndexOf(s: Session, id: string, what: string): number {
  const i = s.index.endpoints.findIndex((e) => e.id === id);
  if (i < 0) throw new InputError(`${what} "${id}" is not an endpoint of this cluster`);
  return i;
}

function representative(s: Session, i: number, other?: Endpoint): Endpoint {
  const e = s.index.endpoints[i]!;
  if (!isWorkloadEndpoint(e)) {
    // Every address of an external group is treated alike; its first address stands for it.
    return { kind: 'ip', ip: e.ranges[0]!.split('-')[0]! };
  }
  const pod = s.cluster.pods[s.index.endpointPods[i]![0]!]!;
  if (other && other.kind === 'pod' && other.pod === pod) {
    // A workload to itself means one replica to another, not a pod to itself.
    const second = s.index.endpointPods[i]![1];
    return { kind: 'pod', pod: second !== undefined ? s.cluster.pods[second]! : { ...pod, name: `${pod.name} (another replica)`, replicas: 1 } };
  }
  return { kind: 'pod', pod };
}

/**
 * Without a port: the first allowed port (so an edge explains why it exists), else the first
 * port whose verdict is unknown (a possible edge explains its reason), else the destination's
 * first declared port, else TCP 80 — as `lateral explain` does without --port.
 */
export function explainPair(s: Session, fromId: string, toId: string, port?: number, protocol?: Protocol): PairExplanation {
  const a = endpointIndexOf(s, fromId, 'from');
  const b = endpointIndexOf(s, toId, 'to');
  const ports = s.compiled.reach().ports(s.index.endpointNode[a]!, s.index.endpointNode[b]!);
  if (port === undefined) {
    const possible = s.compiled.possible?.().ports(s.index.endpointNode[a]!, s.index.endpointNode[b]!);
    const firstProto = (['TCP', 'UDP', 'SCTP'] as const).find((p) => ports[p].length > 0);
    const firstPossible = possible && (['TCP', 'UDP', 'SCTP'] as const).find((p) => possible[p].length > 0);
    const dst = s.index.endpoints[b]!;
    const declared = isWorkloadEndpoint(dst) ? s.cluster.pods[s.index.endpointPods[b]![0]!]!.ports[0] : undefined;
    if (firstProto) {
      protocol = firstProto;
      port = ports[firstProto][0]![0];
    } else if (possible && firstPossible) {
      protocol = firstPossible;
      port = possible[firstPossible][0]![0];
    } else {
      protocol = declared?.protocol ?? 'TCP';
      port = declared?.containerPort ?? 80;
    }
  }
  const src = representative(s, a);
  const dst = representative(s, b, src);
  const explanation = explainConnection(s.cluster, src, dst, port, protocol ?? 'TCP', s.options);
  const qualification = notEvaluated(s, [a, b]);
  const [verdict, ...rest] = formatExplanation(explanation).split('\n');
  return {
    from: fromId,
    to: toId,
    allowedPorts: isEmptyProtoPorts(ports) ? 'nothing' : formatProtoPorts(ports),
    explanation,
    text: [qualification.length ? `${verdict}; ${qualification.join('; ')}` : verdict, ...rest].join('\n'),
    ...(qualification.length ? { notEvaluated: qualification } : {}),
  };
}
