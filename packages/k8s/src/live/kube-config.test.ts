import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '@lateral/core';
import { clusterLabel, loadKubeConfig } from './kube-config.js';

const ENV = ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST'] as const;
let saved: Record<string, string | undefined> = {};
let home: string;

beforeEach(() => {
  saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
  home = mkdtempSync(join(tmpdir(), 'lateral-home-'));
  process.env.HOME = home;
  delete process.env.KUBECONFIG;
  delete process.env.KUBERNETES_SERVICE_HOST;
});
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function kubeconfig(contexts: string[], current: string, server = 'https://10.0.0.1:6443'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lateral-kc-')), 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: c\n  cluster:\n    server: ${server}`,
      'users:',
      '- name: u\n  user:\n    token: t',
      'contexts:',
      ...contexts.map((n) => `- name: ${n}\n  context:\n    cluster: c\n    user: u`),
      `current-context: ${current}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('loadKubeConfig', () => {
  it('with no kubeconfig anywhere says so, rather than trying localhost:8080', () => {
    expect(() => loadKubeConfig()).toThrow(InputError);
    expect(() => loadKubeConfig()).toThrow(/^no kubeconfig: pass --kubeconfig, set KUBECONFIG, create ~\/\.kube\/config/);
  });

  it('merges KUBECONFIG files in order, skipping missing ones, and selects --context', () => {
    process.env.KUBECONFIG = ['/nonexistent', kubeconfig(['dev'], 'dev'), kubeconfig(['prod'], 'prod')].join(':');
    expect(clusterLabel(loadKubeConfig())).toBe('<cluster dev>'); // the first file's current-context wins
    expect(clusterLabel(loadKubeConfig({ context: 'prod' }))).toBe('<cluster prod>');
    expect(() => loadKubeConfig({ context: 'staging' })).toThrow(/no context "staging" in the kubeconfig \(contexts: dev, prod\)/);
  });

  it('falls back to ~/.kube/config; --kubeconfig overrides everything', () => {
    process.env.KUBECONFIG = ''; // empty is unset, as for kubectl
    expect(() => loadKubeConfig()).toThrow(/no kubeconfig/);
    mkdirSync(join(home, '.kube'));
    copyFileSync(kubeconfig(['home'], 'home'), join(home, '.kube', 'config'));
    expect(clusterLabel(loadKubeConfig())).toBe('<cluster home>');
    expect(clusterLabel(loadKubeConfig({ kubeconfig: kubeconfig(['explicit'], 'explicit') }))).toBe('<cluster explicit>');
  });

  it('a context without a current-context or a kubeconfig that is not one is an input error', () => {
    expect(() => loadKubeConfig({ kubeconfig: kubeconfig(['a', 'b'], '""') })).toThrow(/has no current context: pass --context NAME/);
    const bad = join(mkdtempSync(join(tmpdir(), 'lateral-kc-')), 'config');
    writeFileSync(bad, 'clusters: [\n');
    expect(() => loadKubeConfig({ kubeconfig: bad })).toThrow(/config: not a valid kubeconfig: /);
  });
});
