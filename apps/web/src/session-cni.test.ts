import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseManifests } from '@lateral/k8s';
import { sessionFromObjects } from './session.js';

const fixture = (path: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/${path}`, import.meta.url)), 'utf8');

describe('a session names the network plugin it evaluates with', () => {
  it('detected from the kinds present (what /api/summary reports as cni.detectedFrom)', () => {
    const s = sessionFromObjects('calico-tiers', parseManifests(fixture('calico-tiers/cluster.yaml'), 'cluster.yaml'));
    expect(s.options.cni).toBe('calico');
    expect(s.cniDetectedFrom).toMatch(/GlobalNetworkPolicy/);
  });

  it('named by the caller: not "detected"', () => {
    const s = sessionFromObjects('calico-tiers', parseManifests(fixture('calico-tiers/cluster.yaml'), 'cluster.yaml'), { ipBlockPods: 'match', cni: 'calico' });
    expect(s.options.cni).toBe('calico');
    expect(s.cniDetectedFrom).toBeUndefined();
  });
});
