/** The two diffs a reviewer needs: a token list in order (web.config) and a permission set (partner apps). */

export type TokenOp = 'same' | 'added' | 'removed';

export interface TokenDiffEntry {
  readonly token: string;
  readonly op: TokenOp;
}

/**
 * Order-preserving diff of two token lists (longest common subsequence), so that a token appended at
 * the end shows at the end and a removed one shows where it was. Lists are short (a dozen profiles).
 */
export function diffTokens(before: readonly string[], after: readonly string[]): readonly TokenDiffEntry[] {
  const n = before.length;
  const m = after.length;
  // lcs[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: TokenDiffEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ token: before[i], op: 'same' });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      // A replaced token reads as "old, then new", as in a line diff.
      out.push({ token: before[i], op: 'removed' });
      i++;
    } else {
      out.push({ token: after[j], op: 'added' });
      j++;
    }
  }
  return out;
}

export interface SetDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly kept: readonly string[];
}

/** Permissions are a set to Exchange: order does not matter, so neither does it here. */
export function diffSet(before: readonly string[], after: readonly string[]): SetDiff {
  const b = new Set(before);
  const a = new Set(after);
  return {
    added: [...a].filter((x) => !b.has(x)),
    removed: [...b].filter((x) => !a.has(x)),
    kept: [...a].filter((x) => b.has(x)),
  };
}
