/** Writes a real kubeconfig file for the test API server, as `kind` or `kubectl config` would. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';

export function writeKubeconfig(server: { url: string; token: string }, opts: { context?: string; token?: string } = {}): string {
  const context = opts.context ?? 'test-cluster';
  const dir = mkdtempSync(join(tmpdir(), 'lateral-kube-'));
  const file = join(dir, 'config');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      // Plain http on loopback: client-node allows it only with TLS verification explicitly off.
      { name: 'test', cluster: { server: server.url, 'insecure-skip-tls-verify': true } },
      { name: 'elsewhere', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
    ],
    users: [{ name: 'lateral', user: { token: opts.token ?? server.token } }],
    contexts: [
      { name: context, context: { cluster: 'test', user: 'lateral' } },
      { name: 'unreachable', context: { cluster: 'elsewhere', user: 'lateral' } },
    ],
    'current-context': context,
  };
  writeFileSync(file, yaml.dump(config));
  return file;
}
