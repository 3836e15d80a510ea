/**
 * A spec in an editor: the real yaml-language-server (the engine of VS Code's YAML extension and of
 * most other editors' YAML support), driven over stdio as an editor drives it, on a spec whose first
 * line is the modeline `export` writes (src/spec/modeline.ts). Completion must offer the spec's keys
 * and the known profile names with their descriptions; a wrong key, a wrong type and the misspelt
 * profile `V1S2SAppOnIy` must each be diagnosed, and a confirmed name in allowUnknown must not be.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportModeline } from '../../src/spec/modeline';
import { LspClient, type Diagnostic } from '../helpers/lsp';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schemas', 'hybridcfg.schema.json'), 'utf8'));
// No schema store: it would be fetched from the internet, and the modeline is what must work.
const SETTINGS = { yaml: { validate: true, completion: true, hover: true, schemaStore: { enable: false }, format: { enable: false } } };

type Completion = { label: string; documentation?: string | { kind: string; value: string } };
const docText = (c: Completion): string => (typeof c.documentation === 'string' ? c.documentation : (c.documentation?.value ?? ''));

let lsp: LspClient;
let dir: string;
let version = 0;

/** Opens a spec in the editor's folder for the organisation, with export's modeline as its first line. */
function open(name: string, body: string): { uri: string; text: string } {
  const file = join(dir, 'orgs', 'contoso', name);
  const text = `${exportModeline({ outputFile: file })}\n${body}`;
  const uri = pathToFileURL(file).href;
  lsp.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: ++version, text } });
  return { uri, text };
}

/** Line (0-based) of the first line containing `needle`, for positions. */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-editor-'));
  mkdirSync(join(dir, 'orgs', 'contoso'), { recursive: true });
  lsp = new LspClient(process.execPath, [SERVER, '--stdio'], SETTINGS);
  await lsp.request('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(dir).href,
    workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'specs' }],
    capabilities: {
      workspace: { configuration: true },
      textDocument: {
        completion: { completionItem: { documentationFormat: ['markdown', 'plaintext'], snippetSupport: true } },
        publishDiagnostics: {},
      },
    },
  });
  lsp.notify('initialized', {});
  lsp.notify('workspace/didChangeConfiguration', { settings: SETTINGS });
}, 30_000);

afterAll(async () => {
  await lsp?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the modeline export writes points at this package's schema, relative to the spec", () => {
  const line = exportModeline({ outputFile: join(dir, 'orgs', 'contoso', 'hybridcfg.yaml') });
  expect(line).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)+.*schemas\/hybridcfg\.schema\.json$/);
  expect(line).not.toContain('https://');
});

test('completion at the top level offers the spec keys with their descriptions', async () => {
  const { uri, text } = open('new.yaml', 'apiVersion: hybridcfg/v1\n\n');
  const line = text.split('\n').length - 1;
  const result = await lsp.request<{ items: Completion[] } | Completion[]>('textDocument/completion', { textDocument: { uri }, position: { line, character: 0 } });
  const items = Array.isArray(result) ? result : result.items;
  const byLabel = new Map(items.map((i) => [i.label, i]));
  for (const key of ['kind', 'target', 'servers', 'partnerApplications', 'webConfigs', 'restart', 'verify']) {
    expect({ key, offered: byLabel.has(key) }).toEqual({ key, offered: true });
    // The description shown beside the completion is the schema's (its first words are enough to know).
    expect(docText(byLabel.get(key)!)).toContain((SCHEMA.properties[key].description as string).slice(0, 40));
  }
});

test('completion in OAuthHttpModule.Profiles include offers the known profile names, each with its description', async () => {
  const body = [
    'apiVersion: hybridcfg/v1',
    'kind: HybridOAuth',
    'target: { lab: ./lab }',
    'servers: all',
    'webConfigs:',
    '  - file: FrontEnd/HttpProxy/rest/web.config',
    '    appSettings:',
    '      OAuthHttpModule.Profiles:',
    '        include:',
    '          - ',
    '',
  ].join('\n');
  const { uri, text } = open('profiles.yaml', body);
  const line = lineOf(text, '          - ');
  const result = await lsp.request<{ items: Completion[] } | Completion[]>('textDocument/completion', { textDocument: { uri }, position: { line, character: 12 } });
  const items = Array.isArray(result) ? result : result.items;
  const names: string[] = SCHEMA.$defs.profileName.enum;
  expect(items.map((i) => i.label).sort()).toEqual([...names].sort());
  const v1 = items.find((i) => i.label === 'V1S2SAppOnly')!;
  expect(docText(v1)).toContain('community fix for app-only Graph access');
});

test('a wrong key, a wrong type and the misspelt profile V1S2SAppOnIy are each diagnosed where they are', async () => {
  const body = [
    'apiVersion: hybridcfg/v1',
    'kind: HybridOAuth',
    'target: { lab: ./lab }',
    'servers: all',
    'partnerApplication:', // wrong key: partnerApplications
    '  - name: Microsoft Graph',
    'restart:',
    '  mode: iisreset',
    '  rolling:',
    '    maxUnavailable: true', // wrong type: a whole number or a percentage
    'webConfigs:',
    '  - file: FrontEnd/HttpProxy/rest/web.config',
    '    appSettings:',
    '      OAuthHttpModule.Profiles:',
    '        include: [V1S2SAppOnIy]', // misspelt: capital I for l
    '',
  ].join('\n');
  const { uri, text } = open('hybridcfg.yaml', body);
  const at = (d: Diagnostic): string => text.split('\n')[d.range.start.line].trim();
  const diagnostics = await lsp.waitForDiagnostics(uri, (d) => d.length >= 3, 20_000);
  const seen = diagnostics.map((d) => ({ line: at(d), message: d.message }));
  expect(seen).toEqual(
    expect.arrayContaining([
      { line: 'partnerApplication:', message: expect.stringMatching(/partnerApplication.*not allowed/i) },
      { line: 'maxUnavailable: true', message: expect.stringMatching(/type.*integer/i) },
      // The editor's words for an enum: the value is refused and the known names are listed.
      { line: 'include: [V1S2SAppOnIy]', message: expect.stringMatching(/not accepted.*"V1S2SAppOnly"/) },
    ]),
  );
  // Only these three: the rest of the spec is right, and nothing is said twice about them.
  expect(new Set(seen.map((s) => s.line))).toEqual(new Set(['partnerApplication:', 'maxUnavailable: true', 'include: [V1S2SAppOnIy]']));
  // The misspelt name is pointed at, not the whole mapping around it.
  const profile = diagnostics.find((d) => at(d) === 'include: [V1S2SAppOnIy]')!;
  expect(profile.range.start.character).toBe(text.split('\n')[profile.range.start.line].indexOf('V1S2SAppOnIy'));
}, 30_000);

test('a misspelt name in the exact | value is diagnosed too, and a name confirmed in allowUnknown is not', async () => {
  const spec = (setting: string): string =>
    ['apiVersion: hybridcfg/v1', 'kind: HybridOAuth', 'target: { lab: ./lab }', 'servers: all', 'webConfigs:', '  - file: FrontEnd/HttpProxy/rest/web.config', '    appSettings:', `      OAuthHttpModule.Profiles: ${setting}`, ''].join('\n');
  const exact = open('exact.yaml', spec('S2SAppActAs|V1S2SAppOnIy'));
  const confirmed = open('confirmed.yaml', spec('{ include: [V2S2SAppOnly], allowUnknown: [V2S2SAppOnly] }'));
  const known = open('known.yaml', spec('{ include: [V1S2SAppOnly] }'));
  const d = await lsp.waitForDiagnostics(exact.uri, (x) => x.length > 0, 20_000);
  expect(d.map((x) => x.message).join('\n')).toContain('must be a profile name Exchange knows');
  await lsp.waitForDiagnostics(known.uri, () => true, 20_000);
  expect(await lsp.waitForDiagnostics(confirmed.uri, () => true, 20_000)).toEqual([]);
  expect(lsp.diagnostics.get(known.uri)).toEqual([]);
}, 30_000);
