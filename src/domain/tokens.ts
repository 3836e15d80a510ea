/** A `|`-separated token list such as OAuthHttpModule.Profiles, edited in place. */

export function splitTokens(value: string, separator: string): string[] {
  return value === '' ? [] : value.split(separator);
}

/**
 * Ensure `include` are present and `exclude` absent. Existing order is kept, new tokens are appended
 * in the order given; matching is exact and case-sensitive, as Exchange's is. Empty tokens already in
 * the value (from `a||b`) are kept: they are not ours to tidy.
 */
export function editTokens(
  value: string,
  edit: { readonly include?: readonly string[]; readonly exclude?: readonly string[] },
  separator: string,
): string {
  const exclude = new Set(edit.exclude ?? []);
  const tokens = splitTokens(value, separator).filter((t) => !exclude.has(t));
  for (const t of edit.include ?? []) {
    if (!tokens.includes(t) && !exclude.has(t)) tokens.push(t);
  }
  return tokens.join(separator);
}

/** Levenshtein distance, for "did you mean" suggestions on short names. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest candidate, compared case-insensitively, when it is close enough to be a likely typo. */
export function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase().trim(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}
