/**
 * `--cluster` and `lateral snapshot` end to end: the CLI reads the test API server
 * (test/kube-api) over HTTP through a kubeconfig file, and must say what it says about the
 * same objects given as files.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../kube-api/kube-api-server.js';
import { writeKubeconfig } from '../kube-api/kubeconfig.js';
import { fixtureObjects } from '../kube-api/fixture-objects.js';
import { lateral } from './run-cli.js';

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(fixture: string, opts: { maxPageSize?: number } = {}): Promise<string> {
  // With the network-policy-api CRDs installed: multi-tenant's guardrails are ClusterNetworkPolicies.
  server = await startKubeApiServer({ objects: await fixtureObjects(fixture), crds: true, ...opts });
  return writeKubeconfig(server, { context: 'kind-lateral' });
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'lateral-live-'));

describe('--cluster', () => {
  it('reach on the cluster prints what reach on the fixture files prints', async () => {
    for (const fixture of ['shop', 'multi-tenant']) {
      const kubeconfig = await serve(fixture, { maxPageSize: 5 });
      for (const format of ['txt', 'json']) {
        const files = await lateral(['reach', `fixtures/${fixture}`, '--format', format]);
        const live = await lateral(['reach', '--cluster', '--kubeconfig', kubeconfig, '--format', format]);
        expect(live.code).toBe(0);
        expect(live.stdout).toBe(files.stdout);
        expect(live.stdout.length).toBeGreaterThan(100);
      }
      await server!.close();
      server = undefined;
    }
  });

  it('every input-taking command gets it: check and explain answer as on the files', async () => {
    const kubeconfig = await serve('shop');
    const q = ['--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432'];
    for (const cmd of ['check', 'explain']) {
      const files = await lateral([cmd, 'fixtures/shop', ...q]);
      const live = await lateral([cmd, '--cluster', '--kubeconfig', kubeconfig, ...q]);
      expect(live.code).toBe(files.code);
      expect(live.stdout).toBe(files.stdout);
      expect(live.stdout).toMatch(/postgres/);
    }
  });

  it('finds the kubeconfig through KUBECONFIG and picks --context', async () => {
    const kubeconfig = await serve('shop');
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = `/nonexistent/config:${kubeconfig}`; // missing files are skipped, as kubectl does
    try {
      const r = await lateral(['reach', '--cluster', '--context', 'kind-lateral', '--from', 'shop/frontend']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('shop/frontend => shop/cart : TCP 7070');
      const other = await lateral(['reach', '--cluster', '--context', 'unreachable']);
      expect(other.code).toBe(2);
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('a 403 on network policies is a warning, and the analysis goes on without them', async () => {
    const kubeconfig = await serve('shop');
    server!.forbid('networkpolicies');
    const r = await lateral(['reach', '--cluster', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'lateral: warning: cannot list networkpolicies (forbidden: grant list on networkpolicies.networking.k8s.io): the analysis assumes no policies in any namespace',
    );
    // Without policies the storefront reaches the database.
    expect(r.stdout).toContain('shop/frontend => shop/postgres : All');
  });

  it('never requests secrets', async () => {
    const kubeconfig = await serve('multi-tenant');
    await lateral(['reach', '--cluster', '--kubeconfig', kubeconfig]);
    await lateral(['snapshot', '--cluster', '--kubeconfig', kubeconfig]);
    expect(server!.requests.length).toBeGreaterThan(20);
    expect(server!.requests.filter((r) => r.includes('secrets'))).toEqual([]);
  });

  it('bad kubeconfig, unknown context, unreachable server, wrong token: one line, exit 2', async () => {
    const kubeconfig = await serve('shop');
    const notYaml = join(tempDir(), 'config');
    writeFileSync(notYaml, 'clusters: [unclosed\n');
    const wrongToken = writeKubeconfig(server!, { token: 'expired' });
    const cases: [string[], RegExp][] = [
      [['--kubeconfig', notYaml], /^lateral: .*config: not a valid kubeconfig: /],
      [['--kubeconfig', '/nonexistent/kube.yaml'], /^lateral: \/nonexistent\/kube\.yaml: no such kubeconfig file$/],
      [['--kubeconfig', kubeconfig, '--context', 'prod'], /^lateral: .*: no context "prod" in the kubeconfig \(contexts: kind-lateral, unreachable\)$/],
      [['--kubeconfig', kubeconfig, '--context', 'unreachable'], /^lateral: cannot reach the API server at http:\/\/127\.0\.0\.1:1 \(context "unreachable"\): .*ECONNREFUSED/],
      [['--kubeconfig', wrongToken], /^lateral: the API server at http:\/\/127\.0\.0\.1:\d+ rejected the credentials of context "test-cluster" \(401 Unauthorized\)$/],
    ];
    for (const [args, pattern] of cases) {
      for (const cmd of [['reach', '--cluster'], ['snapshot']]) {
        const r = await lateral([...cmd, ...args]);
        expect(r.code, `${cmd.join(' ')} ${args.join(' ')}`).toBe(2);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(pattern);
      }
    }
  });

  it('usage errors: --context without --cluster, --cluster with INPUTS', async () => {
    const a = await lateral(['reach', 'fixtures/shop', '--context', 'x']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain('--context goes with --cluster');
    const b = await lateral(['reach', '--cluster', 'fixtures/shop']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain('--cluster reads the cluster instead of INPUTS');
  });
});

describe('lateral snapshot', () => {
  it('round trip: reach on the snapshot equals reach on the fixture files', async () => {
    const kubeconfig = await serve('shop', { maxPageSize: 4 });
    const dir = tempDir();
    const s = await lateral(['snapshot', '--cluster', '--kubeconfig', kubeconfig, '--out', 'snap.yaml'], { cwd: dir });
    expect(s.code).toBe(0);
    expect(s.stdout).toBe('');
    expect(s.stderr).toMatch(/^lateral: saved \d+ objects from <cluster kind-lateral> to snap\.yaml\n$/);
    const text = readFileSync(join(dir, 'snap.yaml'), 'utf8');
    expect(text).toMatch(/^apiVersion: v1\nkind: List\n/);
    const files = await lateral(['reach', 'fixtures/shop', '--format', 'json']);
    const fromSnapshot = await lateral(['reach', join(dir, 'snap.yaml'), '--format', 'json']);
    expect(fromSnapshot.code).toBe(0);
    expect(fromSnapshot.stdout).toBe(files.stdout);
    expect(fromSnapshot.stderr).toBe(files.stderr); // the Ingress is kept, and counted as skipped
  });

  it('-o json to stdout reads back from stdin', async () => {
    const kubeconfig = await serve('multi-tenant');
    const s = await lateral(['snapshot', '--kubeconfig', kubeconfig, '-o', 'json']);
    expect(s.code).toBe(0);
    expect((JSON.parse(s.stdout) as { kind: string }).kind).toBe('List');
    const files = await lateral(['reach', 'fixtures/multi-tenant']);
    const fromSnapshot = await lateral(['reach', '-'], { stdin: s.stdout });
    expect(fromSnapshot.stdout).toBe(files.stdout);
  });

  it('takes no INPUTS', async () => {
    const r = await lateral(['snapshot', 'fixtures/shop']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('snapshot reads a live cluster and takes no INPUTS');
  });
});
