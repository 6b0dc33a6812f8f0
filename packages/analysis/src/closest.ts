/**
 * The few existing names closest to a mistyped one, for "matches nothing; closest: …" input
 * errors: a typo gets a hint, never an empty answer.
 */

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function closest(name: string, candidates: Iterable<string>, n = 3): string[] {
  const scored = [...new Set(candidates)].map((c) => {
    const d = editDistance(name, c);
    // A candidate containing the typed name (or its last segment) is a better hint than the edit distance says.
    const tail = name.split('/').pop() ?? name;
    return { c, d: c.includes(tail) ? Math.min(d, 1) : d };
  });
  scored.sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1));
  return scored.slice(0, n).map((s) => s.c);
}

/** `; closest: a, b` or nothing, to end an error message with. */
export function closestHint(name: string, candidates: Iterable<string>): string {
  const hint = closest(name, candidates);
  return hint.length ? `; closest: ${hint.join(', ')}` : '';
}
