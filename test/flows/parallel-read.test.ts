/**
 * The parallel reader (worker threads) gives the FlowSet the sequential reader gives: the same
 * edges, counts, times, representatives (first pod named per workload), bad lines with their
 * numbers, unresolved and ignored counts, whatever the chunking.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Cluster } from '@lateral/core';
import { ConnectionResolver, EdgeFolder, readFileInParallel, readFlows, type BadLine, type FlowFormat } from '@lateral/flows';
import { loadCluster } from '@lateral/k8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

async function parallel(file: string, cluster: Cluster, chunkBytes: number, format?: FlowFormat) {
  const folder = new EdgeFolder(new ConnectionResolver(cluster));
  const badLines: BadLine[] = [];
  const r = await readFileInParallel(file, format, 2, folder, badLines, { maxBadLines: 10, detectLines: 10, chunkBytes });
  expect(r, 'the workers started and read the file').toBeDefined();
  return folder.result(badLines, r!.bad);
}

describe('readFileInParallel', () => {
  let shop: Cluster;
  let tenants: Cluster;
  let dir: string;
  beforeAll(async () => {
    shop = (await loadCluster([fixture('shop')])).cluster;
    tenants = (await loadCluster([fixture('multi-tenant')])).cluster;
    dir = await mkdtemp(join(tmpdir(), 'lateral-parallel-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [cluster, capture] of [
    ['shop', 'shop/flows/hubble.jsonl'],
    ['shop', 'shop/flows/gadget.jsonl'],
    ['shop', 'shop/flows/flows.csv'],
    ['multi-tenant', 'multi-tenant/flows/hubble.jsonl'],
    ['multi-tenant', 'multi-tenant/flows/flows.csv'],
  ] as const) {
    it(`reads ${capture} as the sequential reader does, in chunks of a few lines and in one`, async () => {
      const c = cluster === 'shop' ? shop : tenants;
      const file = fixture(capture);
      const sequential = await readFlows([file], c, { workers: 0 });
      expect(sequential.edges.length).toBeGreaterThan(5);
      expect(await parallel(file, c, 2048)).toEqual(sequential);
      expect(await parallel(file, c, 1 << 22)).toEqual(sequential);
    });
  }

  it('numbers bad lines across chunks, keeps CRLF, blank lines and a last line without newline, reads gzip', async () => {
    const good = (await import('node:fs')).readFileSync(fixture('shop/flows/hubble.jsonl'), 'utf8').trim().split('\n');
    const lines = good.flatMap((l, i) => (i % 37 === 5 ? [l, '{"flow": not json', ''] : i % 53 === 7 ? [l, 'garbage'] : [l]));
    const text = lines.join('\r\n');
    const file = join(dir, 'mixed.jsonl');
    await writeFile(file, text);
    const sequential = await readFlows([file], shop, { workers: 0 });
    expect(sequential.badLineCount).toBeGreaterThan(10);
    const p = await parallel(file, shop, 3000);
    expect(p).toEqual(sequential);
    expect(p.badLines[0]!.line).toBe(sequential.badLines[0]!.line);

    const gz = join(dir, 'mixed.jsonl.gz');
    await writeFile(gz, gzipSync(text));
    const gzSequential = await readFlows([gz], shop, { workers: 0 });
    expect(gzSequential.edges).toEqual(sequential.edges);
    expect(await parallel(gz, shop, 5000)).toEqual(gzSequential);
  });

  it('drops a byte-order mark and reads lines longer than a chunk', async () => {
    const text = (await import('node:fs')).readFileSync(fixture('shop/flows/hubble.jsonl'));
    const file = join(dir, 'bom.jsonl');
    await writeFile(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]));
    const sequential = await readFlows([file], shop, { workers: 0 });
    expect(sequential.edges).toEqual((await readFlows([fixture('shop/flows/hubble.jsonl')], shop, { workers: 0 })).edges);
    expect(await parallel(file, shop, 256)).toEqual(sequential);
  });

  it('reads text that is not ASCII as UTF-8, also when the chunks before it are ASCII', async () => {
    // Workers read an all-ASCII chunk as Latin-1 (the same text, faster): a chunk with UTF-8 in
    // it must still decode as UTF-8, as the bad-line messages that quote it show.
    const good = (await import('node:fs')).readFileSync(fixture('shop/flows/hubble.jsonl'), 'utf8').trim().split('\n');
    const at = good.findIndex((l) => l.startsWith('{"flow":{"time":"20'));
    const lines = good.map((l, i) => (i === at ? l.replace(/"time":"[^"]*"/g, '"time":"jetzt, über 💥"') : l));
    const file = join(dir, 'unicode.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const sequential = await readFlows([file], shop, { workers: 0 });
    expect(sequential.badLines.map((b) => b.message)).toContain('time "jetzt, über 💥" is not ISO 8601 or epoch seconds');
    expect(await parallel(file, shop, 2048)).toEqual(sequential);
  });

  it('keeps the first spelling in the file of a pod (its labels, its address), whichever worker met it first', async () => {
    // Corrupted input can be valid JSON naming the same pod with other labels. The sequential
    // reader keeps the labels of the first line in the file that names the pod, also when that
    // line is bad for another reason (its port): each worker sees only its own chunks.
    const line = (await import('node:fs')).readFileSync(fixture('shop/flows/hubble.jsonl'), 'utf8').split('\n')[0]!;
    expect(line).toContain('"pod_name":"prometheus-0"');
    const respelled = line.replace('"k8s:app.kubernetes.io/instance=k8s"', '"k8s:app.kubernetes.io/instance=k8s-respelled"');
    const port = (l: string, p: string) => l.replace('"destination_port":9090', `"destination_port":${p}`);
    for (const [name, lines, connections] of [
      ['a good line first', [line, port(respelled, '9091'), port(line, '9092')], 3],
      ['a bad line first', [port(line, '70000'), port(respelled, '9091'), port(line, '9092')], 2],
      ['another address', [line, port(line.replace('"source":"10.244.3.60"', '"source":"10.244.3.61"'), '9091'), port(line, '9092')], 3],
    ] as const) {
      const file = join(dir, 'respelled.jsonl');
      await writeFile(file, `${lines.join('\n')}\n`);
      const sequential = await readFlows([file], shop, { workers: 0 });
      const labels = (sequential.connections ?? []).map((c) => c.src.labels?.['app.kubernetes.io/instance']);
      expect(labels, name).toEqual(Array(connections).fill('k8s'));
      expect(new Set((sequential.connections ?? []).map((c) => c.src.ip)), name).toEqual(new Set(['10.244.3.60']));
      expect(await parallel(file, shop, 2048), name).toEqual(sequential);
    }
  });

  it('through readFlows: the same FlowSet with workers, and the same errors for a file where no line parses', async () => {
    const file = fixture('shop/flows/hubble.jsonl');
    expect(await readFlows([file, fixture('shop/flows/flows.csv')], shop, { workers: 2 })).toEqual(
      await readFlows([file, fixture('shop/flows/flows.csv')], shop, { workers: 0 }),
    );
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, 'not json\n{"flow":{"IP":{}}}\n');
    await expect(readFlows([bad], shop, { workers: 2 })).rejects.toThrow(/no line is a hubble flow record \(line 1: not JSON/);
  });
});
