/**
 * The assembled JSON Schema (src/spec/assemble.ts) as a validator, and ajv's errors turned into
 * problems an Exchange admin can act on: the key by its path in the YAML, what it must be, what was found.
 */
import { existsSync } from 'node:fs';
import * as nodePath from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { suggest } from '../domain/tokens';
import { sha256 } from '../util/hash';
import { schemaText } from './assemble';
import { describePointer, joinPointer } from './pointer';
import { problem, type Problem } from './problem';
import type { SpecSection } from './types';

/**
 * The validator the build generates from the schema (scripts/build-validator.js, ajv standalone code):
 * loading it takes about 5 ms, where loading ajv and compiling the schema takes about 100 ms of every
 * run of validate, plan and apply (bench/RESULTS.md). It exists only in dist/; from src/ (tests) the
 * schema is compiled at run time.
 */
export const GENERATED_VALIDATOR = 'schema-validator.js';

/** Validators by the sha256 of their schema's text: compiling costs more than validating many specs. */
const compiled = new Map<string, ValidateFunction>();
const bySections = new WeakMap<readonly SpecSection[], ValidateFunction>();

/**
 * Annotations in the schema for editors (yaml-language-server, VS Code): a description per enum value
 * and a readable message for a pattern. They validate nothing; ajv's strict mode must be told of them.
 */
export const EDITOR_KEYWORDS: readonly string[] = ['markdownEnumDescriptions', 'enumDescriptions', 'patternErrorMessage'];

export function schemaSha256(text: string): string {
  return sha256(text);
}

/**
 * Compiles the schema with ajv. The build compiles with `source: true` to generate the standalone
 * validator, the run-time fallback without: the options are these in both, so both report alike.
 */
export function compileSchema(text: string, opts: { source?: boolean } = {}): { ajv: import('ajv').default; validate: ValidateFunction } {
  // Loaded here only: ajv is the heaviest module of a run and the generated validator does not need it.
  const { default: Ajv2020 } = require('ajv/dist/2020') as typeof import('ajv/dist/2020');
  const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
  // verbose: errors carry the failing value and the schema around it, which the messages below use.
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true, code: { source: opts.source === true } });
  addFormats(ajv);
  ajv.addVocabulary([...EDITOR_KEYWORDS]);
  return { ajv, validate: ajv.compile(JSON.parse(text) as object) };
}

/**
 * The validator of the schema these sections assemble into: the generated one when it was built from
 * the same schema text (the built-in kinds), else compiled once per process on first use (a schema
 * edited after the build, or kinds added by a test or an embedder).
 */
function validator(sections: readonly SpecSection[]): ValidateFunction {
  const known = bySections.get(sections);
  if (known) return known;
  const text = schemaText(sections);
  const sha = schemaSha256(text);
  let found = compiled.get(sha);
  if (!found) {
    const generated = nodePath.join(__dirname, GENERATED_VALIDATOR);
    if (existsSync(generated)) {
      const aot = require(generated) as ValidateFunction & { schemaSha256?: string };
      if (aot.schemaSha256 === sha) found = aot;
    }
    found ??= compileSchema(text).validate;
    compiled.set(sha, found);
  }
  bySections.set(sections, found);
  return found;
}

export function schemaProblems(data: unknown, sections: readonly SpecSection[]): Problem[] {
  const validate = validator(sections);
  if (validate(data)) return [];
  // A kind may leave some of the schema's errors to its own checks, which say more (its schema has them for editors).
  const leftToKinds = (e: ErrorObject) => sections.some((s) => s.leavesToChecks?.(e.instancePath, e.keyword, e.schemaPath) === true);
  return explain((validate.errors ?? []).filter((e) => !leftToKinds(e)));
}

type SchemaNode = {
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly examples?: readonly unknown[];
  readonly properties?: Record<string, unknown>;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
};

const SHAPE_KEYWORDS = new Set(['additionalProperties', 'required', 'minProperties', 'maxProperties']);

function isUnder(path: string, base: string): boolean {
  return path === base || path.startsWith(base + '/');
}

/**
 * A `oneOf` failure comes with the errors of every branch, most of them beside the point (a string
 * value is reported as "must be array", "must be null" and "must be object"). Pick the branch the user
 * evidently meant (same JSON type, and its keys fit) and report its errors; when there is no such
 * branch, or the value itself is wrong, one message lists the accepted forms.
 */
function explain(errors: readonly ErrorObject[]): Problem[] {
  const composites = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .sort((a, b) => a.instancePath.length - b.instancePath.length || a.schemaPath.length - b.schemaPath.length);
  const consumed = new Set<ErrorObject>();
  const out: Problem[] = [];
  for (const o of composites) {
    if (consumed.has(o)) continue;
    consumed.add(o);
    const branches = o.schema as readonly SchemaNode[];
    const branchErrors = branches.map((_, i) =>
      errors.filter(
        (e) => e !== o && isUnder(e.instancePath, o.instancePath) && e.schemaPath.startsWith(`${o.schemaPath}/${i}/`),
      ),
    );
    for (const list of branchErrors) for (const e of list) consumed.add(e);
    const chosen = chooseBranch(branches, branchErrors, o);
    if (chosen === undefined) out.push(formsProblem(o, branches));
    else out.push(...explain(branchErrors[chosen]));
  }
  for (const e of errors) if (!consumed.has(e)) out.push(...leafProblem(e));
  return out;
}

function chooseBranch(
  branches: readonly SchemaNode[],
  branchErrors: readonly (readonly ErrorObject[])[],
  o: ErrorObject,
): number | undefined {
  // Passing more than one branch is a schema bug (branches are meant to be disjoint): list the forms.
  if (Array.isArray((o.params as { passingSchemas?: unknown }).passingSchemas)) return undefined;
  const type = jsonType(o.data);
  let candidates = branches.map((_, i) => i).filter((i) => branches[i].type === type);
  if (candidates.length > 1) {
    const shapeErrors = (i: number) =>
      branchErrors[i].filter((e) => e.instancePath === o.instancePath && SHAPE_KEYWORDS.has(e.keyword)).length;
    const fewest = Math.min(...candidates.map(shapeErrors));
    candidates = candidates.filter((i) => shapeErrors(i) === fewest);
  }
  if (candidates.length !== 1) return undefined;
  const [chosen] = candidates;
  // The value itself is wrong for the branch (`servers: al`): the list of forms says more than "must be `all`".
  const valueWrong = branchErrors[chosen].some((e) => e.instancePath === o.instancePath && !SHAPE_KEYWORDS.has(e.keyword));
  return valueWrong ? undefined : chosen;
}

function formsProblem(o: ErrorObject, branches: readonly SchemaNode[]): Problem {
  const forms = branches.map((b) => b.title ?? b.type ?? 'another form');
  const list = forms.length > 1 ? `${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1]}` : forms[0];
  return problem(
    'spec.wrong-type',
    o.instancePath,
    `\`${describePointer(o.instancePath)}\` must be ${list}`,
    `Found ${describeValue(o.data)}.${examplesHint(o.parentSchema as SchemaNode | undefined)}`,
  );
}

function leafProblem(e: ErrorObject): Problem[] {
  const where = describePointer(e.instancePath);
  const parent = e.parentSchema as SchemaNode | undefined;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys(parent?.properties ?? {});
      const guess = suggest(key, allowed);
      const place = e.instancePath === '' ? 'at the top level' : `in \`${where}\``;
      return [
        problem(
          'spec.unknown-key',
          joinPointer(e.instancePath, key),
          `Unknown key \`${key}\` ${place}${guess ? `: did you mean \`${guess}\`?` : ''}`,
          allowed.length > 0 ? `Keys allowed here: ${allowed.map((k) => `\`${k}\``).join(', ')}.` : undefined,
          { at: 'key' },
        ),
      ];
    }
    case 'required': {
      const key = String(params.missingProperty);
      const sub = (parent?.properties?.[key] ?? {}) as SchemaNode;
      return [
        problem(
          'spec.missing-key',
          e.instancePath,
          `${e.instancePath === '' ? 'The spec' : `\`${where}\``} needs \`${key}\``,
          [sub.description, examplesHint(sub, key).trim()].filter(Boolean).join(' ') || undefined,
          { at: 'key' },
        ),
      ];
    }
    case 'type':
      return [
        problem(
          'spec.wrong-type',
          e.instancePath,
          `\`${where}\` must be ${typeName(String(params.type))}, not ${describeValue(e.data)}`,
          typeHint(String(params.type), e.data) + examplesHint(parent),
        ),
      ];
    case 'const':
    case 'enum': {
      const allowed = (e.keyword === 'const' ? [params.allowedValue] : (params.allowedValues as unknown[])).map(String);
      const guess = typeof e.data === 'string' ? suggest(e.data, allowed) : undefined;
      return [
        problem(
          'spec.wrong-value',
          e.instancePath,
          `\`${where}\` must be ${allowed.length === 1 ? `\`${allowed[0]}\`` : `one of ${allowed.map((a) => `\`${a}\``).join(', ')}`}` +
            `, not ${describeValue(e.data)}${guess ? `: did you mean \`${guess}\`?` : ''}`,
          parent?.description,
        ),
      ];
    }
    case 'pattern':
    case 'format':
      return [
        problem(
          'spec.wrong-value',
          e.instancePath,
          `\`${where}\` is not valid: ${describeValue(e.data)}`,
          [parent?.description, examplesHint(parent).trim()].filter(Boolean).join(' ') || undefined,
        ),
      ];
    case 'uniqueItems': {
      const j = Number(params.j);
      const i = Number(params.i);
      const item = joinPointer(e.instancePath, Math.max(i, j));
      const value = Array.isArray(e.data) ? e.data[Math.max(i, j)] : undefined;
      return [
        problem(
          'spec.duplicate-item',
          item,
          `\`${where}\` lists ${describeValue(value)} twice (items ${Math.min(i, j)} and ${Math.max(i, j)})`,
          'Remove one of them.',
        ),
      ];
    }
    case 'minItems':
      return [problem('spec.empty', e.instancePath, `\`${where}\` must list at least ${String(params.limit)} item(s)`, parent?.description)];
    case 'minLength':
      return [problem('spec.empty', e.instancePath, `\`${where}\` must not be empty`, parent?.description)];
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys(parent?.properties ?? {});
      const summary =
        e.keyword === 'maxProperties' && params.limit === 1
          ? `\`${where}\` takes only one of ${keys.map((k) => `\`${k}\``).join(', ')}`
          : keys.length > 0
            ? `\`${where}\` needs ${params.limit === 1 && e.keyword === 'minProperties' ? 'one of' : 'at most one of'} ${keys.map((k) => `\`${k}\``).join(', ')}`
            : `\`${where}\` must not be empty`;
      return [problem('spec.wrong-shape', e.instancePath, summary, parent?.description, { at: 'key' })];
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return [
        problem(
          'spec.wrong-value',
          e.instancePath,
          `\`${where}\` must be ${e.keyword === 'minimum' ? 'at least' : 'more than'} ${String(params.limit)}, not ${describeValue(e.data)}`,
          parent?.description,
        ),
      ];
    case 'propertyNames':
      return [problem('spec.empty', e.instancePath, `\`${where}\` has an empty key`, 'Give every key a name.', { at: 'key' })];
    default:
      // Keywords the schema does not use today: still a clear place, with ajv's own words.
      return [problem('spec.schema', e.instancePath, `\`${where}\` ${e.message ?? 'is not valid'}`, parent?.description)];
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

function typeName(type: string): string {
  return (
    { string: 'text', boolean: 'true or false', array: 'a list', object: 'a mapping (key: value lines)', null: 'null', number: 'a number', integer: 'a whole number' }[
      type
    ] ?? type
  );
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (typeof value === 'string') return `the text \`${value.length > 60 ? value.slice(0, 57) + '...' : value}\``;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function typeHint(expected: string, found: unknown): string {
  if (expected === 'boolean' && typeof found === 'string' && /^(yes|no|on|off|y|n)$/i.test(found)) {
    return 'YAML 1.2 reads yes/no/on/off as text: write true or false.';
  }
  if (expected === 'string' && (typeof found === 'number' || typeof found === 'boolean')) {
    return 'Put the value in quotes to make it text.';
  }
  return '';
}

function examplesHint(node: SchemaNode | undefined, key?: string): string {
  const example = node?.examples?.[0];
  if (example === undefined) return '';
  const shown = typeof example === 'string' ? example : JSON.stringify(example);
  return ` Example: ${key ? `${key}: ` : ''}${shown}`;
}
