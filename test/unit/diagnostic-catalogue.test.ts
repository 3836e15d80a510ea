/**
 * Every diagnostic has a catalogued code (issue 10): docs/diagnostics.md lists each code hybridcfg can
 * emit, and this test reads the codes off the source, so that the catalogue and the code cannot drift.
 *
 * Where codes come from:
 * - TypeScript (src/**\/*.ts), parsed with the TypeScript compiler so that comments and file names are
 *   not mistaken for codes: every string literal shaped `prefix.name` whose prefix is a known one (any
 *   map such as FALLBACK or OWN_DETAIL in src/targets/powershell/errors.ts is caught that way), and,
 *   whatever the prefix, every literal in a place that makes a diagnostic: the first argument of
 *   error(), warning(), fail() and problem(), and the value of a `code:` or `failCode:` property.
 * - PowerShell (powershell/**, src/**\/*.ps1): the `[prefix.name]` at the start of a quoted message,
 *   which classifyError turns into that code, and quoted literals with a known prefix (FakeExchange's
 *   codes in calls.jsonl).
 * The known prefixes are those of the catalogue and of the literals in diagnostic-making places, so a
 * new prefix is picked up as soon as one error() call uses it.
 *
 * A code built at run time (`${command}.needs-confirmation`) cannot be checked: the test refuses it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { classifyError } from '../../src/targets/powershell/errors';

const ROOT = path.join(__dirname, '..', '..');
const CATALOGUE = 'docs/diagnostics.md';

/** `prefix.name`, lower case, words joined by hyphens; the prefix may be hyphenated (`force-unlock`). */
const CODE = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.([a-z0-9]+(?:-[a-z0-9]+)*)$/;
/** `lab.ts`, `plan.json`, `apply.html`: file names, not codes. */
const FILE_EXTENSIONS = new Set(['ts', 'js', 'json', 'jsonl', 'ps1', 'psm1', 'psd1', 'md', 'yaml', 'yml', 'config', 'xml', 'html', 'htm', 'txt', 'log', 'exe', 'dll', 'cer', 'pem', 'key', 'tmp', 'csv']);

type Severity = 'error' | 'warning';

interface Found {
  readonly code: string;
  /** file:line, relative to the repository. */
  readonly at: string;
  /** The literal sits where a diagnostic is made (so its prefix counts as known). */
  readonly place: boolean;
  /** How it is raised there, when the source says. */
  readonly severity?: Severity;
  /** A `[code]` message prefix of a script. */
  readonly bracket?: boolean;
}

function codeShape(text: string): RegExpExecArray | null {
  const m = CODE.exec(text);
  return m && !FILE_EXTENSIONS.has(m[2]) ? m : null;
}

function filesUnder(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...filesUnder(rel, exts));
    else if (exts.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

function severityIn(node: ts.Node | undefined): Severity | undefined {
  if (node === undefined || !ts.isObjectLiteralExpression(node)) return undefined;
  for (const p of node.properties) {
    if (!ts.isPropertyAssignment(p) || propertyName(p) !== 'severity') continue;
    let v: ts.Expression = p.initializer;
    while (ts.isAsExpression(v) || ts.isParenthesizedExpression(v) || ts.isSatisfiesExpression(v)) v = v.expression;
    if (ts.isStringLiteral(v) && (v.text === 'error' || v.text === 'warning')) return v.text;
  }
  return undefined;
}

function propertyName(p: ts.PropertyAssignment): string | undefined {
  return ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : undefined;
}

const calleeName = (call: ts.CallExpression): string | undefined => (ts.isIdentifier(call.expression) ? call.expression.text : undefined);

/**
 * Whether `node` is where a diagnostic's code is given, and with which severity:
 * error(code, ...) and fail(code, ...) make errors, warning(code, ...) warnings, problem(code, ...) an
 * error unless its fifth argument says `severity: 'warning'`; `{ severity, code }` says it itself; the
 * `{ code, ... }` of spec/load.ts's fail() is an error; failCode is the code of a failed call (an error).
 */
function codePlace(node: ts.Expression): { readonly severity?: Severity } | undefined {
  const parent = node.parent;
  if (ts.isCallExpression(parent) && parent.arguments[0] === node) {
    const name = calleeName(parent);
    if (name === 'error' || name === 'fail') return { severity: 'error' };
    if (name === 'warning') return { severity: 'warning' };
    if (name === 'problem') return { severity: severityIn(parent.arguments[4]) ?? 'error' };
    return undefined;
  }
  if (ts.isPropertyAssignment(parent) && parent.initializer === node) {
    const name = propertyName(parent);
    if (name === 'failCode') return { severity: 'error' };
    if (name !== 'code') return undefined;
    const object = parent.parent;
    const stated = severityIn(object);
    if (stated) return { severity: stated };
    if (ts.isCallExpression(object.parent) && calleeName(object.parent) === 'fail' && object.parent.arguments[0] === object) return { severity: 'error' };
    return {};
  }
  return undefined;
}

interface Template {
  readonly at: string;
  readonly text: string;
  /** The literal parts, with NUL for each `${...}`. */
  readonly flat: string;
  readonly place: boolean;
}

function typescriptCodes(rel: string): { found: Found[]; templates: Template[] } {
  const text = readFileSync(path.join(ROOT, rel), 'utf8');
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const at = (n: ts.Node) => `${rel}:${source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1}`;
  const found: Found[] = [];
  const templates: Template[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
      const place = codePlace(n);
      if (codeShape(n.text)) {
        found.push({ code: n.text, at: at(n), place: place !== undefined, ...(place?.severity ? { severity: place.severity } : {}) });
      }
      const prefixed = /^\[([^\]\s]+)\]/.exec(n.text);
      if (prefixed && codeShape(prefixed[1])) found.push({ code: prefixed[1], at: at(n), place: true, bracket: true });
    } else if (ts.isTemplateExpression(n)) {
      const flat = n.head.text + n.templateSpans.map((s) => '\0' + s.literal.text).join('');
      templates.push({ at: at(n), text: n.getText(source), flat, place: codePlace(n) !== undefined });
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return { found, templates };
}

/**
 * A template shaped like a code with a part filled in, where a diagnostic's code is given or with a
 * known prefix (`spec.${x}`) or a hyphenated name (`${command}.needs-confirmation`). verify's own
 * finding codes (`AADSTS${code}`, docs/verify.md) have no dot and are not diagnostics.
 */
function looksBuilt(t: Template, prefixes: ReadonlySet<string>): boolean {
  const m = /^([a-z0-9\0-]+)\.([a-z0-9\0-]+)$/.exec(t.flat);
  if (!m) return false;
  const [, left, right] = m;
  return t.place || prefixes.has(left) || (left === '\0' && /^[a-z0-9]+(?:-[a-z0-9]+)+$/.test(right));
}

/** Lines of a PowerShell file without its comments (whole-line `#` comments and `<# ... #>` blocks). */
function powershellLines(text: string): string[] {
  let inBlock = false;
  return text.split(/\r?\n/).map((line) => {
    if (inBlock) {
      const end = line.indexOf('#>');
      if (end < 0) return '';
      inBlock = false;
      line = line.slice(end + 2);
    }
    const start = line.indexOf('<#');
    if (start >= 0 && line.indexOf('#>', start) < 0) {
      inBlock = true;
      line = line.slice(0, start);
    }
    return /^\s*#/.test(line) ? '' : line;
  });
}

function powershellCodes(rel: string): Found[] {
  const found: Found[] = [];
  powershellLines(readFileSync(path.join(ROOT, rel), 'utf8')).forEach((line, i) => {
    const at = `${rel}:${i + 1}`;
    // The prefix of a thrown message: a quote, then [code] (what classifyError reads).
    for (const m of line.matchAll(/['"]\[([^\]\s'"]+)\]/g)) {
      if (codeShape(m[1])) found.push({ code: m[1], at, place: true, severity: 'error', bracket: true });
    }
    for (const m of line.matchAll(/'([^'\s]+)'|"([^"\s]+)"/g)) {
      const text = m[1] ?? m[2];
      if (codeShape(text)) found.push({ code: text, at, place: false });
    }
  });
  return found;
}

interface Entry {
  readonly code: string;
  readonly severities: readonly Severity[];
  readonly line: number;
  readonly group: string | undefined;
}

function readCatalogue(): { entries: Entry[]; problems: string[] } {
  const entries: Entry[] = [];
  const problems: string[] = [];
  let group: string | undefined;
  readFileSync(path.join(ROOT, CATALOGUE), 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      const heading = /^##\s+`([a-z0-9-]+)\.\*`/.exec(line);
      if (heading) group = heading[1];
      else if (/^##\s/.test(line)) group = undefined;
      const row = /^\|\s*`([^`]+)`\s*\|([^|]*)\|/.exec(line);
      if (!row) return;
      const [, code, cell] = row;
      const severities = cell.split(/,|\bor\b/).map((s) => s.trim()).filter((s) => s !== '');
      const bad = severities.filter((s) => s !== 'error' && s !== 'warning');
      if (!codeShape(code)) problems.push(`${CATALOGUE}:${i + 1}: \`${code}\` is not shaped like a code (prefix.name)`);
      if (severities.length === 0 || bad.length > 0) problems.push(`${CATALOGUE}:${i + 1}: \`${code}\` has severity "${cell.trim()}"; write error, warning, or "error, warning"`);
      entries.push({ code, severities: severities as Severity[], line: i + 1, group });
    });
  return { entries, problems };
}

const catalogue = readCatalogue();
const catalogued = new Map(catalogue.entries.map((e) => [e.code, e]));

const tsFiles = filesUnder('src', ['.ts']);
const psFiles = [...filesUnder('src', ['.ps1', '.psm1']), ...filesUnder('powershell', ['.ps1', '.psm1'])];
const fromTs = tsFiles.map(typescriptCodes);
const candidates: Found[] = [...fromTs.flatMap((r) => r.found), ...psFiles.flatMap(powershellCodes)];
const prefixOf = (code: string): string => code.split('.')[0]!;
const KNOWN_PREFIXES: ReadonlySet<string> = new Set([...catalogue.entries.map((e) => prefixOf(e.code)), ...candidates.filter((f) => f.place).map((f) => prefixOf(f.code))]);
const used: Found[] = candidates.filter((f) => f.place || KNOWN_PREFIXES.has(prefixOf(f.code)));
const built = fromTs.flatMap((r) => r.templates.filter((t) => looksBuilt(t, KNOWN_PREFIXES)).map((t) => `${t.at}: ${t.text}`));

function byCode(list: readonly Found[]): Map<string, Found[]> {
  const out = new Map<string, Found[]>();
  for (const f of list) out.set(f.code, [...(out.get(f.code) ?? []), f]);
  return out;
}
const uses = byCode(used);

describe(`${CATALOGUE}: the catalogue of diagnostic codes`, () => {
  it('finds the codes of the source at all (the extraction works)', () => {
    // Codes every build has: from an error() call, a `code:` property, a problem(), a map of errors.ts,
    // a script's [target.x] prefix, and the error JSON of a bug.
    const sample = ['plan.unknown-server', 'spec.encoding', 'spec.unknown-key', 'target.connect-failed', 'target.lock-server-missing', 'internal.bug'];
    expect(sample.filter((code) => !uses.has(code))).toEqual([]);
    expect(uses.get('target.lock-server-missing')!.some((f) => f.bracket && f.at.startsWith('powershell/scripts/'))).toBe(true);
    // File names and comments are not codes.
    expect([...uses.keys()].filter((c) => /\.(ts|json|ps1|html)$/.test(c))).toEqual([]);
  });

  it('is well-formed: one row per code, under the heading of its prefix, with a severity', () => {
    const problems = [...catalogue.problems];
    const seen = new Map<string, number>();
    for (const e of catalogue.entries) {
      const first = seen.get(e.code);
      if (first !== undefined) problems.push(`${CATALOGUE}:${e.line}: \`${e.code}\` is catalogued again (first at line ${first})`);
      else seen.set(e.code, e.line);
      const prefix = prefixOf(e.code);
      if (e.group !== prefix) problems.push(`${CATALOGUE}:${e.line}: \`${e.code}\` sits under ${e.group ? `\`${e.group}.*\`` : 'no prefix heading'}; move it under "## \`${prefix}.*\`"`);
    }
    expect(problems).toEqual([]);
  });

  it('catalogues every code the source raises', () => {
    const missing = [...uses.entries()].filter(([code]) => !catalogued.has(code)).sort(([a], [b]) => a.localeCompare(b));
    const message =
      missing.length === 0
        ? ''
        : `${CATALOGUE} lacks ${missing.length} code(s) the source raises; add a row for each under its prefix's heading:\n` +
          missing.map(([code, at]) => `  ${code}  (${at.map((f) => f.at).join(', ')})`).join('\n');
    expect(message).toBe('');
  });

  it('catalogues no code that the source no longer raises', () => {
    const stale = catalogue.entries.filter((e) => !uses.has(e.code));
    const message =
      stale.length === 0
        ? ''
        : `${CATALOGUE} lists ${stale.length} code(s) that nothing in src/ or powershell/ raises any more; remove their rows:\n` +
          stale.map((e) => `  ${e.code}  (${CATALOGUE}:${e.line})`).join('\n');
    expect(message).toBe('');
  });

  it('gives each code the severity the source raises it with', () => {
    const wrong: string[] = [];
    for (const [code, found] of uses) {
      const entry = catalogued.get(code);
      if (!entry) continue;
      const raised = new Set(found.flatMap((f) => (f.severity ? [f.severity] : [])));
      for (const s of raised) {
        if (entry.severities.includes(s)) continue;
        const where = found.filter((f) => f.severity === s).map((f) => f.at);
        wrong.push(`${code}: raised as ${s} at ${where.join(', ')}, catalogued as ${entry.severities.join(', ')} (${CATALOGUE}:${entry.line})`);
      }
      // A place whose severity the source does not say (a `code:` of a map) may raise it either way.
      const unsaid = found.some((f) => f.place && !f.severity && !f.bracket);
      if (unsaid || raised.size === 0) continue;
      for (const s of entry.severities) {
        if (!raised.has(s)) wrong.push(`${code}: catalogued as ${s} (${CATALOGUE}:${entry.line}), but the source raises it only as ${[...raised].join(', ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no code built at run time, which it could not check', () => {
    // Spell each code out (a map of literals, as src/cli/host.ts does for needs-confirmation).
    expect(built).toEqual([]);
  });

  it("uses, in the scripts' [code] prefixes, only codes that classifyError passes on", () => {
    const lost = used
      .filter((f) => f.bracket && !/\.ts:\d+$/.test(f.at))
      .flatMap((f) => {
        const d = classifyError({ message: `[${f.code}] what the script said` }, { call: 'readServer' });
        return d.code === f.code ? [] : [`${f.at}: [${f.code}] becomes ${d.code}`];
      });
    expect(lost).toEqual([]);
  });
});
