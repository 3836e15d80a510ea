/**
 * Hostile and random input on the way to a server: spec values crafted as PowerShell, XML and path
 * attacks, random and mutated. Each gives a clean diagnostic or a correct result: values are stored
 * literally, never a byte outside the value changes, and no path leaves ExchangeInstallPath.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { parseSpec, webConfigsOf } from '../helpers/spec';
import { initLab, kindCalls, labTarget } from '../helpers/targets';
import { resolveInServer } from '../../src/targets/lab/paths';
import { decodeWebConfig, readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';
import { fixtureBytes, REST } from '../helpers/live';

const ATTACKS = ['$(', ')', "';", '"', "'", '`', ']]>', '<![CDATA[', '&', '&amp;', '<', '>', '..\\', '../', '%SystemRoot%', '$env:', '\r\n', '\t', '|', ';', 'é', '\u2028'];
const hostile = fc.array(fc.oneof(fc.constantFrom(...ATTACKS), fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join(''));
const KEY = 'OAuthHttpModule.Profiles';

describe('the patcher with hostile values', () => {
  const text = decodeWebConfig(fixtureBytes('E19/IIS/DefaultWebSite-Rest_web.config'), 'rest');
  const at = text.indexOf(`key="${KEY}" value="`) + `key="${KEY}" value="`.length;
  const end = text.indexOf('"', at);

  test('the value reads back exactly and no byte outside it changes, or the value is refused', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        let out: string;
        try {
          out = setAppSetting(text, KEY, value, 'rest');
        } catch (err) {
          if (!(err instanceof DiagnosticError)) throw err;
          expect(err.diagnostics[0].code).toBe('webconfig.invalid-value');
          return;
        }
        expect(out.slice(0, at)).toBe(text.slice(0, at));
        expect(out.slice(out.length - (text.length - end))).toBe(text.slice(end));
        const raw = out.slice(at, out.length - (text.length - end));
        expect(raw).not.toMatch(/[<"&](?!amp;|lt;|gt;|quot;|apos;|#)/);
        expect(readAppSettings(out, 'rest').find((s) => s.key === KEY)?.value).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the spec loader with hostile strings', () => {
  const spec = (file: string, value: string) =>
    `apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nwebConfigs:\n  - file: ${JSON.stringify(file)}\n    appSettings:\n      Custom.Key: ${JSON.stringify(value)}\n`;
  const FILE = path.join(tmpdir(), 'hostile.yaml');

  test('a value is kept literally; a file path is rejected or stays inside ExchangeInstallPath', () => {
    const folder = path.resolve(tmpdir(), 'Exchange Server', 'V15');
    fc.assert(
      fc.property(hostile, hostile, (file, value) => {
        try {
          const loaded = parseSpec(spec(file, value), FILE);
          const wc = webConfigsOf(loaded.spec)[0];
          expect(wc.appSettings['Custom.Key']).toBe(value);
          // Accepted: the lab resolves it under the server folder without complaint.
          expect(resolveInServer(folder, wc.file).startsWith(folder + path.sep)).toBe(true);
        } catch (err) {
          if (!(err instanceof DiagnosticError)) throw err;
          expect(err.diagnostics.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  test.each(['..\\..\\Windows\\win.ini', '../x', 'a/../../b', 'C:\\x', '\\\\host\\share\\x', '/etc/passwd', '%ProgramFiles%\\x', '$env:windir\\x'])(
    'the path %s is rejected with spec.path-outside-install',
    (file) => {
      try {
        parseSpec(spec(file, 'v'), FILE);
        throw new Error('accepted');
      } catch (err) {
        if (!(err instanceof DiagnosticError)) throw err;
        expect(err.diagnostics.map((d) => d.code)).toContain('spec.path-outside-install');
      }
    },
  );

  test('a subexpression in a path is a literal folder name inside ExchangeInstallPath, never run', () => {
    const loaded = parseSpec(spec('$(calc)\\web.config', 'v'), FILE);
    expect(webConfigsOf(loaded.spec)[0].file).toBe('$(calc)/web.config');
  });
});

describe('the lab target refuses path attacks itself', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'hybridcfg-hostile-')), 'lab');
    await initLab(dir, { servers: ['EX01'] });
  });
  afterAll(() => rmSync(path.join(dir, '..'), { recursive: true, force: true }));

  test.each(['..\\..\\organization.json', '../../organization.json', 'FrontEnd/../../../organization.json', '/etc/passwd', 'C:\\Windows\\win.ini'])('%s: target.path-outside-install, nothing written', async (file) => {
    const target = kindCalls(labTarget(dir));
    const server = (await target.readOrganization()).servers[0];
    const before = readdirSync(dir).sort();
    await expect(target.writeFiles(server, [{ file, bytes: Buffer.from('x'), expectedSha256: 'x' }])).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: 'target.path-outside-install' })],
    });
    await expect(target.readServer(server, [file, REST])).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: 'target.path-outside-install' })],
    });
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
