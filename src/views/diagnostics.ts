/** Diagnostics for people: `Error: summary`, the place (file:line:col) with the line itself, then the detail. */
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../diag/diagnostic';
import { paint, printable, printableLines } from './style';

function sourceLine(file: string, line: number): string | undefined {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}

/** Word-wraps one line of prose at `width`, keeping its own leading spaces on every piece. */
export function wrapWords(line: string, indent: string, width = 100): string[] {
  const lead = indent + (/^ */.exec(line)?.[0] ?? '');
  const words = line.trim().split(/ +/);
  const out: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur !== '' && lead.length + cur.length + 1 + w.length > width) {
      out.push(lead + cur);
      cur = w;
    } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  out.push(lead + cur);
  return out;
}

export function renderDiagnostic(d: Diagnostic, opts: { color: boolean }): string {
  const label = d.severity === 'error' ? paint('Error', 'red', opts.color) : paint('Warning', 'yellow', opts.color);
  // Summaries and details quote live names and file contents: no control character reaches the terminal raw.
  const lines = [`${label}: ${printable(d.summary)}`];
  if (d.source) {
    lines.push(`  at ${printable(d.source.file)}:${d.source.line}:${d.source.col}`);
    const text = sourceLine(d.source.file, d.source.line);
    if (text !== undefined) {
      const gutter = String(d.source.line);
      lines.push(`  ${gutter} | ${printable(text)}`);
      lines.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, d.source.col - 1))}^`);
    }
  }
  // A line indented by four spaces is preformatted (a diff, a listing): shown as it is, not wrapped.
  if (d.detail) for (const l of printableLines(d.detail).split('\n')) lines.push(...(l.startsWith('    ') ? [`  ${l}`] : wrapWords(l, '  ')));
  return lines.join('\n') + '\n';
}

export function renderDiagnostics(list: readonly Diagnostic[], opts: { color: boolean }): string {
  return list.map((d) => renderDiagnostic(d, opts)).join('\n');
}
