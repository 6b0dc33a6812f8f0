/**
 * Policies of kinds Lateral does not evaluate (Antrea, OVN, ...) are never skipped
 * quietly: every answer they could change says so, in each format, and a what-if whose change
 * is only such policies has no answer (exit 2, or 1 under --fail-on unknown), never "no changes".
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lateral, REPO } from './run-cli.js';

const DIR = join(REPO, 'test/cli/unevaluated');
const CLUSTER = join(DIR, 'cluster.yaml');
const TANZU = join(DIR, 'tanzu.yaml');
const ANTREA = join(DIR, 'antrea.yaml');
const WARNING = 'not evaluated: 1 ClusterNetworkPolicy (security.antrea.tanzu.vmware.com), 1 NetworkPolicy (security.antrea.tanzu.vmware.com)';

describe('answers from inputs holding unevaluated policies', () => {
  it('reach: text ends with a warning naming kinds and counts; JSON and Markdown carry it; CSV leaves it on stderr', async () => {
    const txt = await lateral(['reach', CLUSTER, TANZU]);
    expect(txt.code).toBe(0);
    const last = txt.stdout.trimEnd().split('\n').pop()!;
    expect(last).toMatch(/^warning: not evaluated: 1 ClusterNetworkPolicy \(security\.antrea\.tanzu\.vmware\.com\), 1 NetworkPolicy \(security\.antrea\.tanzu\.vmware\.com\) — /);
    const json = await lateral(['reach', CLUSTER, TANZU, '--format', 'json']);
    expect(JSON.parse(json.stdout).warnings[0]).toContain(WARNING);
    const md = await lateral(['reach', CLUSTER, TANZU, '--format', 'md']);
    expect(md.stdout).toContain(`> **Warning:** ${WARNING}`);
    const csv = await lateral(['reach', CLUSTER, TANZU, '--format', 'csv']);
    expect(csv.stdout).not.toContain('warning');
    expect(csv.stderr).toContain(`lateral: warning: ${WARNING}`);
  });

  it('names Antrea policies by group and keeps them apart from the networking.k8s.io kinds of the same name', async () => {
    const r = await lateral(['reach', CLUSTER, ANTREA, '--format', 'json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.warnings[0]).toContain('not evaluated: 1 ClusterNetworkPolicy (crd.antrea.io)');
    // The Kubernetes policy shop/db still isolates db: only web may reach it, on 5432.
    const intoDb = body.connections.filter((c: { to: string }) => c.to === 'shop/db');
    expect(intoDb.map((c: { from: string }) => c.from)).toEqual(['shop/web']);
  });

  it('quiet kinds (ConfigMap) stay in the skipped count, with no warning in the answer', async () => {
    const r = await lateral(['reach', CLUSTER, '--format', 'json']);
    expect(JSON.parse(r.stdout).warnings).toEqual([]);
    expect(r.stderr).toContain('skipped 1 object of unsupported kinds: ConfigMap 1');
  });

  it('explain qualifies the verdict for pods the objects select, and only for those', async () => {
    const r = await lateral(['explain', CLUSTER, TANZU, '--from', 'shop/web', '--to', 'shop/db', '--port', '5432']);
    expect(r.code).toBe(0);
    const verdict = r.stdout.split('\n')[0]!;
    expect(verdict).toContain('ALLOWED; 1 ClusterNetworkPolicy (security.antrea.tanzu.vmware.com) selecting shop/web was not evaluated (web-egress)');
    expect(verdict).toContain('1 NetworkPolicy (security.antrea.tanzu.vmware.com) selecting shop/db was not evaluated (shop/db-lockdown)');
    // The Antrea policy applies to namespaces labelled team=other: not to shop's pods.
    const other = await lateral(['explain', CLUSTER, ANTREA, '--from', 'shop/web', '--to', 'shop/db', '--port', '5432']);
    expect(other.stdout.split('\n')[0]).toBe('shop/web -> shop/db TCP 5432: ALLOWED');
    expect(other.stdout).toContain('warning: not evaluated: 1 ClusterNetworkPolicy (crd.antrea.io)');
  });

  it('check marks each affected answer and warns on stderr', async () => {
    const r = await lateral(['check', CLUSTER, TANZU, '--queries', '-'], { stdin: '{"from":"shop/web","to":"shop/db","port":5432}\n' });
    const answer = JSON.parse(r.stdout.trim());
    expect(answer.allowed).toBe(true);
    expect(answer.notEvaluated).toHaveLength(2);
    expect(r.stderr).toContain(WARNING);
  });

  it.each([
    ['blast', ['--from', 'shop/web']],
    ['paths', ['--from', 'shop/web', '--to', 'shop/db']],
    ['risk', ['--target', 'shop/db']],
  ])('%s carries the warning in JSON and text', async (cmd, args) => {
    const json = await lateral([cmd, CLUSTER, TANZU, ...args, '--format', 'json']);
    expect(json.code).toBeLessThanOrEqual(1);
    expect(JSON.parse(json.stdout).warnings[0]).toContain(WARNING);
    const txt = await lateral([cmd, CLUSTER, TANZU, ...args]);
    expect(txt.stdout.trimEnd().split('\n').pop()).toContain(`warning: ${WARNING}`);
  });
});

describe('what-if of unevaluated policies', () => {
  it('whatif --apply of only such objects exits 2: the effect is unknown, not "no changes"', async () => {
    const r = await lateral(['whatif', CLUSTER, '--apply', TANZU]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("cannot evaluate kind ClusterNetworkPolicy (security.antrea.tanzu.vmware.com), NetworkPolicy (security.antrea.tanzu.vmware.com): the change's effect is unknown");
    // Cluster-scoped objects are named without a namespace.
    expect(r.stderr).toContain('ClusterNetworkPolicy (security.antrea.tanzu.vmware.com) web-egress');
    expect(r.stderr).not.toContain('default/web-egress');
  });

  it('--fail-on unknown reports it and exits 1', async () => {
    const r = await lateral(['whatif', CLUSTER, '--apply', TANZU, '--fail-on', 'unknown', '--format', 'json']);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.failed).toEqual(['unknown']);
    expect(body.warnings[0]).toContain("the change's effect is unknown");
    expect(body.change).toContain('apply ClusterNetworkPolicy/web-egress');
  });

  it('a change of evaluated policies alongside says what it cannot cover', async () => {
    const r = await lateral(['whatif', CLUSTER, '--delete', 'networkpolicy/shop/db', '--apply', TANZU]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ALLOWED');
    expect(r.stdout).toContain('warning: cannot evaluate kind ClusterNetworkPolicy (security.antrea.tanzu.vmware.com), NetworkPolicy (security.antrea.tanzu.vmware.com): the effect of the change to');
  });

  it('diff whose sides differ only in such objects exits 2', async () => {
    const r = await lateral(['diff', CLUSTER, '--after', CLUSTER, ANTREA]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot evaluate kind ClusterNetworkPolicy (crd.antrea.io): the change's effect is unknown (ClusterNetworkPolicy (crd.antrea.io) isolate-other)");
    const same = await lateral(['diff', CLUSTER, ANTREA, '--after', CLUSTER, ANTREA]);
    expect(same.code).toBe(0);
  });
});
