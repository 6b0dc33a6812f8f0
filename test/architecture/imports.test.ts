/**
 * The layering docs/architecture.md describes, checked on the sources: no import circles
 * (type-only imports count: a circle of types is still a circle to read), imports between
 * packages point toward core and only through a package's public face, and core imports
 * nothing of ours and nothing that does I/O.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The public faces each package declares: its package.json `exports` (`@lateral/core/testing`,
 * `@lateral/k8s/live`, ...). Anything else under a package is internal to it.
 */
const PUBLIC_SUBPATHS = new Set(
  ['packages', 'apps'].flatMap((top) =>
    readdirSync(join(REPO, top)).flatMap((dir) => {
      let pkg: { name?: string; exports?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(join(REPO, top, dir, 'package.json'), 'utf8')) as typeof pkg;
      } catch {
        return [];
      }
      return Object.keys(pkg.exports ?? {})
        .filter((k) => k !== '.')
        .map((k) => `${pkg.name}${k.slice(1)}`);
    }),
  ),
);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const ROOTS = ['packages', 'apps'].flatMap((d) => readdirSync(join(REPO, d)).map((n) => join(REPO, d, n)));
const FILES = ROOTS.flatMap((r) => ['src', 'ui/src'].map((s) => join(r, s)).filter((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory())).flatMap(sources);

/** Every module a file imports or re-exports, as written. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'/gms)) found.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  return found;
}

function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (statSync(c, { throwIfNoEntry: false })?.isFile()) return c;
  }
  return undefined;
}

const packageOf = (file: string) => relative(REPO, file).split('/').slice(0, 2).join('/');

describe('imports', () => {
  it('form no circles', () => {
    const graph = new Map(FILES.map((f) => [f, specifiers(f).flatMap((s) => resolveLocal(f, s) ?? [])]));
    // Tarjan's strongly connected components: any component of two or more files is a circle.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string) => {
      index.set(v, counter);
      low.set(v, counter++);
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(relative(REPO, w));
        } while (w !== v);
        if (scc.length > 1 || graph.get(v)?.includes(v)) circles.push(scc.sort());
      }
    };
    for (const f of FILES) if (!index.has(f)) visit(f);
    expect(circles).toEqual([]);
  });

  it('between packages point toward core, through public faces only', () => {
    // Who may import whom (besides itself), as docs/architecture.md draws it.
    const allowed: Record<string, readonly string[]> = {
      'packages/core': [],
      'packages/k8s': ['core'],
      'packages/flows': ['core'],
      'packages/generator': ['core', 'flows'],
      'packages/analysis': ['core', 'flows', 'k8s'],
      'apps/cli': ['core', 'flows', 'generator', 'k8s', 'analysis', 'web'],
      'apps/web': ['core', 'flows', 'generator', 'k8s', 'analysis'],
    };
    const wrong: string[] = [];
    for (const f of FILES) {
      const pkg = packageOf(f);
      for (const s of specifiers(f)) {
        const ours = /^@lateral\/([^/]+)(\/.*)?$/.exec(s);
        const local = resolveLocal(f, s);
        if (ours && !(allowed[pkg] ?? []).includes(ours[1]!)) wrong.push(`${relative(REPO, f)} imports ${s}`);
        else if (ours?.[2] && !PUBLIC_SUBPATHS.has(s)) wrong.push(`${relative(REPO, f)} imports another package's internals: ${s}`);
        else if (local && packageOf(local) !== pkg) wrong.push(`${relative(REPO, f)} reaches into ${relative(REPO, local)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('from cross-package tests use packages through their public faces', () => {
    // The CLI's face is @lateral/cli (runCli, serveInProcess): its tests drive it through that.
    // Build tooling (apps/*/scripts) is no package's code: the packaging test reads its lists.
    const tests = sources(join(REPO, 'test')).filter((f) => !f.includes('/node_modules/'));
    const wrong = tests.flatMap((f) =>
      specifiers(f)
        .map((s) => ({ s, local: resolveLocal(f, s) }))
        .filter(({ s, local }) => (local && /^(packages\/|apps\/[^/]+\/(src|ui)\/)/.test(relative(REPO, local))) || (/^@lateral\/[^/]+\//.test(s) && !PUBLIC_SUBPATHS.has(s)))
        .map(({ s }) => `${relative(REPO, f)} imports ${s}`),
    );
    expect(wrong).toEqual([]);
  });

  it('leave core pure: no Node built-ins, no process, nothing of ours', () => {
    const impure = FILES.filter((f) => packageOf(f) === 'packages/core' && !f.endsWith('.test.ts')).flatMap((f) => {
      const bad = specifiers(f).filter((s) => s.startsWith('node:') || s.startsWith('@lateral/') || ['fs', 'path', 'os', 'child_process', 'http', 'net'].includes(s));
      if (/\bprocess\.(env|argv|exit|stdout|stderr|cwd)\b/.test(readFileSync(f, 'utf8'))) bad.push('process');
      return bad.map((b) => `${relative(REPO, f)}: ${b}`);
    });
    expect(impure).toEqual([]);
  });
});
