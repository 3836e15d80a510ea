/**
 * The modeline `export` writes must resolve for the user: from the exported file's folder to the
 * schema, whatever folder the input spec or the output lives in, and never the `$id` URL that serves
 * nothing.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { exportModeline, modelineSchema, PACKAGE_SCHEMA_FILE, SCHEMA_ID } from '../../src/spec/modeline';

const ROOT = path.resolve(__dirname, '..', '..');
const line = (ref: string): string => `# yaml-language-server: $schema=${ref}`;

/** What the language server does with a relative reference: resolve it against the document. */
function resolvesTo(outputFile: string, modeline: string): string {
  const ref = modelineSchema(modeline)!;
  return decodeURIComponent(new URL(ref, `file://${path.resolve(outputFile)}`).pathname);
}

test("the package's schema is where the installed package has it", () => {
  expect(PACKAGE_SCHEMA_FILE).toBe(path.join(ROOT, 'schemas', 'hybridcfg.schema.json'));
  expect(existsSync(PACKAGE_SCHEMA_FILE)).toBe(true);
});

test('no modeline in the input: a relative path from the output to the installed schema', () => {
  const out = '/home/me/orgs/contoso/live.yaml';
  const schema = '/usr/lib/node_modules/hybridcfg/schemas/hybridcfg.schema.json';
  const m = exportModeline({ outputFile: out, schemaFile: schema });
  expect(m).toBe(line('../../../../usr/lib/node_modules/hybridcfg/schemas/hybridcfg.schema.json'));
  expect(resolvesTo(out, m)).toBe(schema);
  // An input without a modeline changes nothing.
  expect(exportModeline({ outputFile: out, schemaFile: schema, input: { file: '/home/me/x.yaml', firstLine: 'apiVersion: hybridcfg/v1' } })).toBe(m);
});

test('by default it points at this package, and it resolves from a temp folder', () => {
  const out = path.join(ROOT, 'tmp', 'exports', 'live.yaml');
  expect(resolvesTo(out, exportModeline({ outputFile: out }))).toBe(PACKAGE_SCHEMA_FILE);
});

test("the input's relative modeline is re-anchored at the output's folder", () => {
  const input = { file: '/repo/orgs/contoso/hybridcfg.yaml', firstLine: line('../../schemas/hybridcfg.schema.json') };
  expect(exportModeline({ outputFile: '/repo/orgs/contoso/live.yaml', input })).toBe(line('../../schemas/hybridcfg.schema.json'));
  const elsewhere = exportModeline({ outputFile: '/repo/exports/2026/contoso.yaml', input });
  expect(elsewhere).toBe(line('../../schemas/hybridcfg.schema.json'));
  expect(resolvesTo('/repo/exports/2026/contoso.yaml', elsewhere)).toBe('/repo/schemas/hybridcfg.schema.json');
  expect(exportModeline({ outputFile: '/repo/live.yaml', input })).toBe(line('schemas/hybridcfg.schema.json'));
  // A relative output path is taken from the current folder.
  expect(resolvesTo('x/live.yaml', exportModeline({ outputFile: 'x/live.yaml', input }))).toBe('/repo/schemas/hybridcfg.schema.json');
});

test('URLs, absolute paths and `none` are kept as the user wrote them', () => {
  for (const ref of ['https://schemas.contoso.com/hybridcfg.schema.json', 'file:///opt/hybridcfg/schema.json', '/opt/hybridcfg/schemas/hybridcfg.schema.json', 'none']) {
    expect(exportModeline({ outputFile: '/tmp/out/live.yaml', input: { file: '/repo/a.yaml', firstLine: line(ref) } })).toBe(line(ref));
  }
});

test("the schema's $id serves nothing: replaced by the installed schema", () => {
  const m = exportModeline({ outputFile: '/repo/live.yaml', schemaFile: '/repo/node_modules/hybridcfg/schemas/hybridcfg.schema.json', input: { file: '/repo/a.yaml', firstLine: line(SCHEMA_ID) } });
  expect(m).toBe(line('node_modules/hybridcfg/schemas/hybridcfg.schema.json'));
  expect(m).not.toContain('https://');
});

test('spaces are percent-encoded (the language server reads the reference up to the first space) and decoded on the way in', () => {
  const m = exportModeline({ outputFile: '/home/me/My Specs/live.yaml', schemaFile: '/home/me/tools/hybrid cfg/schema.json' });
  expect(m).toBe(line('../tools/hybrid%20cfg/schema.json'));
  expect(resolvesTo('/home/me/My Specs/live.yaml', m)).toBe('/home/me/tools/hybrid cfg/schema.json');
  const input = { file: '/home/me/My Specs/a.yaml', firstLine: line('../tools/hybrid%20cfg/schema.json') };
  expect(exportModeline({ outputFile: '/home/me/out/live.yaml', input })).toBe(line('../tools/hybrid%20cfg/schema.json'));
});

test('Windows paths: forward slashes, and a file URL to a schema on another drive', () => {
  const win = path.win32;
  expect(exportModeline({ path: win, outputFile: 'C:\\specs\\contoso\\live.yaml', schemaFile: 'C:\\tools\\hybridcfg\\schemas\\hybridcfg.schema.json' })).toBe(
    line('../../tools/hybridcfg/schemas/hybridcfg.schema.json'),
  );
  expect(exportModeline({ path: win, outputFile: 'D:\\specs\\live.yaml', schemaFile: 'C:\\Program Files\\nodejs\\node_modules\\hybridcfg\\schemas\\hybridcfg.schema.json' })).toBe(
    line('file:///C:/Program%20Files/nodejs/node_modules/hybridcfg/schemas/hybridcfg.schema.json'),
  );
  const input = { file: 'C:\\repo\\orgs\\a\\hybridcfg.yaml', firstLine: line('..\\..\\schemas\\hybridcfg.schema.json') };
  expect(exportModeline({ path: win, outputFile: 'C:\\repo\\live.yaml', input })).toBe(line('schemas/hybridcfg.schema.json'));
  // A drive letter is a path, not a URL scheme.
  expect(exportModeline({ path: win, outputFile: 'C:\\x\\live.yaml', input: { file: 'C:\\a.yaml', firstLine: line('C:\\s\\schema.json') } })).toBe(line('C:\\s\\schema.json'));
});

test('modelineSchema reads the line as yaml-language-server does', () => {
  expect(modelineSchema('\uFEFF# yaml-language-server: $schema=../s.json')).toBe('../s.json');
  expect(modelineSchema('# yaml-language-server: $schema: ../s.json')).toBe('../s.json');
  expect(modelineSchema('#yaml-language-server: $schema=../s.json')).toBeUndefined();
  expect(modelineSchema('apiVersion: hybridcfg/v1')).toBeUndefined();
});
