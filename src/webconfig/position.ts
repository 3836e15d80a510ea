/**
 * Offsets in the text -> 1-based line and column, as the diagnostics renderer shows them: lines end
 * at LF (a CRLF counts once), columns count UTF-16 units, and a leading BOM takes no column.
 * Built once per text so that many look-ups stay linear overall.
 */
export interface LineIndex {
  readonly lineStarts: readonly number[];
  readonly bom: boolean;
}

export function indexLines(text: string): LineIndex {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return { lineStarts, bom: text.charCodeAt(0) === 0xfeff };
}

export function lineCol(index: LineIndex, offset: number): { readonly line: number; readonly col: number } {
  const starts = index.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  const col = offset - starts[lo] + 1 - (lo === 0 && index.bom && offset > 0 ? 1 : 0);
  return { line: lo + 1, col };
}
