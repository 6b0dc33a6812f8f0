import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lateral } from './run-cli.js';

/** The multi-tenant platform, with its cluster-wide guardrails (platform/guardrails.yaml). */
const GUARDED = ['fixtures/multi-tenant'];
const GUARDRAILS = 'fixtures/multi-tenant/platform/guardrails.yaml';
/** The same platform without the guardrails: the tenants' NetworkPolicies alone. */
const PLATFORM = ['ci', 'ingress-nginx', 'kube-apiserver', 'kube-system', 'monitoring', 'rbac', 'shared-db'];
const UNGUARDED = ['fixtures/multi-tenant/namespaces.yaml', 'fixtures/multi-tenant/teams', ...PLATFORM.map((f) => `fixtures/multi-tenant/platform/${f}.yaml`)];

describe('cluster-wide tiers on the multi-tenant fixture', () => {
  it('the Admin guardrail closes the cross-tenant holes that NetworkPolicy leaves open', async () => {
    const before = await lateral(['reach', ...UNGUARDED]);
    const after = await lateral(['reach', ...GUARDED]);
    expect(after.code).toBe(0);
    // Hole 1 (team-c has no default deny) and hole 2 (namespaceSelector: {} into billing-api).
    expect(before.stdout).toMatch(/^team-b\/invoice-worker => team-c\/legacy-admin : /m);
    expect(before.stdout).toMatch(/^team-c\/gateway => team-b\/billing-api : /m);
    const lines = after.stdout.trim().split('\n');
    const tenant = (s: string) => /^team-[abc]\//.exec(s)?.[0];
    const cross = lines.filter((l) => {
      const [from, rest] = l.split(' => ');
      const to = rest?.split(' : ')[0] ?? '';
      return tenant(from!) && tenant(to) && tenant(from!) !== tenant(to);
    });
    expect(cross).toEqual([]);
    // Monitoring is always let in, even where the tenant's NetworkPolicies say no.
    expect(lines.some((l) => l.startsWith('monitoring/prometheus => team-a/orders-worker'))).toBe(true);
    // The tiers are read, not skipped.
    expect(after.stderr).not.toMatch(/ClusterNetworkPolicy|BaselineAdminNetworkPolicy/);
  });

  it('check answers with a verdict and the reason across tiers', async () => {
    const queries = [
      { from: 'team-c/gateway', to: 'team-b/billing-api', port: 8443 },
      { from: 'ingress-nginx/ingress-nginx-controller', to: 'team-c/gateway', port: 8080 },
      { from: 'ingress-nginx/ingress-nginx-controller', to: 'team-c/legacy-admin', port: 8000 },
    ];
    const r = await lateral(['check', ...GUARDED, '--queries', '-'], { stdin: queries.map((q) => JSON.stringify(q)).join('\n') + '\n' });
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { allowed: boolean; verdict: string; reason: string });
    expect(answers.map((a) => [a.allowed, a.verdict])).toEqual([
      [false, 'denied'],
      [true, 'allowed'],
      [false, 'denied'],
    ]);
    expect(answers[0]!.reason).toBe('Admin: Deny (cnp/isolate-team-b, ingress rule "deny-other-tenants")');
    expect(answers[1]!.reason).toContain('Admin: Pass (cnp/isolate-team-c, ingress rule "pass-platform") → NetworkPolicy: Allow (team-c/gateway-ingress, rule 0)');
    expect(answers[2]!.reason).toBe('Admin: Pass (cnp/isolate-team-c, ingress rule "pass-platform") → Baseline: Deny (banp/default, ingress rule "default-deny-from-pods")');
  });

  it('explain shows the chain and the near misses of each tier', async () => {
    const r = await lateral(['explain', ...GUARDED, '--from', 'team-b/invoice-worker', '--to', 'team-c/legacy-admin', '--port', '8000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ingress of team-c/legacy-admin: Admin: Deny (cnp/isolate-team-c, ingress rule "deny-other-tenants")');
    expect(r.stdout).toContain('near miss (Admin): ingress rule "pass-own-tenant" of cnp/isolate-team-c (Pass) matches TCP 8000 but namespaces `tenant=team-c`');
  });

  it('a domainNames rule makes connections outside the cluster unknown, never allowed or denied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lateral-tiers-'));
    writeFileSync(
      join(dir, 'egress.yaml'),
      `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: egress-allowlist}
spec:
  tier: Admin
  priority: 1
  subject: {namespaces: {matchLabels: {tenant: team-b}}}
  egress:
    - {name: allow-api, action: Accept, to: [{domainNames: [api.example.com]}]}
    - {name: deny-internet, action: Deny, to: [{networks: [0.0.0.0/0]}]}
`,
    );
    const reach = await lateral(['reach', 'fixtures/multi-tenant', dir, '--from', 'team-b/billing-api']);
    expect(reach.code).toBe(0);
    // Any IPv4 address outside the cluster may be api.example.com's: unknown, not allowed; IPv6
    // has no Deny behind the allowlist, so it is allowed either way.
    expect(reach.stdout).toContain('team-b/billing-api => any IPv4 address outside 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16 : unknown: All\n');
    expect(reach.stdout).toContain('team-b/billing-api => ::/0 : All\n');
    const r = await lateral(['check', 'fixtures/multi-tenant', dir, '--from', 'team-b/billing-api', '--to', '203.0.113.7', '--port', '443']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('team-b/billing-api -> 203.0.113.7 TCP 443: UNKNOWN');
    expect(r.stdout).toContain(
      'unknown: Admin: Allow (cnp/egress-allowlist, egress rule "allow-api") may match: whether 203.0.113.7 is an address of api.example.com is not in the input (DNS decides)',
    );
  });

  it('refuses a malformed tier policy, naming file, object and field, with exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lateral-tiers-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: bad}\nspec:\n  tier: Admin\n  priority: 2000\n  subject: {namespaces: {}}\n');
    const r = await lateral(['reach', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:1: ClusterNetworkPolicy bad: spec.priority: priority 2000 is out of range 0-1000`);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('whatif treats a ClusterNetworkPolicy change like any other', async () => {
    const r = await lateral(['whatif', ...GUARDED, '--delete', 'clusternetworkpolicy/isolate-team-b']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('What-if (delete clusternetworkpolicy/isolate-team-b): 1 connection newly allowed, 0 newly denied');
    expect(r.stdout).toContain('ALLOWED team-c/gateway -> team-b/billing-api: TCP 8443');
    const added = await lateral(['whatif', ...UNGUARDED, '--apply', GUARDRAILS]);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/DENIED {2}team-c\/gateway -> team-b\/billing-api/);
  });

  it('generate emits no rule for what an Admin-tier Deny closes, and says which rule blocks it', async () => {
    const flows = 'fixtures/multi-tenant/flows/hubble.jsonl';
    const r = await lateral(['generate', ...GUARDED, '--flows', flows, '-o', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    // The capture holds the two cross-tenant calls of holes 1 and 2; the guardrail denies both.
    expect(j.blockedByTier.map((b: { from: string; to: string; port: number; blockedBy: string }) => `${b.from} -> ${b.to} ${b.port}: ${b.blockedBy}`)).toEqual([
      'team-b/invoice-worker -> team-c/legacy-admin 8000: cnp/isolate-team-c ingress rule "deny-other-tenants"',
      'team-c/gateway -> team-b/billing-api 8443: cnp/isolate-team-b ingress rule "deny-other-tenants"',
    ]);
    // No generated rule names the other tenant as a peer: it would open nothing.
    const text = JSON.stringify(j.policies);
    const legacy = j.policies.find((p: { metadata: { name: string } }) => p.metadata.name === 'lateral-legacy-admin-ingress');
    expect(JSON.stringify(legacy)).not.toContain('team-b');
    const billing = j.policies.find((p: { metadata: { name: string } }) => p.metadata.name === 'lateral-billing-api-ingress');
    expect(JSON.stringify(billing ?? {})).not.toContain('team-c');
    expect(text).toContain('team-c'); // the same-tenant call gateway -> legacy-admin gets its rule
    // Verified without them: recall counts what a NetworkPolicy can decide, and is whole.
    expect(j.verification.ok).toBe(true);
    expect(j.verification.flows.blocked.map((b: { reason: string }) => b.reason)).toEqual([
      'blocked by cnp/isolate-team-c ingress rule "deny-other-tenants"',
      'blocked by cnp/isolate-team-b ingress rule "deny-other-tenants"',
    ]);
    const y = await lateral(['generate', ...GUARDED, '--flows', flows]);
    expect(y.stdout).toContain('#   blocked by the Admin tier: 2 observed connections, no rule');
    expect(y.stdout).toContain('#     team-c/gateway -> team-b/billing-api TCP 8443 (3 flows): blocked by cnp/isolate-team-b ingress rule "deny-other-tenants"');
    // Without the guardrail the same capture gets a rule admitting team-b into legacy-admin.
    const open = JSON.parse((await lateral(['generate', ...UNGUARDED, '--flows', flows, '-o', 'json'])).stdout);
    expect(open.blockedByTier).toEqual([]);
    expect(JSON.stringify(open.policies.find((p: { metadata: { name: string } }) => p.metadata.name === 'lateral-legacy-admin-ingress'))).toContain('team-b');
  });

  it('audit names the Admin-tier rule for observed connections no NetworkPolicy can open', async () => {
    const r = await lateral(['audit', ...GUARDED, '--flows', 'fixtures/multi-tenant/flows/hubble.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^DENIED {2}team-c\/gateway -> team-b\/billing-api TCP 8443 \(3 flows, [^)]*\): blocked by cnp\/isolate-team-b ingress rule "deny-other-tenants" \(Admin tier: no NetworkPolicy can open it\)$/m);
    // The Baseline tier is not such a block: a NetworkPolicy that isolates legacy-admin decides instead.
    expect(r.stdout).toMatch(/^DENIED {2}team-c\/gateway -> team-c\/legacy-admin TCP 8000 .*Baseline: Deny \(banp\/default/m);
    const j = JSON.parse((await lateral(['audit', ...GUARDED, '--flows', 'fixtures/multi-tenant/flows/hubble.jsonl', '-o', 'json'])).stdout);
    expect(j.denied.filter((f: { blockedBy?: string }) => f.blockedBy).length).toBe(3);
  });

  it('risk proposes an Admin-tier ClusterNetworkPolicy where an Admin Accept keeps NetworkPolicy from closing the move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lateral-tiers-'));
    writeFileSync(
      join(dir, 'app.yaml'),
      `apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {kubernetes.io/metadata.name: app}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app, labels: {app: web}}
spec: {containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: app, labels: {app: db}}
spec: {containers: [{name: db, image: db, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: app}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-public, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 8080}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: web-to-db}
spec:
  tier: Admin
  priority: 5
  subject: {pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: app}}, podSelector: {matchLabels: {app: db}}}}
  ingress:
    - {name: accept-web, action: Accept, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]}
`,
    );
    const r = await lateral(['risk', dir, '--target', 'app/db', '--format', 'json']);
    expect(r.code).toBe(0);
    const [rm] = JSON.parse(r.stdout).chokePoints.removals;
    expect(rm).toMatchObject({ from: 'app/web', to: 'app/db', change: 'ClusterNetworkPolicy', verified: true });
    expect(rm.why).toContain('cnp/web-to-db ingress rule "accept-web" accepts app/web -> app/db in the Admin tier');
    expect(rm.yaml).toContain('kind: ClusterNetworkPolicy');
    expect(rm.yaml).toContain('priority: 4');
    // The proposed YAML is an input Lateral reads, and it closes the move.
    writeFileSync(join(dir, 'proposed.yaml'), rm.yaml);
    const after = await lateral(['check', dir, '--from', 'app/web', '--to', 'app/db', '--port', '5432']);
    expect(after.stdout).toContain('DENIED');
    expect(after.stdout).toContain('Admin: Deny (cnp/lateral-deny-into-app-db, ingress rule "deny-attack-path")');
    const t = await lateral(['risk', join(dir, 'app.yaml'), '--target', 'app/db']);
    expect(t.stdout).toContain('close app/web -> app/db with an Admin-tier ClusterNetworkPolicy (verified by recompiling):');
  });

  it('--help lists the kinds read', async () => {
    const r = await lateral(['--help']);
    expect(r.stdout).toContain('ClusterNetworkPolicy');
    expect(r.stdout).toContain('BaselineAdminNetworkPolicy');
  });
});
