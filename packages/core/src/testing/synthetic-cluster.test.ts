import { describe, expect, it } from 'vitest';
import { compile } from '../engine/compile.js';
import type { Endpoint, Protocol } from '../model/model.js';
import { formatProtoPorts, rangesContain, type ProtoPorts } from '../semantics/port-set.js';
import { syntheticCluster } from './synthetic-cluster.js';

describe('a generated 5,000-pod cluster', () => {
  const cluster = syntheticCluster({ pods: 5000, namespaces: 100, policies: 500, seed: 3 });
  const compiled = compile(cluster);
  const reach = compiled.reach();

  it('is the size asked for and collapses replicas into classes', () => {
    expect(cluster.pods).toHaveLength(5000);
    expect(cluster.policies).toHaveLength(500);
    // Replicas differ only in labels no policy reads (pod-template-hash, pod-name).
    expect(compiled.classCount).toBeLessThan(cluster.pods.length / 4);
    expect(compiled.classPods.flat()).toHaveLength(cluster.pods.length);
  });

  it('forEachAllowed, ports() and allowed() tell the same story', () => {
    const all = new Map<number, ProtoPorts>();
    reach.forEachAllowed((s, d, ports) => {
      all.set(s * reach.nodeCount + d, ports);
    });
    expect(all.size).toBeGreaterThan(1000);

    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const probes: [number, Protocol][] = [
      [53, 'UDP'], [53, 'TCP'], [443, 'TCP'], [5432, 'TCP'], [6380, 'TCP'], [8080, 'TCP'], [9000, 'TCP'], [9090, 'TCP'],
    ];
    let allowedSeen = 0;
    for (let k = 0; k < 3000; k++) {
      const i = next(cluster.pods.length);
      const j = next(cluster.pods.length);
      if (i === j) continue;
      const s = compiled.podClass[i]!;
      const d = compiled.podClass[j]!;
      const ports = reach.ports(s, d);
      expect(formatProtoPorts(ports)).toBe(formatProtoPorts(all.get(s * reach.nodeCount + d) ?? { TCP: [], UDP: [], SCTP: [] }));
      for (const [port, protocol] of probes) {
        const a: Endpoint = { kind: 'pod', pod: cluster.pods[i]! };
        const b: Endpoint = { kind: 'pod', pod: cluster.pods[j]! };
        const viaAllowed = compiled.allowed(a, b, port, protocol);
        expect(viaAllowed).toBe(rangesContain(ports[protocol], port));
        if (viaAllowed) allowedSeen++;
      }
    }
    expect(allowedSeen).toBeGreaterThan(0);
  });

  it('lets every pod resolve DNS, and keeps the internet out of default-deny namespaces', () => {
    const dnsIndex = cluster.pods.findIndex((p) => p.labels['k8s-app'] === 'kube-dns');
    const dns = compiled.podClass[dnsIndex]!;
    const internet = compiled.nodeOf({ kind: 'ip', ip: '8.8.8.8' });
    const denied = new Set(cluster.policies.filter((p) => p.name === 'default-deny-ingress').map((p) => p.namespace));
    expect(denied.size).toBeGreaterThan(10);
    for (let c = 0; c < compiled.classCount; c++) {
      expect(rangesContain(reach.ports(c, dns).UDP, 53)).toBe(true);
      const ns = cluster.pods[compiled.classPods[c]![0]!]!.namespace;
      if (denied.has(ns)) expect(formatProtoPorts(reach.ports(internet, c))).toBe('');
    }
  });
});
