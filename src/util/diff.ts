/**
 * A line diff for people (`- old`, `+ new`, with a few lines of context), for the places where hybridcfg
 * refuses to write and must show the whole difference instead. Longest common subsequence over lines;
 * beyond MAX_CELLS (two very large, very different files) the files are shown as removed and added.
 */
const MAX_CELLS = 25_000_000;

export function lineDiff(before: string, after: string, context = 3): string {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const ops: { op: ' ' | '-' | '+'; line: string; at: number }[] = [];
  for (let i = 0; i < start; i++) ops.push({ op: ' ', line: a[i]!, at: i });
  if (midA.length * midB.length > MAX_CELLS) {
    midA.forEach((l, i) => ops.push({ op: '-', line: l, at: start + i }));
    midB.forEach((l) => ops.push({ op: '+', line: l, at: -1 }));
  } else {
    const n = midA.length;
    const m = midB.length;
    const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ op: ' ', line: midA[i]!, at: start + i });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
        ops.push({ op: '-', line: midA[i]!, at: start + i });
        i++;
      } else {
        ops.push({ op: '+', line: midB[j]!, at: -1 });
        j++;
      }
    }
  }
  for (let i = endA; i < a.length; i++) ops.push({ op: ' ', line: a[i]!, at: i });
  const keep = ops.map((o, k) => o.op !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.op !== ' '));
  const out: string[] = [];
  let skipped = false;
  ops.forEach((o, k) => {
    if (!keep[k]) {
      if (!skipped) out.push('  ...');
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${o.op} ${o.line}`);
  });
  return out.join('\n');
}
