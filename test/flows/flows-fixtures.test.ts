/**
 * The traffic captures in fixtures/<cluster>/flows read against their clusters: every reader
 * on a realistic capture, resolution of template-only workloads by labels, and the holes the
 * captures were written to show (fixtures/README.md).
 */
import { fileURLToPath } from 'node:url';
import type { Cluster } from '@lateral/core';
import { readFlows, type FlowEndpoint, type FlowSet } from '@lateral/flows';
import { loadCluster } from '@lateral/k8s';
import { beforeAll, describe, expect, it } from 'vitest';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));
const id = (e: FlowEndpoint) => (e.kind === 'pod' ? e.workload : e.ip);
const edges = (s: FlowSet) => s.edges.map((e) => `${id(e.src)} -> ${id(e.dst)} ${e.protocol}/${e.port}`);

describe('fixtures/shop/flows', () => {
  let shop: Cluster;
  beforeAll(async () => {
    shop = (await loadCluster([fixture('shop')])).cluster;
  });

  it('hubble.jsonl: the shop call graph, replies folded, template pods placed by labels', async () => {
    const s = await readFlows([fixture('shop/flows/hubble.jsonl')], shop);
    const e = edges(s);
    for (const want of [
      'shop/frontend -> shop/cart TCP/7070',
      'shop/frontend -> shop/catalog TCP/3550',
      'shop/frontend -> shop/checkout TCP/5050',
      'shop/checkout -> shop/payment TCP/50051',
      'shop/checkout -> shop/email TCP/5000',
      'shop/payment -> 203.0.113.10 TCP/443',
      'shop/email -> 198.51.100.25 TCP/587',
      'shop/cart -> shop/redis-cart TCP/6379',
      'shop/catalog -> shop/postgres TCP/5432',
      'shop/frontend -> kube-system/coredns UDP/53',
      'monitoring/prometheus -> shop/postgres TCP/9187',
      'ingress-nginx/ingress-nginx-controller -> shop/frontend TCP/8080',
    ]) {
      expect(e).toContain(want);
    }
    // Kubelet probes from the frontend pod's own node: always allowed, kept apart from the edges.
    expect(e.some((x) => x.startsWith('192.168.10.11 '))).toBe(false);
    expect(s.nodeLocal?.map((n) => `${n.address} -> ${n.pod} ${n.protocol}/${n.port}`)).toContain('192.168.10.11 -> shop/frontend TCP/8080');
    // Every shop workload looks up names.
    for (const w of ['frontend', 'cart', 'checkout', 'payment', 'catalog', 'recommendation', 'email', 'currency', 'shipping', 'redis-cart', 'postgres']) {
      expect(e).toContain(`shop/${w} -> kube-system/coredns UDP/53`);
    }
    // Replies are folded: no edge leaves a server toward its client's ephemeral port.
    expect(e.some((x) => x.startsWith('shop/cart -> shop/frontend') || x.includes('kube-system/coredns -> '))).toBe(false);
    expect(s.edges.every((x) => x.port < 32768 || x.port === 50051)).toBe(true);
    const dropped = s.edges.filter((x) => x.dropped > 0).map((x) => `${id(x.src)} -> ${id(x.dst)} ${x.protocol}/${x.port}`);
    expect(dropped).toEqual(['shop/currency -> 198.51.100.80 TCP/443', 'shop/frontend -> shop/postgres TCP/5432']);
    expect(s.badLines.map((b) => b.line)).toEqual([180, 264, 282]);
    expect(s.unresolved).toEqual([{ reason: 'pod shop/netshoot-debug not in the cluster', count: 7 }]);
    expect(s.ignored).toBe(2); // an ICMP echo and a lost-events notice
    const nodeLocalRecords = (s.nodeLocal ?? []).reduce((n, x) => n + x.count, 0);
    expect(s.folded).toBe(s.records - s.edges.length - 7 - nodeLocalRecords);
  });

  it('gadget.jsonl: the same calls seen by Inspektor Gadget, services resolved through their selectors', async () => {
    const s = await readFlows([fixture('shop/flows/gadget.jsonl')], shop);
    const e = edges(s);
    for (const want of [
      'shop/frontend -> shop/cart TCP/7070',
      'shop/checkout -> shop/payment TCP/50051',
      'shop/payment -> 203.0.113.10 TCP/443',
      'shop/catalog -> shop/postgres TCP/5432',
      'shop/cart -> kube-system/coredns UDP/53',
      'monitoring/prometheus -> shop/redis-cart TCP/9121',
    ]) {
      expect(e).toContain(want);
    }
    expect(s).toMatchObject({ badLineCount: 0, unresolved: [] });
  });

  it('flows.csv: pre-aggregated rows with counts; a pod name and its workload fold together', async () => {
    const s = await readFlows([fixture('shop/flows/flows.csv')], shop);
    const dns = s.edges.find((x) => id(x.src) === 'shop/frontend' && id(x.dst) === 'kube-system/coredns')!;
    expect(dns.count).toBe(6120 + 11873);
    expect(s).toMatchObject({ records: 29, folded: 1, badLineCount: 0, unresolved: [] });
  });

  it('the three captures agree on the calls inside the shop that went through', async () => {
    const inside = (s: FlowSet) =>
      s.edges
        .filter((x) => x.dropped === 0 && id(x.src).startsWith('shop/') && id(x.dst).startsWith('shop/'))
        .map((x) => `${id(x.src)} -> ${id(x.dst)} ${x.protocol}/${x.port}`)
        .sort();
    const [h, g, c] = await Promise.all(
      ['hubble.jsonl', 'gadget.jsonl', 'flows.csv'].map((f) => readFlows([fixture(`shop/flows/${f}`)], shop)),
    );
    expect(inside(h!)).toHaveLength(15);
    expect(inside(g!)).toEqual(inside(h!));
    expect(inside(c!)).toEqual(inside(h!));
  });
});

describe('fixtures/multi-tenant/flows', () => {
  let mt: Cluster;
  beforeAll(async () => {
    mt = (await loadCluster([fixture('multi-tenant')])).cluster;
  });

  it('hubble.jsonl shows the tenant-isolation holes in use', async () => {
    const s = await readFlows([fixture('multi-tenant/flows/hubble.jsonl')], mt);
    const e = edges(s);
    expect(e).toContain('team-b/invoice-worker -> team-c/legacy-admin TCP/8000'); // hole 1
    expect(e).toContain('team-c/gateway -> team-b/billing-api TCP/8443'); // hole 2
    expect(e).toContain('team-a/orders-worker -> 169.254.169.254 TCP/80'); // hole 3
    expect(e).toContain('monitoring/prometheus -> monitoring/fluent-bit TCP/2020');
    expect(e).toContain('198.51.100.200 -> team-c/legacy-admin TCP/8000'); // hole 5
    const drop = s.edges.find((x) => x.dropped > 0)!;
    expect(`${id(drop.src)} -> ${id(drop.dst)}`).toBe('team-a/orders-worker -> team-c/legacy-admin');
    expect(s.badLines.map((b) => b.line)).toEqual([50]);
    expect(s.unresolved).toEqual([]);
  });

  it('gadget.jsonl: Inspektor Gadget saw the same connections as Hubble, minus the drops it cannot see', async () => {
    const [h, g] = await Promise.all(['hubble.jsonl', 'gadget.jsonl'].map((f) => readFlows([fixture(`multi-tenant/flows/${f}`)], mt)));
    const connections = (s: FlowSet) => [...new Set(edges(s))].sort();
    expect(connections(g!)).toEqual(connections(h!));
    expect(g!.edges.every((x) => x.dropped === 0)).toBe(true);
    // The capture was cut off mid-line once: counted with its line number, the rest still read.
    expect(g!.badLineCount).toBe(1);
    expect(g!.unresolved).toEqual([]);
  });

  it('flows.csv: epoch-second times, and a namespace the cluster does not have is reported', async () => {
    const s = await readFlows([fixture('multi-tenant/flows/flows.csv')], mt);
    expect(s.unresolved).toEqual([{ reason: 'team-d/reporting matches no pod or workload in the cluster', count: 311 }]);
    const metadata = s.edges.find((x) => id(x.dst) === '169.254.169.254')!;
    expect(metadata).toMatchObject({ count: 1440, firstSeen: '2025-05-06T00:00:00.000Z', lastSeen: '2025-05-06T23:59:00.000Z' });
  });
});
