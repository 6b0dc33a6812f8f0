/**
 * The CNI profile on the command line: the plugin is detected from the policy kinds (and said
 * once on stderr), `--cni` overrides it and says what the chosen plugin does not enforce, both
 * Cilium and Calico kinds ask for `--cni`, and `--cilium-enforcement` sets the agent's mode.
 * The Cilium Star Wars demo gives the answers its guide documents.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lateral, REPO } from './run-cli.js';

const STARWARS = join(REPO, 'fixtures/cilium-starwars');
const APP = join(STARWARS, 'http-sw-app.yaml');
const L7 = join(REPO, 'fixtures/cilium-starwars-l7');
const CALICO = join(REPO, 'fixtures/calico-tiers');
const q = ['--from', 'default/xwing', '--to', 'default/deathstar', '--port', '80'];

describe('--cni', () => {
  it('detects Cilium from the kinds, says so once, and evaluates CiliumNetworkPolicy', async () => {
    const r = await lateral(['explain', STARWARS, ...q]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('cni: '))).toEqual(['cni: cilium (detected from 1 CiliumNetworkPolicy)']);
    expect(r.stdout).toContain('default/xwing -> default/deathstar TCP 80: DENIED');
    expect(r.stdout).toContain('cnp default/rule1');
    const tie = await lateral(['explain', STARWARS, '--from', 'default/tiefighter', '--to', 'default/deathstar', '--port', '80']);
    expect(tie.stdout).toContain('ALLOWED');
  });

  it('the L7 variant allows the connection and says requests may be denied', async () => {
    const r = await lateral(['explain', APP, L7, '--from', 'default/tiefighter', '--to', 'default/deathstar', '--port', '80']);
    expect(r.stdout).toContain('ALLOWED');
    expect(r.stdout).toContain('note: L7-filtered: requests may be denied (cnp default/rule1 ingress[0])');
  });

  it('--cni kubernetes does not enforce Cilium policies, and says so', async () => {
    const r = await lateral(['explain', STARWARS, ...q, '--cni', 'kubernetes']);
    expect(r.stdout).toContain('ALLOWED');
    expect(r.stderr).toContain('lateral: warning: --cni kubernetes does not enforce Cilium policies: 1 CiliumNetworkPolicy not evaluated');
    expect(r.stderr).not.toContain('cni: cilium');
  });

  it('--cilium-enforcement never allows everything; always denies what no rule allows', async () => {
    const never = await lateral(['explain', STARWARS, ...q, '--cilium-enforcement', 'never']);
    expect(never.stdout).toContain('ALLOWED');
    const always = await lateral(['explain', STARWARS, '--from', 'default/tiefighter', '--to', 'default/xwing', '--port', '80', '--cilium-enforcement', 'always']);
    expect(always.stdout).toContain('DENIED');
  });

  it('both Cilium and Calico kinds: exit 2, asking for --cni', async () => {
    const r = await lateral(['reach', STARWARS, CALICO]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('both Cilium (1 CiliumNetworkPolicy) and Calico (1 GlobalNetworkPolicy, 1 Tier)');
    expect(r.stderr).toContain('--cni cilium or --cni calico');
    // The web app's sessions detect the plugin the same way: no server on a guess.
    const served = await lateral(['serve', STARWARS, CALICO, '--port', '0']);
    expect(served.code).toBe(2);
    expect(served.stderr).toContain('--cni cilium or --cni calico');
  });

  it('detects Calico from its kinds, says so once, and walks its tiers', async () => {
    const r = await lateral(['explain', CALICO, '--from', 'stage/batch', '--to', 'stage/db', '--port', '5432']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('cni: '))).toEqual(['cni: calico (detected from 1 GlobalNetworkPolicy, 1 Tier)']);
    expect(r.stdout).toContain('stage/batch -> stage/db TCP 5432: DENIED');
    expect(r.stdout).toContain('calico tier devops: gnp/devops.stage-env ingress[1] Pass');
  });

  it('a plugin given with --cni names the other plugin\'s objects it does not enforce, never drops them silently', async () => {
    // devops.stage-env denies prod -> stage under Calico; without it the pods are open.
    const k8s = await lateral(['explain', CALICO, '--from', 'prod/web', '--to', 'stage/web', '--port', '8080', '--cni', 'kubernetes']);
    expect(k8s.stdout).toContain('ALLOWED');
    expect(k8s.stderr).toContain("lateral: warning: --cni kubernetes does not enforce Calico's kinds: 1 GlobalNetworkPolicy, 1 Tier not evaluated");
    const cilium = await lateral(['reach', STARWARS, CALICO, '--cni', 'cilium']);
    expect(cilium.code).toBe(0);
    expect(cilium.stderr).toContain("lateral: warning: --cni cilium does not enforce Calico's kinds: 1 GlobalNetworkPolicy, 1 Tier not evaluated");
    const calico = await lateral(['explain', STARWARS, CALICO, ...q, '--cni', 'calico']);
    expect(calico.stdout).toContain('ALLOWED');
    expect(calico.stderr).toContain('lateral: warning: --cni calico does not enforce Cilium policies: 1 CiliumNetworkPolicy not evaluated');
  });

  it('--cilium-allow-localhost: the node a pod runs on reaches it by default (Cilium under Kubernetes), not with "policy"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lateral-localhost-'));
    const file = join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.1.0.1}]}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.1.1}',
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: only-client, namespace: default}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: client}}]}]',
      ].join('\n---\n'),
    );
    const args = ['explain', file, '--from', '10.1.0.1', '--to', 'default/web', '--port', '80'];
    const always = await lateral(args);
    expect(always.stdout).toContain('ALLOWED');
    expect(always.stdout).toContain('Cilium: Allow (allow-localhost)');
    const policy = await lateral([...args, '--cilium-allow-localhost', 'policy']);
    expect(policy.stdout).toContain('DENIED');
    const mixed = await lateral(['reach', file, '--cni', 'kubernetes', '--cilium-allow-localhost', 'policy']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--cilium-allow-localhost goes with --cni cilium');
  });

  it('rejects an unknown plugin and --cilium-enforcement with another plugin', async () => {
    const bad = await lateral(['reach', STARWARS, '--cni', 'flannel']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--cni must be one of kubernetes, cilium, calico (got "flannel")');
    const mixed = await lateral(['reach', STARWARS, '--cni', 'kubernetes', '--cilium-enforcement', 'always']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--cilium-enforcement goes with --cni cilium');
  });

  it('a CiliumNetworkPolicy the API server would refuse: exit 2 naming file, object and field', async () => {
    const r = await lateral(['reach', '-'], {
      stdin: 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  endpointSelector: {}\n  ingress:\n  - fromEntities: [everything]\n',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CiliumNetworkPolicy x/bad');
    expect(r.stderr).toContain('spec.ingress[0].fromEntities[0]');
    expect(r.stderr).toContain('unknown entity "everything"');
  });

  it('whatif: applying the demo policy to the app closes the xwing\'s way in, through the CNP', async () => {
    const r = await lateral(['whatif', APP, '--apply', join(STARWARS, 'sw_l3_l4_policy.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('cni: cilium (detected from 1 CiliumNetworkPolicy)');
    expect(r.stdout).toContain('DENIED  default/xwing -> default/deathstar: All');
    expect(r.stdout).toContain('Cilium: Deny (cnp default/rule1)');
  });

  it('whatif: deleting the devops tier\'s policy opens staging and production to each other, under Calico', async () => {
    const r = await lateral(['whatif', CALICO, '--delete', 'globalnetworkpolicy.projectcalico.org/devops.stage-env']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('cni: calico (detected from 1 GlobalNetworkPolicy, 1 Tier)');
    expect(r.stdout).toContain('5 connections newly allowed, 0 newly denied');
    expect(r.stdout).toContain('ALLOWED prod/web -> stage/web: All');
    // The team's NetworkPolicy still keeps batch away from the database.
    expect(r.stdout).not.toContain('-> stage/db');
  });

  it('generate --emit cilium writes CiliumNetworkPolicies and verifies them as Cilium reads them', async () => {
    const ledger = join(REPO, 'fixtures/ledger');
    const r = await lateral(['generate', ledger, '--flows', join(ledger, 'flows/hubble.jsonl'), '--emit', 'cilium']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('lateral generate: verified');
    expect(r.stderr).toContain('recall: 100.0 %');
    expect(r.stderr).toContain('over-permission: 0');
    expect(r.stdout).toContain('kind: CiliumNetworkPolicy');
    expect(r.stdout).not.toContain('kind: NetworkPolicy');
    const bad = await lateral(['generate', ledger, '--flows', join(ledger, 'flows/hubble.jsonl'), '--emit', 'cilium', '--cni', 'calico']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--emit cilium writes CiliumNetworkPolicies');
  });
});
