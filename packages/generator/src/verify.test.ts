import { describe, expect, it } from 'vitest';
import type { NetworkPolicy } from '@lateral/core';
import { verifyPolicies } from './verify.js';
import { BASIC, flowSet, gen, makeCluster } from './test-shop.js';

describe('verifyPolicies', () => {
  it('lists observed flows the policies deny', () => {
    const c = makeCluster();
    const { g } = gen(c, flowSet(c, BASIC));
    // Drop the rule that admits web into api.
    const broken = g.policies.map((p) =>
      p.policy.name === 'lateral-api-ingress' ? { ...p.policy, ingress: p.policy.ingress!.slice(1) } : p.policy,
    );
    const v = verifyPolicies(c, broken, g.considered);
    expect(v.ok).toBe(false);
    expect(v.flows.denied).toMatchObject([{ from: 'shop/web', to: 'shop/api', protocol: 'TCP', port: 7070 }]);
    expect(v.flows.denied[0]!.reason).toContain('shop/lateral-api-ingress');
    expect(v.flows.share).toBeLessThan(1);
  });

  it('lists connections opened beyond observations, before/after and rule by rule', () => {
    const existing: NetworkPolicy = { namespace: 'shop', name: 'deny-all', podSelector: {}, policyTypes: ['Ingress'] };
    const c = makeCluster([existing]);
    const { g, v } = gen(c, flowSet(c, [['shop/web', 'shop/api', 7070]]), { ingressOnly: true });
    expect(v.ok).toBe(true);
    // Widen the peer to the whole namespace: db and api's own replicas (never observed calling
    // api) get in too.
    const wide = g.policies.map((p) => ({ ...p.policy, ingress: p.policy.ingress!.map((r) => ({ ...r, from: [{ podSelector: {} }] })) }));
    const bad = verifyPolicies(c, wide, g.considered);
    expect(bad.ok).toBe(false);
    const opened = ['shop/api -> shop/api : TCP 7070', 'shop/db -> shop/api : TCP 7070'];
    expect(bad.added.unobserved.map((x) => `${x.from} -> ${x.to} : ${x.text}`)).toEqual(opened);
    expect(bad.granted.unobserved.map((x) => `${x.from} -> ${x.to} : ${x.text}`)).toEqual(opened);
  });

  it('catches a too-broad rule even where the cluster was open before', () => {
    const c = makeCluster();
    const { g } = gen(c, flowSet(c, [['shop/web', 'shop/api', 7070]]), { ingressOnly: true });
    const anyPort = g.policies.map((p) => ({ ...p.policy, ingress: p.policy.ingress!.map((r) => ({ from: r.from! })) }));
    const v = verifyPolicies(c, anyPort, g.considered);
    // Before: api was not isolated, so before/after shows nothing; the rule itself grants more.
    expect(v.added.unobserved).toEqual([]);
    expect(v.granted.unobserved.map((x) => `${x.from} -> ${x.to}`)).toEqual(['shop/web -> shop/api']);
    expect(v.ok).toBe(false);
  });

  it('verifies what was read back, not what was written, when the two differ', () => {
    const existing: NetworkPolicy = { namespace: 'shop', name: 'deny-all', podSelector: {}, policyTypes: ['Ingress'] };
    const c = makeCluster([existing]);
    const { g } = gen(c, flowSet(c, BASIC));
    const written = g.policies.map((p) => p.policy);
    // Read back as written (equal objects, not the same ones): the same verification.
    const copy = JSON.parse(JSON.stringify(written)) as NetworkPolicy[];
    expect(verifyPolicies(c, copy, g.considered, { written })).toEqual(verifyPolicies(c, copy, g.considered));
    // A rule lost between writing and reading: the flow it was for is denied.
    const lost = copy.map((p) => (p.name === 'lateral-api-ingress' ? { ...p, ingress: p.ingress!.slice(1) } : p));
    const v = verifyPolicies(c, lost, g.considered, { written });
    expect(v.ok).toBe(false);
    expect(v.flows.denied).toMatchObject([{ from: 'shop/web', to: 'shop/api', protocol: 'TCP', port: 7070 }]);
    // A peer widened between writing and reading: what it opens is listed.
    const wide = copy.map((p) => (p.name === 'lateral-api-ingress' ? { ...p, ingress: p.ingress!.map((r) => ({ ...r, from: [{ podSelector: {} }] })) } : p));
    const w = verifyPolicies(c, wide, g.considered, { written });
    expect(w.ok).toBe(false);
    expect(w.granted.unobserved.map((x) => `${x.from} -> ${x.to}`)).toContain('shop/db -> shop/api');
  });
});
