/**
 * Two compiles of one cluster answer alike pod by pod: the same pod classes, the same ports for
 * every ordered pod pair, and (for `ips`) the same ports between each address and each pod.
 * Returns the first difference, or undefined.
 */
import { formatProtoPorts, protoPortsEqual, type Cluster, type CompiledCluster } from '@lateral/core';

export function samePodAnswers(cluster: Cluster, a: CompiledCluster, b: CompiledCluster, ips: readonly string[]): string | undefined {
  if (a.classCount !== b.classCount || a.podClass.join() !== b.podClass.join()) return `classes differ: ${a.podClass.join()} vs ${b.podClass.join()}`;
  const ra = a.reach();
  const rb = b.reach();
  const n = cluster.pods.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const pa = ra.ports(a.podClass[i]!, a.podClass[j]!);
      const pb = rb.ports(b.podClass[i]!, b.podClass[j]!);
      if (!protoPortsEqual(pa, pb)) return `${cluster.pods[i]!.name} -> ${cluster.pods[j]!.name}: ${formatProtoPorts(pa)} vs ${formatProtoPorts(pb)}`;
    }
    for (const ip of ips) {
      const ea = a.nodeOf({ kind: 'ip', ip });
      const eb = b.nodeOf({ kind: 'ip', ip });
      if (!protoPortsEqual(ra.ports(ea, a.podClass[i]!), rb.ports(eb, b.podClass[i]!))) return `${ip} -> ${cluster.pods[i]!.name}`;
      if (!protoPortsEqual(ra.ports(a.podClass[i]!, ea), rb.ports(b.podClass[i]!, eb))) return `${cluster.pods[i]!.name} -> ${ip}`;
    }
  }
  return undefined;
}
