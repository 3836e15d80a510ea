/**
 * Reading a spec: YAML with source positions, the JSON Schema, then the checks the schema cannot make.
 * Every problem becomes a Diagnostic with file:line:col; all of them are reported at once.
 */
import { createHash } from 'node:crypto';
import { NotAFileError, readFileBounded } from '../util/fs';
import * as nodePath from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import { DiagnosticError, type Diagnostic, type SourceRange } from '../diag/diagnostic';
import { coreProblems } from './checks';
import { sourceMap, type SourceMap } from './positions';
import type { Problem } from './problem';
import { schemaProblems } from './schema';
import type { LoadedSpec, Spec, SpecSection, TargetSpec } from './types';

/** A spec is a few kilobytes; anything past this is not one. */
export const SPEC_MAX_BYTES = 10 * 1024 * 1024;

/** Reads and checks a spec whose resource sections are those of `sections` (the registry's kinds). */
export async function loadSpec(file: string, sections: readonly SpecSection[]): Promise<LoadedSpec> {
  const path = nodePath.resolve(file);
  let bytes: Buffer;
  try {
    // Bounded and non-blocking: a spec path on a device, a FIFO or a pseudo-file never hangs the read.
    bytes = await readFileBounded(path, SPEC_MAX_BYTES);
  } catch (err) {
    if (err instanceof NotAFileError) {
      throw new DiagnosticError({
        severity: 'error',
        code: err.why === 'not-a-file' ? 'spec.not-a-file' : 'spec.too-large',
        summary: err.why === 'not-a-file' ? `${path} is not a regular file (a device, a pipe or a folder)` : `${path} is larger than ${SPEC_MAX_BYTES} bytes: it is not a spec`,
        detail: 'Give the path of the YAML spec file.',
      });
    }
    throw new DiagnosticError(readFailure(path, err));
  }
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text, so that the text's bytes are the file's bytes (the digest) and
    // columns match what an editor shows.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new DiagnosticError({
      severity: 'error',
      code: 'spec.encoding',
      summary: `${path} is not UTF-8 text`,
      detail: 'Save the spec as UTF-8 (any editor can; in PowerShell 5.1 use Out-File -Encoding utf8).',
      source: { file: path, line: 1, col: 1 },
    });
  }
  return parseSpec(text, path, sections);
}

function readFailure(path: string, err: unknown): Diagnostic {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return {
      severity: 'error',
      code: 'spec.file-not-found',
      summary: `Spec file ${path} does not exist`,
      detail: 'Give the path of the spec (default: hybridcfg.yaml in the current folder). `hybridcfg validate --help` shows an example spec.',
    };
  }
  if (code === 'EISDIR') {
    return {
      severity: 'error',
      code: 'spec.file-not-found',
      summary: `${path} is a folder, not a spec file`,
      detail: 'Give the path of the YAML file, e.g. ' + nodePath.join(path, 'hybridcfg.yaml') + '.',
    };
  }
  return {
    severity: 'error',
    code: 'spec.unreadable',
    summary: `Cannot read spec file ${path}: ${(err as Error).message}`,
    detail: code === 'EACCES' || code === 'EPERM' ? 'Check that your account may read the file.' : undefined,
  };
}

/** Pure: `path` only names the file in diagnostics and anchors the spec's relative paths. */
export function parseSpec(text: string, path: string, sections: readonly SpecSection[]): LoadedSpec {
  const file = nodePath.resolve(path);
  const dir = nodePath.dirname(file);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const at = positionsIn(text, file);

  const yamlErrors = firstYamlErrors([...doc.errors, ...doc.warnings]).map((e) => yamlDiagnostic(e, at));
  if (yamlErrors.length > 0) throw new DiagnosticError(dedupe(yamlErrors));

  if (doc.contents === null) {
    fail({
      code: 'spec.empty',
      summary: `${file} is empty`,
      detail: 'A spec needs at least apiVersion, kind, target and servers. `hybridcfg validate --help` shows an example.',
      source: at(0),
    });
  }
  let data: unknown;
  try {
    // maxAliasCount guards against alias bombs (a few lines that expand to gigabytes).
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail({ code: 'spec.yaml-syntax', summary: `${file} is not valid YAML: ${(err as Error).message}`, source: at(doc.contents?.range?.[0]) });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    fail({
      code: 'spec.not-a-mapping',
      summary: `${file} must be a YAML mapping (key: value lines), not ${Array.isArray(data) ? 'a list' : 'a single value'}`,
      detail: 'The spec starts with `apiVersion: hybridcfg/v1` and `kind: HybridOAuth` at the left margin.',
      source: at(doc.contents?.range?.[0]),
    });
  }

  const map = sourceMap(doc, text);
  const toDiagnostics = (problems: readonly Problem[]) => problems.map((p) => problemDiagnostic(p, map, at));
  const fromSchema = toDiagnostics(schemaProblems(data, sections));
  if (fromSchema.length > 0) throw new DiagnosticError(dedupe(fromSchema));

  const raw = data as Spec;
  const sectionProblems = sections.flatMap((s) =>
    Array.isArray(raw[s.specKey]) && s.checkSpec ? s.checkSpec(raw[s.specKey] as readonly unknown[], { pointer: `/${s.specKey}`, spec: raw }) : [],
  );
  const found = dedupe(toDiagnostics([...coreProblems(raw), ...sectionProblems]));
  const errors = found.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new DiagnosticError(found);

  return {
    spec: resolveSpec(raw, dir, sections),
    path: file,
    dir,
    digest: createHash('sha256').update(text, 'utf8').digest('hex'),
    locate: (pointer) => {
      const offset = map.keyOffset(pointer);
      return offset === undefined ? undefined : at(offset);
    },
    ...(found.length > 0 ? { warnings: found } : {}),
  };
}

/**
 * Offsets to line:col. yaml's LineCounter is fed by the lexer and misses line breaks inside tokens
 * that error recovery makes (a plain scalar swallowing the next line), so positions after a syntax
 * error drift; counting `\n` in the text cannot. A lone CR is not a line break, as in the renderer.
 */
function positionsIn(text: string, file: string): (offset: number | undefined) => SourceRange {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return (offset) => {
    const o = Math.max(0, Math.min(offset ?? 0, text.length));
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: o - lineStarts[lo] + 1 };
  };
}

/**
 * After the first syntax error the parser's recovery reports every following token as unexpected:
 * noise that buries the real mistake. Keep duplicate keys and unknown tags before it, and it.
 */
function firstYamlErrors(errors: readonly YAMLError[]): YAMLError[] {
  const sorted = [...errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const independent = new Set(['DUPLICATE_KEY', 'TAG_RESOLVE_FAILED']);
  const firstSyntax = sorted.findIndex((e) => !independent.has(e.code));
  return firstSyntax < 0 ? sorted : sorted.slice(0, firstSyntax + 1);
}

function fail(d: Omit<Diagnostic, 'severity'>): never {
  throw new DiagnosticError({ severity: 'error', ...d });
}

function yamlDiagnostic(e: YAMLError, at: (offset: number | undefined) => SourceRange): Diagnostic {
  const source = at(e.pos[0]);
  if (e.code === 'DUPLICATE_KEY') {
    return {
      severity: 'error',
      code: 'spec.duplicate-key',
      summary: 'The same key appears twice in one mapping',
      detail: 'YAML would keep only one of the two values. Remove or merge one of them.',
      source,
    };
  }
  if (e.code === 'MULTIPLE_DOCS') {
    return {
      severity: 'error',
      code: 'spec.multiple-documents',
      summary: 'The spec file holds more than one YAML document (a `---` line after content)',
      detail: 'Keep one spec per file: remove the `---` line and what follows, or move it into its own file.',
      source,
    };
  }
  if (e.code === 'TAG_RESOLVE_FAILED') {
    return {
      severity: 'error',
      code: 'spec.yaml-syntax',
      summary: `Unknown YAML tag: ${firstLine(e.message)}`,
      detail: 'A spec needs no tags (words starting with `!`); quote the value if the `!` is part of it.',
      source,
    };
  }
  return {
    severity: 'error',
    code: 'spec.yaml-syntax',
    summary: `Not valid YAML: ${firstLine(e.message)}`,
    detail: 'Check the indentation (spaces, not tabs) and the quotes on this line and the one before it.',
    source,
  };
}

function firstLine(message: string): string {
  const line = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  // The lexer's token names (flow-map-end, map-value-ind) mean nothing to a reader; the text does.
  const unexpected = /^Unexpected [\w-]+ token in YAML stream: "(.*)"$/.exec(line);
  return unexpected ? `unexpected \`${unexpected[1].split('\n')[0]}\` here` : line;
}

function problemDiagnostic(p: Problem, map: SourceMap, at: (offset: number | undefined) => SourceRange): Diagnostic {
  let offset = p.at === 'key' ? map.keyOffset(p.pointer) : map.valueOffset(p.pointer);
  if (p.within !== undefined) {
    const scalar = map.scalarSource(p.pointer);
    if (scalar) offset = scalar.offset + offsetInScalar(scalar.raw, p.within);
  }
  return {
    severity: p.severity,
    code: p.code,
    summary: p.summary,
    ...(p.detail ? { detail: p.detail } : {}),
    ...(offset !== undefined ? { source: at(offset) } : {}),
    path: p.pointer,
  };
}

/**
 * Where character `index` of a scalar's value sits in its source: the same place in a plain scalar, one
 * further in a quoted one. Escapes and folded lines break that mapping: then the scalar's start.
 */
function offsetInScalar(raw: string, index: number): number {
  if (raw.includes('\n')) return 0;
  if (raw.startsWith('"')) return raw.includes('\\') ? 0 : index + 1;
  if (raw.startsWith("'")) return raw.slice(1, -1).includes("''") ? 0 : index + 1;
  if (/^[|>]/.test(raw)) return 0;
  return index;
}

/** One diagnostic per problem and place, in file order. */
function dedupe(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.code}\0${d.summary}\0${d.source?.line}:${d.source?.col}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out
    .map((d, i) => [d, i] as const)
    .sort(([a, i], [b, j]) => (a.source?.line ?? 0) - (b.source?.line ?? 0) || (a.source?.col ?? 0) - (b.source?.col ?? 0) || i - j)
    .map(([d]) => d);
}

/** Relative paths become absolute (against the spec's folder); each kind normalises its own section. */
function resolveSpec(raw: Spec, dir: string, sections: readonly SpecSection[]): Spec {
  const abs = (p: string) => nodePath.resolve(dir, p);
  const target: TargetSpec =
    'lab' in raw.target
      ? { lab: abs(raw.target.lab) }
      : { powershell: { ...raw.target.powershell, ...(raw.target.powershell.lab !== undefined ? { lab: abs(raw.target.powershell.lab) } : {}) } };
  const normalized: Record<string, unknown> = {};
  for (const s of sections) {
    const entries = raw[s.specKey];
    if (Array.isArray(entries) && s.normalize) normalized[s.specKey] = s.normalize(entries, { dir });
  }
  return {
    ...raw,
    target,
    ...normalized,
    ...(raw.verify?.certificate
      ? {
          verify: {
            ...raw.verify,
            certificate: { certificateFile: abs(raw.verify.certificate.certificateFile), privateKeyFile: abs(raw.verify.certificate.privateKeyFile) },
          },
        }
      : {}),
  };
}
