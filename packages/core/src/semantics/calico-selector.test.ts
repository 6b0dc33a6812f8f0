import { describe, expect, it } from 'vitest';
import { formatCalicoSelector, matchesCalicoSelector, parseCalicoSelector } from './calico-selector.js';

const matches = (sel: string, labels: Record<string, string>, global = false) =>
  matchesCalicoSelector(parseCalicoSelector(sel), { labels, global });

describe('Calico selectors', () => {
  it('match operators as the selector table of the docs defines them', () => {
    const web = { app: 'web', tier: 'front', 'my-label': 'production' };
    expect(matches("app == 'web' && has(tier)", web)).toBe(true);
    expect(matches("app == 'web' && has(role)", web)).toBe(false);
    // "k != 'v': Matches resources without label 'k' or with label 'k' and value not equal to v"
    expect(matches("role != 'db'", web)).toBe(true);
    expect(matches("app != 'web'", web)).toBe(false);
    expect(matches("app in {'web', 'api'}", web)).toBe(true);
    expect(matches("role in {'web'}", web)).toBe(false);
    expect(matches("role not in {'web'}", web)).toBe(true);
    expect(matches("app not in {'web'}", web)).toBe(false);
    expect(matches("my-label contains 'duct'", web)).toBe(true);
    expect(matches("my-label starts with 'prod'", web)).toBe(true);
    expect(matches("my-label ends with 'prod'", web)).toBe(false);
    expect(matches("nothere contains ''", web)).toBe(false);
    expect(matches('all()', {})).toBe(true);
    expect(matches('!all()', web)).toBe(false);
    expect(matches('global()', {}, true)).toBe(true);
    expect(matches('global()', {}, false)).toBe(false);
    expect(matches('', {})).toBe(true);
    expect(matches('app == "web"', web)).toBe(true);
    expect(matches("projectcalico.org/name == 'prod'", { 'projectcalico.org/name': 'prod' })).toBe(true);
  });

  it('binds ! tighter than && tighter than ||, as the docs bracket their example', () => {
    const sel = "! has(my-label) || my-label starts with 'prod' && role in {'frontend','business'}";
    expect(formatCalicoSelector(parseCalicoSelector(sel))).toBe(
      "!has(my-label) || my-label starts with 'prod' && role in {'frontend', 'business'}",
    );
    // "It would match: Any resource that did not have label my-label."
    expect(matches(sel, {})).toBe(true);
    // "Any resource that both: Has a value for my-label that starts with prod, and, Has a role label ..."
    expect(matches(sel, { 'my-label': 'prod-1', role: 'business' })).toBe(true);
    expect(matches(sel, { 'my-label': 'prod-1', role: 'db' })).toBe(false);
    expect(matches("!(has(a) || has(b))", { b: '1' })).toBe(false);
    expect(matches("(has(a) || has(b)) && has(c)", { b: '1' })).toBe(false);
  });

  it('says where a selector is wrong and what was expected', () => {
    const err = (s: string) => {
      try {
        parseCalicoSelector(s);
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(err("app == web")).toBe('selector "app == web": expected a value after == (a quoted string) at column 8 ("web")');
    expect(err("app = 'web'")).toMatch(/unexpected character "=" at column 5/);
    expect(err("app == 'web")).toMatch(/unterminated string \(no closing '\) at column 8/);
    expect(err("has(app")).toMatch(/expected "\)" to close has\( at the end/);
    expect(err("app in {'a' 'b'}")).toMatch(/expected "," or "}" in the set of values at column 13/);
    expect(err("app not 'a'")).toMatch(/expected "in" after "not" at column 9/);
    expect(err("app starts 'a'")).toMatch(/expected "with" after "starts"/);
    expect(err("app == 'a' &&")).toMatch(/expected a label name, has\(...\), all\(\), global\(\), "!" or "\(" at the end/);
    expect(err("(app == 'a'")).toMatch(/expected "\)" to close the parenthesis at the end/);
    expect(err("app == 'a' b")).toMatch(/expected "&&", "\|\|" or the end of the selector at column 12/);
    expect(err('app')).toMatch(/expected an operator after label "app"/);
  });
});
