import { describe, expect, it } from 'vitest';
import { buildAttackGraph, compile, InputError } from '@lateral/core';
import { clusterFromObjects, parseManifests } from '@lateral/k8s';
import { footholdChange } from './foothold-change.js';

// web -> api -> db, no policies: everything reaches everything in one move.
const BASE = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
${['web', 'api', 'db']
  .map((app) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${app}, namespace: shop, labels: {app: ${app}}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}`)
  .join('\n')}
`;
// db accepts only api: web's one move to db is gone, two moves through api remain.
const DB_FROM_API = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}
`;
// api accepts nothing: with db-from-api, web has no way left to db.
const API_CLOSED = `---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-closed, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, policyTypes: [Ingress]}
`;

const graph = (yaml: string) => buildAttackGraph(compile(clusterFromObjects(parseManifests(yaml, 'c.yaml')).cluster));
const ids = (ag: ReturnType<typeof graph>, name: string) => ag.workloads.find((w) => w.endsWith(`/${name}`) || w.includes(`/${name}`))!;

describe('what a change does to one foothold', () => {
  it('a path from the foothold to a crown jewel lengthens, then closes', () => {
    const before = graph(BASE);
    const db = ids(before, 'db');
    const longer = footholdChange(before, graph(BASE + DB_FROM_API), 'shop/web', [db]);
    expect(longer.paths).toEqual([{ to: db, change: 'lengthened', hopsBefore: 1, hopsAfter: 2, path: [ids(before, 'web'), ids(before, 'api'), db] }]);
    const closed = footholdChange(before, graph(BASE + DB_FROM_API + API_CLOSED), 'shop/web', [db]);
    expect(closed.paths.map((p) => [p.change, p.hopsBefore, p.hopsAfter])).toEqual([['closed', 1, null]]);
    expect(closed.before!.crownJewelsReached).toBe(1);
    expect(closed.after!.crownJewelsReached).toBe(0);
    expect(closed.after!.reached).toBeLessThan(closed.before!.reached);
  });

  it('opens where the change removes the policy that stood in the way', () => {
    const before = graph(BASE + DB_FROM_API + API_CLOSED);
    const db = ids(before, 'db');
    expect(footholdChange(before, graph(BASE), 'shop/web', [db]).paths.map((p) => p.change)).toEqual(['opened']);
  });

  it('names the field when the foothold is on neither side', () => {
    const ag = graph(BASE);
    expect(() => footholdChange(ag, ag, 'shop/nope', [])).toThrow(InputError);
    expect(() => footholdChange(ag, ag, 'shop/nope', [])).toThrow(/^from "shop\/nope"/);
  });
});
