/**
 * Whatever text a user saves, parseSpec answers with a spec or with diagnostics that point inside the
 * text: never a raw exception (which the CLI would show as a bug) and never a place that does not exist.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { parseSpec } from '../helpers/spec';

const SPECS = path.join(__dirname, '..', 'fixtures', 'specs');
const SEEDS = ['example.yaml', 'full.yaml'].map((f) => readFileSync(path.join(SPECS, f), 'utf8'));
const FILE = path.join(SPECS, 'mutated.yaml');

// Characters that matter to YAML, so mutations hit its grammar rather than only the values.
const yamlChar = fc.constantFrom(...':-[]{},#&*!|>\'"%@`? \t\n\r\\/.0aZ~'.split(''), '\u00a0', '\ufeff', 'é');
const insertion = fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: yamlChar, maxLength: 4 }));

type Mutation = { readonly at: number; readonly remove: number; readonly insert: string };
const mutation = fc.record({ at: fc.nat(), remove: fc.nat({ max: 6 }), insert: insertion });

function mutate(text: string, mutations: readonly Mutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % (out.length + 1);
    out = out.slice(0, at) + m.insert + out.slice(at + m.remove);
  }
  return out;
}

function checkAnswer(text: string): void {
  try {
    parseSpec(text, FILE);
  } catch (err) {
    if (!(err instanceof DiagnosticError)) throw err;
    expect(err.diagnostics.length).toBeGreaterThan(0);
    // Lines as src/render/diagnostics.ts cuts them to show the source line (a lone CR is no line break there).
    const lines = text.split(/\r?\n/);
    for (const d of err.diagnostics) {
      expect(d.summary.length).toBeGreaterThan(0);
      if (!d.source) continue;
      expect(d.source.file).toBe(FILE);
      expect(d.source.line).toBeGreaterThanOrEqual(1);
      expect(d.source.line).toBeLessThanOrEqual(lines.length);
      expect(d.source.col).toBeGreaterThanOrEqual(1);
      expect(d.source.col).toBeLessThanOrEqual(lines[d.source.line - 1].length + 1);
    }
  }
}

test('mutated specs give a spec or diagnostics inside the text', () => {
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 5 }), (seed, mutations) => {
      checkAnswer(mutate(seed, mutations));
    }),
    { numRuns: 400 },
  );
});

test('arbitrary text gives a spec or diagnostics inside the text', () => {
  fc.assert(
    fc.property(fc.string({ unit: yamlChar, maxLength: 80 }), (text) => {
      checkAnswer(text);
    }),
    { numRuns: 300 },
  );
});

test('the mutations do reach the validators (not only the YAML parser)', () => {
  // Without this, a generator that always broke the YAML would make the properties above say little.
  const codes = new Set<string>();
  fc.assert(
    fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 2 }), (seed, mutations) => {
      try {
        parseSpec(mutate(seed, mutations), FILE);
      } catch (err) {
        if (err instanceof DiagnosticError) for (const d of err.diagnostics) codes.add(d.code);
      }
    }),
    { numRuns: 300, seed: 42 },
  );
  expect(codes).toContain('spec.yaml-syntax');
  expect([...codes].some((c) => c !== 'spec.yaml-syntax' && c !== 'spec.duplicate-key')).toBe(true);
});
