/**
 * The CLI against bad and odd input, as a demanding user would try it: every answer is a
 * clear message naming what is wrong (exit 2), never a stack trace, an internal error (exit
 * 3), a hang or a silently empty or half-loaded result.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '@lateral/cli';
import { lateral } from './run-cli.js';

const SHOP = 'fixtures/shop';
const HUBBLE = 'fixtures/shop/flows/hubble.jsonl';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lateral-robust-'));
}

function tempFile(name: string, text: string | Buffer): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: app, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n';

describe('lateral help', () => {
  it('an unknown topic is a usage error, not the general usage with exit 0', async () => {
    const r = await lateral(['help', 'reahc']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command "reahc"');
  });

  it('a name that every JavaScript object has is no command (not an internal error)', async () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      const r = await lateral([name]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`unknown command "${name}"`);
    }
  });

  it('every command\'s help names every option it takes, --cluster and friends included', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const cmd = await entry.load();
      const viaFlag = await lateral([name, '--help']);
      const viaHelp = await lateral(['help', name]);
      expect(viaFlag.code, name).toBe(0);
      expect(viaHelp.stdout, name).toBe(viaFlag.stdout);
      for (const [option, spec] of Object.entries(cmd.options)) {
        if (option === 'help') continue; // what printed it
        expect(viaFlag.stdout, `${name} --${option}`).toMatch(new RegExp(`--${option}\\b`));
        if (spec.short) expect(viaFlag.stdout, `${name} -${spec.short}`).toMatch(new RegExp(`(^|[ ,])-${spec.short}[ ,]`, 'm'));
      }
    }
  });

  it('-o means --format in every command that has one (generate used it for --out)', async () => {
    for (const [name, entry] of Object.entries(COMMANDS)) {
      const cmd = await entry.load();
      const o = Object.entries(cmd.options).find(([, s]) => s.short === 'o');
      if (o) expect(o[0], name).toBe('format');
    }
    const dir = tempDir();
    const r = await lateral(['generate', join(process.cwd(), SHOP), '--flows', join(process.cwd(), HUBBLE), '-o', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('verification');
    expect(existsSync(join(dir, 'json'))).toBe(false);
  });

  it('demo takes no inputs', async () => {
    const r = await lateral(['demo', 'fixtures/xyz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('demo takes no INPUTS');
  });
});

describe('option values', () => {
  it('a negative number is named as a bad value, not as an "ambiguous" option', async () => {
    const r = await lateral(['check', SHOP, '--from', 'shop/frontend', '--to', 'shop/cart', '--port', '-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('ambiguous');
    expect(r.stderr).toContain('--port needs a value');
    expect(r.stderr).toContain('--port=-1');
  });
});

describe('files are named as the user typed them', () => {
  it('a relative path stays relative to where the command was run', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.yaml'), 'kind: Pod\nmetadata: {name: x}\nspec: {containers: 5}\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'np.yaml'), 'kind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: []}\n');
    const r = await lateral(['reach', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('lateral: bad.yaml:1: Pod default/x: spec.containers: must be a list, not number 5');
    const d = await lateral(['reach', 'sub'], { cwd: dir });
    expect(d.stderr).toMatch(/^lateral: sub\/np\.yaml:1: NetworkPolicy default\/p: spec\.podSelector: /);
    const w = await lateral(['whatif', join(process.cwd(), SHOP), '--apply', 'bad.yaml'], { cwd: dir });
    expect(w.stderr).toMatch(/^lateral: after: bad\.yaml:1: /);
    const missing = await lateral(['reach', 'nope.yaml'], { cwd: dir });
    expect(missing.stderr.trim()).toBe('lateral: nope.yaml: no such file or directory');
  });

  it('an absolute path stays absolute', async () => {
    const file = tempFile('bad.yaml', 'kind: Pod\nmetadata: {name: x}\nspec: {containers: 5}\n');
    const r = await lateral(['reach', file], { cwd: tempDir() });
    expect(r.stderr).toContain(`lateral: ${file}:1: `);
  });
});

describe('inputs with nothing in them', () => {
  it('an empty file, a comments-only file and empty stdin are errors naming the input, not an empty cluster', async () => {
    const empty = tempFile('empty.yaml', '');
    const r = await lateral(['reach', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${empty}: no Kubernetes objects`);
    const comments = tempFile('helm.yaml', '# Source: chart/templates/a.yaml\n---\n# nothing rendered\n---\n');
    expect((await lateral(['blast', comments, '--from', 'internet'])).stderr).toContain(`${comments}: no Kubernetes objects`);
    const stdin = await lateral(['reach', '-'], { stdin: '' });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('<stdin>: no Kubernetes objects');
  });

  it('an empty file among others is fine (a chart that renders nothing for one template)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yaml'), '# nothing\n');
    writeFileSync(join(dir, 'b.yaml'), POD);
    const r = await lateral(['reach', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app/web');
  });

  it('whatif --apply of a file with no objects is an error, not a report on no change', async () => {
    const empty = tempFile('change.yaml', '---\n');
    const r = await lateral(['whatif', SHOP, '--apply', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${empty}: no Kubernetes objects`);
  });

  it('a List item that is not an object names its place in the List', async () => {
    const file = tempFile('list.yaml', 'apiVersion: v1\nkind: List\nitems:\n- kind: Namespace\n  metadata: {name: a}\n- 5\n');
    const r = await lateral(['reach', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('List: items[1]: expected a Kubernetes object');
  });
});

describe('NetworkPolicy fields Kubernetes does not have', () => {
  it('a misspelt field is an error naming it (kubectl apply rejects it too), not a policy that silently means something else', async () => {
    const file = tempFile(
      'np.yaml',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingres: [{}]\n',
    );
    const r = await lateral(['reach', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('NetworkPolicy x/p: spec.ingres: unknown field');
    const deep = tempFile(
      'np.yaml',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, exept: [10.1.0.0/16]}}], ports: [{prot: 80}]}]\n',
    );
    expect((await lateral(['reach', deep])).stderr).toContain('spec.egress[0].to[0].ipBlock.exept: unknown field');
  });
});

describe('names Kubernetes would not hold', () => {
  it('a name or namespace the API server rejects is an error naming the field', async () => {
    const slash = tempFile('pod.yaml', 'kind: Pod\nmetadata: {name: web/1, namespace: app}\nspec: {containers: [{name: c}]}\n');
    const r = await lateral(['reach', slash]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${slash}:1: Pod: metadata.name: invalid name "web/1"`);
    const ns = tempFile('pod.yaml', 'kind: Pod\nmetadata: {name: web, namespace: My App}\nspec: {containers: [{name: c}]}\n');
    expect((await lateral(['reach', ns])).stderr).toContain('Pod web: metadata.namespace: invalid namespace "My App"');
  });
});

describe('lateral reach filters', () => {
  it('--namespace that is not in the inputs is an error with the closest, not an empty answer', async () => {
    const r = await lateral(['reach', SHOP, '--namespace', 'shp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--namespace "shp" is not a namespace of the inputs; closest: shop/);
  });

  it('--from a pod or an outside address answers for its workload or address range', async () => {
    const pod = await lateral(['reach', SHOP, '--from', 'shop/frontend-6c9f8d7b5d-4xk2p']);
    expect(pod.code).toBe(0);
    expect(pod.stdout).toContain('shop/frontend => shop/cart : TCP 7070');
    const ip = await lateral(['reach', SHOP, '--from', '192.0.2.1']);
    expect(ip.code).toBe(0);
    expect(ip.stdout).toMatch(/^any IPv4 address outside .* => shop\/frontend : TCP 8080$/m);
  });
});

describe('lateral check and explain', () => {
  it('--queries naming a directory is an input error, not an internal one', async () => {
    const r = await lateral(['check', SHOP, '--queries', 'fixtures']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('lateral: fixtures: is a directory (give a file, or - for stdin)');
  });

  it('--queries with a byte-order mark and CRLF line ends reads like any other', async () => {
    const q = tempFile('q.jsonl', '\uFEFF{"from":"shop/frontend","to":"shop/cart","port":7070}\r\n');
    const r = await lateral(['check', SHOP, '--queries', q]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: true });
  });

  it('a single query and --queries together is a usage error, not one of them silently ignored', async () => {
    const q = tempFile('q.jsonl', '{"from":"shop/frontend","to":"shop/cart","port":7070}\n');
    const r = await lateral(['check', SHOP, '--queries', q, '--from', 'shop/frontend', '--to', 'shop/postgres', '--port', '5432']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--queries or --from/--to/--port, not both');
  });

  it('a query line\'s bad field is named once, and unknown names are named by their field', async () => {
    const q = tempFile('q.jsonl', '{"from":"shop/frontend","to":"shop/cart","port":"7070"}\n');
    const r = await lateral(['check', SHOP, '--queries', q]);
    expect(r.stderr.trim()).toBe(`lateral: ${q}:1: port: must be a whole number from 1 to 65535`);
    const single = await lateral(['check', SHOP, '--from', 'shop/frontend', '--to', 'shop/nope', '--port', '80']);
    expect(single.stderr).toContain('--to "shop/nope" matches no pod or workload');
  });

  it('two outside addresses are an input error, not "nothing allowed" followed by ALLOWED', async () => {
    for (const cmd of ['check', 'explain']) {
      const r = await lateral([cmd, SHOP, '--from', '192.0.2.1', '--to', '198.51.100.7', '--port', '80']);
      expect(r.code, cmd).toBe(2);
      expect(r.stderr, cmd).toContain('neither --from "192.0.2.1" nor --to "198.51.100.7" is in the cluster');
    }
  });
});

describe('lateral generate --out', () => {
  it('a file where the directory should be is an input error naming --out', async () => {
    const file = tempFile('policies', 'x');
    const r = await lateral(['generate', SHOP, '--flows', HUBBLE, '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${file}: not a directory`);
  });

  it('a directory under a file is an input error, and /proc does not hang', async () => {
    const file = tempFile('policies', 'x');
    const r = await lateral(['generate', SHOP, '--flows', HUBBLE, '--out', join(file, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out');
    if (existsSync('/proc/self')) {
      const proc = await lateral(['generate', SHOP, '--flows', HUBBLE, '--out', '/proc/lateral-no-such-dir/x']);
      expect(proc.code).toBe(2);
      expect(proc.stderr).toContain('--out /proc/lateral-no-such-dir/x: ');
    }
  }, 20_000);
});

describe('flow captures', () => {
  it('a byte-order mark does not make the first line bad', async () => {
    const lines = (await import('node:fs')).readFileSync(HUBBLE, 'utf8').split('\n').slice(0, 5).join('\n');
    const file = tempFile('bom.jsonl', `\uFEFF${lines}\n`);
    const r = await lateral(['audit', SHOP, '--flows', file]);
    expect(r.stderr).not.toContain('did not parse');
  });
});

describe('lateral whatif and diff', () => {
  it('--delete of the same object twice deletes it once', async () => {
    const ref = 'networkpolicy/shop/default-deny-ingress';
    const once = await lateral(['whatif', SHOP, '--delete', ref, '--format', 'json']);
    const twice = await lateral(['whatif', SHOP, '--delete', ref, '--delete', 'NetworkPolicy/shop/default-deny-ingress', '--format', 'json']);
    expect(twice.code).toBe(0);
    const summary = (s: string) => (JSON.parse(s) as { summary: unknown }).summary;
    expect(summary(twice.stdout)).toEqual(summary(once.stdout));
  });

  it('a bad --fail-on or --format is reported before the inputs are read', async () => {
    const bad = tempFile('bad.yaml', 'kind: Pod\nmetadata: {name: x}\nspec: {containers: 5}\n');
    const w = await lateral(['whatif', SHOP, '--apply', bad, '--fail-on', 'everything']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('--fail-on takes broken-flows, new-exposure, new-paths, shorter-paths, unknown (got "everything")');
    const d = await lateral(['diff', bad, '--after', SHOP, '--format', 'yaml']);
    expect(d.stderr).toContain('--format must be one of txt, json, csv, md');
  });
});

describe('lateral audit --baseline', () => {
  it('a baseline without a NetworkPolicy is an error, not "0 outside the baseline"', async () => {
    const r = await lateral(['audit', SHOP, '--flows', HUBBLE, '--baseline', `${SHOP}/pods.yaml`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--baseline: no NetworkPolicy in ${SHOP}/pods.yaml`);
  });
});

describe('lateral paths', () => {
  it('--to that selects only the --from workload is an error, not an empty question', async () => {
    const r = await lateral(['paths', SHOP, '--from', 'shop/postgres', '--to', 'shop/postgres']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--to selects only the --from workload itself');
  });
});

describe('kubeconfig', () => {
  it('an empty kubeconfig is named as empty, not with a JavaScript TypeError', async () => {
    const empty = tempFile('config', '');
    const r = await lateral(['reach', '--cluster', '--kubeconfig', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('Cannot read properties');
    expect(r.stderr.trim()).toBe(`lateral: ${empty}: not a valid kubeconfig: the file is empty`);
  });
});

describe('lateral serve', () => {
  it('a --target that matches nothing stops it before serving, as in lateral blast', async () => {
    const r = await lateral(['serve', SHOP, '--target', 'shop/postgress']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--target "shop/postgress" matches no workload; closest: shop/postgres');
  }, 20_000);
});
