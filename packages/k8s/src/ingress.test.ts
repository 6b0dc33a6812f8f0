import { InputError } from '@lateral/core';
import { describe, expect, it } from 'vitest';
import { clusterFromObjects } from './cluster-from-objects.js';
import { parseManifests } from './parse-manifests.js';

const load = (yaml: string) => clusterFromObjects(parseManifests(yaml, 'i.yaml'));

describe('Ingress (networking.k8s.io/v1)', () => {
  it('becomes cluster.ingresses with every service backend, and is not counted as skipped', () => {
    const r = load(`
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 8080}}}
  rules:
  - host: a.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
      - {path: /static, pathType: Prefix, backend: {resource: {apiGroup: k8s.example.com, kind: Bucket, name: b}}}
      - {path: /again, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}
`);
    expect(r.skipped).toEqual({});
    expect(r.cluster.ingresses).toEqual([
      { namespace: 'shop', name: 'web', ingressClassName: 'nginx', backends: [{ service: 'fallback', port: 8080 }, { service: 'web', port: 'http' }] },
    ]);
  });

  it('rejects what the API server rejects, naming the field', () => {
    const bad = (spec: string) => {
      try {
        load(`apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\nspec:\n${spec}`);
      } catch (e) {
        if (e instanceof InputError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    expect(bad('  defaultBackend: {service: {port: {number: 80}}}')).toMatch(/spec\.defaultBackend\.service\.name.*is required/);
    expect(bad('  defaultBackend: {service: {name: a, port: {number: 80, name: http}}}')).toMatch(/may not specify both port name and port number/);
    expect(bad('  defaultBackend: {service: {name: a, port: {number: 70000}}}')).toMatch(/out of range/);
    expect(bad('  rules: [{http: {paths: [{path: /}]}}]')).toMatch(/spec\.rules\[0\]\.http\.paths\[0\]\.backend/);
  });
});
