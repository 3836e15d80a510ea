/**
 * The build generates the spec validator ahead of time (scripts/build-validator.js). It must judge
 * every spec exactly as the schema compiled at run time does: same verdict, same errors (which the
 * messages are made from), on valid specs and on each kind of mistake.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { REGISTRY } from '../../src/resources/registry';
import { schemaText } from '../../src/spec/assemble';
import { compileSchema } from '../../src/spec/schema';

const ROOT = join(__dirname, '..', '..');

/** Loads generated code as the build's output would be loaded, resolving its requires from here. */
function loadGenerated(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports as ValidateFunction;
}

function specs(dir: string): Array<[string, unknown]> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [f, parse(readFileSync(join(dir, f), 'utf8'))]);
}

const valid = [...specs(join(ROOT, 'examples', 'specs')), ...specs(join(ROOT, 'test', 'fixtures', 'specs'))];
const base = valid[0][1] as Record<string, unknown>;

const mistakes: Array<[string, unknown]> = [
  ['empty document', {}],
  ['not a mapping', ['a']],
  ['unknown top-level key', { ...base, server: 'all' }],
  ['servers misspelt', { ...base, servers: 'al' }],
  ['servers a number', { ...base, servers: 3 }],
  ['two targets', { ...base, target: { lab: './lab', powershell: {} } }],
  ['no target', { ...base, target: {} }],
  ['wrong apiVersion', { ...base, apiVersion: 'hybridcfg/v2' }],
  ['application id not a uuid', { ...base, partnerApplications: [{ applicationIdentifier: 'graph', enabled: 'yes' }] }],
  ['duplicate servers', { ...base, servers: ['EX01', 'EX01'] }],
  ['empty web.config list item', { ...base, webConfigs: [{}] }],
  ['restart mode unknown', { ...base, restart: { mode: 'reboot' } }],
];

describe('the validator generated at build time', () => {
  const text = schemaText(REGISTRY.kinds);
  const runtime = compileSchema(text).validate;
  const { ajv, validate } = compileSchema(text, { source: true });
  const generated = loadGenerated(standaloneCode(ajv, validate));

  it('is given valid specs to accept (the corpus is not empty)', () => {
    expect(valid.length).toBeGreaterThanOrEqual(4);
  });

  it.each(valid)('accepts %s as the run-time validator does', (_name, doc) => {
    expect(runtime(doc)).toBe(true);
    expect(generated(doc)).toBe(true);
  });

  it.each(mistakes)('reports "%s" with the same errors as the run-time validator', (_name, doc) => {
    expect(runtime(doc)).toBe(false);
    const expected = runtime.errors;
    expect(generated(doc)).toBe(false);
    expect(generated.errors).toEqual(expected);
  });
});
