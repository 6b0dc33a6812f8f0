import { describe, expect, it } from 'vitest';
import { cniLabel, cniNearMissText, cniStepText } from './cni.js';
import type { Summary } from './types.js';

const summary = (cni?: Summary['cni']): Summary =>
  ({ label: 'x', namespaces: 1, workloads: 1, pods: 1, policies: 0, externals: 0, warnings: [], flows: [], features: { blast: true, flows: false, generate: true }, live: false, generation: 0, changedAt: null, ...(cni ? { cni } : {}) }) as Summary;

describe('the network plugin on the page', () => {
  it('says which plugin the answers follow, and what it was detected from, as the CLI does', () => {
    expect(cniLabel(summary({ name: 'calico', detectedFrom: '1 GlobalNetworkPolicy, 1 Tier' }))).toBe('cni: calico (detected from 1 GlobalNetworkPolicy, 1 Tier)');
    expect(cniLabel(summary({ name: 'kubernetes' }))).toBe('cni: kubernetes');
    expect(cniLabel(summary())).toBe('');
  });

  it('names Calico and Cilium rules by list and index, as `lateral explain` prints them', () => {
    expect(cniStepText({ tier: 'calico tier devops', action: 'Pass', policy: 'gnp/devops.stage-env', direction: 'ingress', rule: 1, detail: '' })).toBe('calico tier devops: gnp/devops.stage-env ingress[1] Pass');
    expect(cniStepText({ tier: 'calico tier default', action: 'Deny', detail: 'end of tier for knp/stage/db-from-web' })).toBe('calico tier default: Deny');
    expect(cniStepText({ tier: 'Cilium', action: 'Allow', policy: 'cnp default/rule1 ingress[0]', direction: 'ingress', detail: '' })).toBe('Cilium: Allow (cnp default/rule1 ingress[0])');
    expect(cniStepText({ tier: 'Admin', action: 'Pass', policy: 'anp/x', direction: 'ingress', rule: 0, detail: '' })).toBeUndefined();
    expect(cniNearMissText({ tier: 'calico tier default', policy: 'gnp/db-access', action: 'Allow', direction: 'ingress', rule: 0, detail: 'would match if b/api were among its sources: it matches TCP 5432' })).toBe(
      'near miss (calico tier default): gnp/db-access ingress[0] (Allow) would match if b/api were among its sources: it matches TCP 5432',
    );
  });
});
