/**
 * Calico's selector language (docs.tigera.io, "Selectors"): an expression over a resource's
 * labels, parsed once into a tree and evaluated against label sets.
 *
 *   match operators   all()  global()  has(k)  k == 'v'  k != 'v'  k in {'a','b'}
 *                     k not in {'a'}  k contains 's'  k starts with 's'  k ends with 's'
 *   logical           ( e )   ! e   e && e   e || e
 *
 * "Operators have the following precedence: Highest: all the match operators; Parentheses;
 * Negation with !; Conjunction with &&; Lowest: Disjunction with ||". The empty selector selects
 * everything, as `all()` does (a policy's `selector` defaults to `all()`).
 *
 * Errors are InputErrors saying where (1-based column) and what was expected, with the field
 * left for the caller to fill in.
 */
import { InputError } from '../model/errors.js';
import type { Labels } from '../model/model.js';

export type CalicoSelector =
  | { readonly op: 'all' }
  | { readonly op: 'global' }
  | { readonly op: 'has'; readonly key: string }
  | { readonly op: '==' | '!=' | 'contains' | 'starts with' | 'ends with'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'not in'; readonly key: string; readonly values: readonly string[] }
  | { readonly op: '!'; readonly expr: CalicoSelector }
  | { readonly op: '&&' | '||'; readonly left: CalicoSelector; readonly right: CalicoSelector };

/** Where a selector is evaluated: a resource's labels, and whether it is a non-namespaced one (global()). */
export interface CalicoScope {
  readonly labels: Labels;
  readonly global: boolean;
}

type Token =
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'sym'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

/** Label keys: a DNS prefix and `/`, then name characters (Kubernetes' key syntax, loosely). */
const WORD = /[A-Za-z0-9_.\/-]/;
const SYMBOLS = ['==', '!=', '&&', '||', '!', '(', ')', '{', '}', ','];

function fail(text: string, at: number, detail: string): never {
  const near = at >= text.length ? 'at the end' : `at column ${at + 1} ("${text.slice(at, at + 12)}")`;
  throw new InputError(`selector ${JSON.stringify(text)}: ${detail} ${near}`);
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) fail(text, i, `unterminated string (no closing ${c})`);
      out.push({ t: 'string', v: text.slice(i + 1, close), at: i });
      i = close + 1;
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym) {
      out.push({ t: 'sym', v: sym, at: i });
      i += sym.length;
      continue;
    }
    if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text[j]!)) j++;
      out.push({ t: 'word', v: text.slice(i, j), at: i });
      i = j;
      continue;
    }
    fail(text, i, `unexpected character ${JSON.stringify(c)}`);
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

/** Parses a Calico selector; throws an InputError naming the column and what was expected. */
export function parseCalicoSelector(text: string): CalicoSelector {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const isSym = (tok: Token, v: string) => tok.t === 'sym' && tok.v === v;
  const isWord = (tok: Token, v: string) => tok.t === 'word' && tok.v === v;
  const expectSym = (v: string, what: string) => {
    const tok = next();
    if (!isSym(tok, v)) fail(text, tok.at, `expected ${what}`);
  };
  const stringLit = (what: string): string => {
    const tok = next();
    if (tok.t !== 'string') fail(text, tok.at, `expected ${what} (a quoted string)`);
    return tok.v;
  };

  if (peek().t === 'end') return { op: 'all' };

  const or = (): CalicoSelector => {
    let left = and();
    while (isSym(peek(), '||')) {
      next();
      left = { op: '||', left, right: and() };
    }
    return left;
  };
  const and = (): CalicoSelector => {
    let left = unary();
    while (isSym(peek(), '&&')) {
      next();
      left = { op: '&&', left, right: unary() };
    }
    return left;
  };
  const unary = (): CalicoSelector => {
    if (isSym(peek(), '!')) {
      next();
      return { op: '!', expr: unary() };
    }
    if (isSym(peek(), '(')) {
      next();
      const e = or();
      expectSym(')', '")" to close the parenthesis');
      return e;
    }
    return match();
  };
  const match = (): CalicoSelector => {
    const tok = next();
    if (tok.t !== 'word') fail(text, tok.at, 'expected a label name, has(...), all(), global(), "!" or "("');
    if ((tok.v === 'all' || tok.v === 'global') && isSym(peek(), '(')) {
      next();
      expectSym(')', `")" after ${tok.v}(`);
      return { op: tok.v };
    }
    if (tok.v === 'has' && isSym(peek(), '(')) {
      next();
      const key = next();
      if (key.t !== 'word') fail(text, key.at, 'expected a label name inside has(...)');
      expectSym(')', '")" to close has(');
      return { op: 'has', key: key.v };
    }
    const key = tok.v;
    const opTok = next();
    if (isSym(opTok, '==') || isSym(opTok, '!=')) {
      const op = isSym(opTok, '==') ? '==' : '!=';
      return { op, key, value: stringLit(`a value after ${op}`) };
    }
    if (isWord(opTok, 'in')) return { op: 'in', key, values: set() };
    if (isWord(opTok, 'not')) {
      const inTok = next();
      if (!isWord(inTok, 'in')) fail(text, inTok.at, 'expected "in" after "not"');
      return { op: 'not in', key, values: set() };
    }
    if (isWord(opTok, 'contains')) return { op: 'contains', key, value: stringLit('a value after contains') };
    if (isWord(opTok, 'starts') || isWord(opTok, 'ends')) {
      const word = isWord(opTok, 'starts') ? 'starts' : 'ends';
      const withTok = next();
      if (!isWord(withTok, 'with')) fail(text, withTok.at, `expected "with" after "${word}"`);
      const op = word === 'starts' ? 'starts with' : 'ends with';
      return { op, key, value: stringLit(`a value after ${op}`) };
    }
    return fail(
      text,
      opTok.at,
      `expected an operator after label "${key}" (==, !=, in, not in, contains, starts with, ends with)`,
    );
  };
  const set = (): string[] => {
    expectSym('{', '"{" to open the set of values');
    const values: string[] = [];
    if (isSym(peek(), '}')) {
      next();
      return values;
    }
    for (;;) {
      values.push(stringLit('a value in the set'));
      const tok = next();
      if (isSym(tok, '}')) return values;
      if (!isSym(tok, ',')) fail(text, tok.at, 'expected "," or "}" in the set of values');
    }
  };

  const tree = or();
  const rest = peek();
  if (rest.t !== 'end') fail(text, rest.at, 'expected "&&", "||" or the end of the selector');
  return tree;
}

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

/** Does the selector match a resource with these labels? */
export function matchesCalicoSelector(sel: CalicoSelector, scope: CalicoScope): boolean {
  const { labels } = scope;
  switch (sel.op) {
    case 'all':
      return true;
    case 'global':
      return scope.global;
    case 'has':
      return has(labels, sel.key);
    case '==':
      return has(labels, sel.key) && labels[sel.key] === sel.value;
    case '!=':
      // "Matches resources without label 'k' or with label 'k' and value not equal to v".
      return !has(labels, sel.key) || labels[sel.key] !== sel.value;
    case 'in':
      return has(labels, sel.key) && sel.values.includes(labels[sel.key]!);
    case 'not in':
      return !has(labels, sel.key) || !sel.values.includes(labels[sel.key]!);
    case 'contains':
      return has(labels, sel.key) && labels[sel.key]!.includes(sel.value);
    case 'starts with':
      return has(labels, sel.key) && labels[sel.key]!.startsWith(sel.value);
    case 'ends with':
      return has(labels, sel.key) && labels[sel.key]!.endsWith(sel.value);
    case '!':
      return !matchesCalicoSelector(sel.expr, scope);
    case '&&':
      return matchesCalicoSelector(sel.left, scope) && matchesCalicoSelector(sel.right, scope);
    case '||':
      return matchesCalicoSelector(sel.left, scope) || matchesCalicoSelector(sel.right, scope);
  }
}

/** The selector written back in Calico's syntax, fully parenthesised where it matters. */
export function formatCalicoSelector(sel: CalicoSelector): string {
  const q = (v: string) => `'${v}'`;
  switch (sel.op) {
    case 'all':
    case 'global':
      return `${sel.op}()`;
    case 'has':
      return `has(${sel.key})`;
    case 'in':
    case 'not in':
      return `${sel.key} ${sel.op} {${sel.values.map(q).join(', ')}}`;
    case '!':
      return `!${sel.expr.op === '&&' || sel.expr.op === '||' ? `(${formatCalicoSelector(sel.expr)})` : formatCalicoSelector(sel.expr)}`;
    case '&&':
    case '||': {
      const side = (e: CalicoSelector) => (e.op === '||' && sel.op === '&&' ? `(${formatCalicoSelector(e)})` : formatCalicoSelector(e));
      return `${side(sel.left)} ${sel.op} ${side(sel.right)}`;
    }
    default:
      return `${sel.key} ${sel.op} ${q(sel.value)}`;
  }
}

/** Cache of parsed selectors by text: policies repeat the same few selectors. */
const parsed = new Map<string, CalicoSelector>();

/** parseCalicoSelector, memoised (the tree is immutable). */
export function calicoSelector(text: string): CalicoSelector {
  let s = parsed.get(text);
  if (!s) {
    s = parseCalicoSelector(text);
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(text, s);
  }
  return s;
}
