import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { REGISTRY } from '../../src/resources/registry';
import { schemaText } from '../../src/spec/assemble';
import { KNOWN_PROFILES } from '../../src/domain/exchange';
import { EDITOR_KEYWORDS } from '../../src/spec/schema';

const ROOT = path.join(__dirname, '..', '..');
const SCHEMA = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'hybridcfg.schema.json'), 'utf8'));

type Node = Record<string, unknown>;

/** Every schema node with its JSON pointer inside the schema document. */
function nodes(node: unknown, pointer = ''): [string, Node][] {
  if (Array.isArray(node)) return node.flatMap((n, i) => nodes(n, `${pointer}/${i}`));
  if (node === null || typeof node !== 'object') return [];
  const here: [string, Node][] = [[pointer, node as Node]];
  return here.concat(
    Object.entries(node as Node)
      .filter(([k]) => k !== 'examples' && k !== 'const' && k !== 'enum')
      .flatMap(([k, v]) => nodes(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)),
  );
}

const properties = nodes(SCHEMA).flatMap(([pointer, node]) =>
  node.properties && pointer.split('/').pop() !== 'properties'
    ? Object.entries(node.properties as Record<string, Node>).map(([key, prop]) => [`${pointer}/properties/${key}`, prop] as const)
    : [],
);

test('the schema has a stable $id and is draft 2020-12', () => {
  expect(SCHEMA.$id).toBe('https://hybridcfg.dev/schemas/hybridcfg.schema.json');
  expect(SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  expect(properties.length).toBeGreaterThan(40);
});

test.each(properties.map(([p, n]) => [p, n]))('%s has a description and examples', (_pointer, prop) => {
  expect(typeof prop.description).toBe('string');
  expect((prop.description as string).length).toBeGreaterThan(10);
  expect(Array.isArray(prop.examples) && prop.examples.length > 0).toBe(true);
});

test('every mapping with named keys refuses other keys', () => {
  const open = nodes(SCHEMA)
    .filter(([pointer, node]) => node.properties && pointer.split('/').pop() !== 'properties' && node.additionalProperties !== false)
    .map(([pointer]) => pointer);
  expect(open).toEqual([]);
});

describe('examples in the schema are valid', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary([...EDITOR_KEYWORDS]);
  ajv.addSchema(SCHEMA);
  test.each(properties.map(([p, n]) => [p, n]))('%s', (pointer, prop) => {
    const validate = ajv.getSchema(`${SCHEMA.$id}#${pointer}`);
    expect(validate).toBeDefined();
    for (const example of prop.examples as unknown[]) {
      expect([example, validate!(example), validate!.errors]).toEqual([example, true, null]);
    }
  });

  test('the whole-spec example', () => {
    const validate = ajv.getSchema(SCHEMA.$id)!;
    for (const example of SCHEMA.examples) expect(validate(example)).toBe(true);
  });
});

describe('docs/spec.md', () => {
  const gen = require(path.join(ROOT, 'scripts', 'gen-spec-doc.js')) as { render(schema: unknown): string };

  test('is what scripts/gen-spec-doc.js makes from the schema (run it after changing the schema)', () => {
    expect(readFileSync(path.join(ROOT, 'docs', 'spec.md'), 'utf8')).toBe(gen.render(SCHEMA));
  });

  test('documents every key with its description', () => {
    const doc = gen.render(SCHEMA);
    expect(doc).toContain('### `partnerApplications[].appOnlyPermissions`');
    expect(doc).toContain('### `webConfigs[].appSettings.<key>.allowUnknown`');
    expect(doc).toContain('### `target.powershell.exchange.connectionUri`');
    const changed = { ...SCHEMA, properties: { ...SCHEMA.properties, kind: { ...SCHEMA.properties.kind, description: 'Changed.' } } };
    expect(gen.render(changed)).not.toBe(doc);
    expect(gen.render(changed)).toContain('Changed.');
  });
});

test('the published schema is the one the core, the resource kinds and the assumptions assemble (npm run schema)', () => {
  expect(readFileSync(path.join(ROOT, 'schemas', 'hybridcfg.schema.json'), 'utf8')).toBe(schemaText(REGISTRY.kinds));
});

describe('profile names in the schema (for editors)', () => {
  const profileName = SCHEMA.$defs.profileName;
  const exact = SCHEMA.$defs.profilesSetting.oneOf[0];
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary([...EDITOR_KEYWORDS]);
  const validate = ajv.compile(SCHEMA);
  const spec = (setting: unknown) => ({
    apiVersion: 'hybridcfg/v1',
    kind: 'HybridOAuth',
    target: { lab: './lab' },
    servers: 'all',
    webConfigs: [{ file: 'FrontEnd/HttpProxy/rest/web.config', appSettings: { 'OAuthHttpModule.Profiles': setting, Other: 'anything|goes' } }],
  });

  test('are exactly the names hybridcfg knows, each with its own description', () => {
    expect(profileName.enum).toEqual(KNOWN_PROFILES);
    expect(profileName.markdownEnumDescriptions).toHaveLength(KNOWN_PROFILES.length);
    expect(profileName.enumDescriptions).toHaveLength(KNOWN_PROFILES.length);
    KNOWN_PROFILES.forEach((name, i) => {
      expect(profileName.markdownEnumDescriptions[i]).toMatch(new RegExp(`^\\*\\*${name}\\*\\*: .{30,}`));
      expect(profileName.enumDescriptions[i]).toMatch(new RegExp(`^${name}: .{30,}`));
    });
    const alt = KNOWN_PROFILES.join('|');
    expect(exact.pattern).toBe(`^(?:${alt})?(?:\\|(?:${alt})?)*$`);
  });

  test.each([
    [{ include: ['V1S2SAppOnly'] }, true],
    [{ include: ['V1S2SAppOnIy'] }, false],
    [{ exclude: ['v1appOnly'] }, false],
    [{ include: ['V2S2SAppOnly'], allowUnknown: ['V2S2SAppOnly'] }, true],
    ['S2SAppActAs|V1S2SAppOnly', true],
    ['S2SAppActAs|V1S2SAppOnIy', false],
    ['', true],
  ])('OAuthHttpModule.Profiles: %j is %s to the schema (other keys take any value)', (setting, ok) => {
    expect(validate(spec(setting))).toBe(ok);
  });
});
