/** Diagnostics for people: `Error: summary`, the place (file:line:col) with the line itself, then the detail. */
import { readFileSync } from 'node:fs';
import type { Diagnostic } from '../diag/diagnostic';
import { paint } from './style';

function sourceLine(file: string, line: number): string | undefined {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1];
  } catch {
    return undefined;
  }
}

export function renderDiagnostic(d: Diagnostic, opts: { color: boolean }): string {
  const label = d.severity === 'error' ? paint('Error', 'red', opts.color) : paint('Warning', 'yellow', opts.color);
  const lines = [`${label}: ${d.summary}`];
  if (d.source) {
    lines.push(`  at ${d.source.file}:${d.source.line}:${d.source.col}`);
    const text = sourceLine(d.source.file, d.source.line);
    if (text !== undefined) {
      const gutter = String(d.source.line);
      lines.push(`  ${gutter} | ${text}`);
      lines.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, d.source.col - 1))}^`);
    }
  }
  if (d.detail) lines.push(...d.detail.split('\n').map((l) => `  ${l}`));
  return lines.join('\n') + '\n';
}

export function renderDiagnostics(list: readonly Diagnostic[], opts: { color: boolean }): string {
  return list.map((d) => renderDiagnostic(d, opts)).join('\n');
}
