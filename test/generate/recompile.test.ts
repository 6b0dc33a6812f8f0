/**
 * Generation and verification recompile the cluster from the compile before (compile-from.ts)
 * when the caller hands its compile in, as the CLI does. What a user sees must not depend on it:
 * the policies, their YAML and the verification are the same as from fresh compiles, on every
 * fixture with a capture, and a compile made with other evaluation options is not reused.
 */
import { fileURLToPath } from 'node:url';
import { compile, type EvalOptions } from '@lateral/core';
import { readFlows } from '@lateral/flows';
import { generatePolicies, policiesYaml, verifyPolicies } from '@lateral/generator';
import { clusterFromObjects, loadCluster, parseManifests } from '@lateral/k8s';
import { describe, expect, it } from 'vitest';

const fixture = (p: string): string => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

async function run(name: string, capture: string, compiledOptions: EvalOptions | 'none') {
  const { cluster } = await loadCluster([fixture(name)]);
  const evalOptions = compile(cluster).options;
  const compiled = compiledOptions === 'none' ? undefined : compile(cluster, compiledOptions);
  const flows = await readFlows([fixture(`${name}/flows/${capture}`)], cluster);
  const generated = generatePolicies(cluster, flows, { defaultDeny: true, evalOptions, ...(compiled ? { compiled } : {}) });
  const text = policiesYaml(generated.policies);
  const reread = clusterFromObjects(parseManifests(text, '<generated>')).cluster.policies;
  const verification = verifyPolicies(cluster, reread, flows, { aggregates: generated.aggregates, dns: generated.dns ?? false, evalOptions, ...(compiled ? { compiled } : {}) });
  return { policies: generated.policies, text, verification };
}

describe('generate and verify from a given compile', () => {
  for (const [name, capture] of [
    ['ledger', 'hubble.jsonl'],
    ['ledger', 'gadget.jsonl'],
    ['shop', 'hubble.jsonl'],
    ['multi-tenant', 'hubble.jsonl'],
    ['multi-tenant', 'flows.csv'],
  ] as const) {
    it(`${name} with ${capture}: the same policies, YAML and verification as from fresh compiles`, async () => {
      const fresh = await run(name, capture, 'none');
      const reused = await run(name, capture, compile((await loadCluster([fixture(name)])).cluster).options);
      expect(fresh.policies.length).toBeGreaterThan(0);
      expect(reused.text).toBe(fresh.text);
      expect(reused.verification).toEqual(fresh.verification);
    });
  }

  it('does not start from a compile made with other evaluation options', async () => {
    const fresh = await run('ledger', 'hubble.jsonl', 'none');
    const other = await run('ledger', 'hubble.jsonl', { ...compile((await loadCluster([fixture('ledger')])).cluster).options, cni: 'cilium' });
    expect(other.text).toBe(fresh.text);
    expect(other.verification.flows).toEqual(fresh.verification.flows);
  });
});
