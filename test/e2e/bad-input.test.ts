/**
 * Bad input through the CLI: each gives a clear message with file:line:col where there is one, exit 1,
 * no stack trace, and nothing on disk changes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const QUICKSTART = readFileSync(join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml'), 'utf8');
const REST = 'FrontEnd/HttpProxy/rest/web.config';

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!p.endsWith('calls.jsonl')) out[p] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-bad-'));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02'], { cwd: dir })).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function expectRefused(argv: string[], spec: string | null, want: RegExp[]): Promise<string> {
  if (spec !== null) writeFileSync(join(dir, 'hybridcfg.yaml'), spec);
  const before = snapshot(dir);
  const r = await runCli(argv, { cwd: dir });
  expect(r.code).toBe(1);
  for (const w of want) expect(r.stderr).toMatch(w);
  expect(r.stderr).not.toMatch(/\n\s+at .*\.(js|ts):\d+:\d+/);
  expect(snapshot(dir)).toEqual(before);
  return r.stderr;
}

describe.each([['plan'], ['apply', '--yes']])('%s refuses bad input and changes nothing', (...argv: string[]) => {
  it('malformed YAML, with line:col', async () => {
    await expectRefused(argv, QUICKSTART.replace('servers: all', 'servers: [EX01'), [/hybridcfg\.yaml:\d+:\d+/]);
  });

  it('an unknown key, pointing at it with a suggestion', async () => {
    await expectRefused(argv, QUICKSTART.replace('    enabled: true', '    enabeld: true'), [/hybridcfg\.yaml:11:5/, /enabled/]);
  });

  it('a wrong type', async () => {
    await expectRefused(argv, QUICKSTART.replace('    enabled: true', '    enabled: "yes please"'), [/hybridcfg\.yaml:11:\d+/, /enabled/]);
  });

  it('a misspelt profile, with the suggestion', async () => {
    await expectRefused(argv, QUICKSTART.replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnIy]'), [/V1S2SAppOnIy/, /V1S2SAppOnly/, /hybridcfg\.yaml:18:\d+/]);
  });

  it('a missing spec file', async () => {
    await expectRefused([...argv, 'nothere.yaml'], null, [/nothere\.yaml/]);
  });

  it('an unknown server and an unknown partner application', async () => {
    const spec = QUICKSTART.replace('servers: all                 # or a list of server names', 'servers: [EX01, EX03]').replace(
      'applicationIdentifier: 00000003-0000-0000-c000-000000000000',
      'applicationIdentifier: 00000003-0000-0000-c000-00000000000f',
    );
    await expectRefused(argv, spec, [/EX03/, /hybridcfg\.yaml:7:17/]);
    await expectRefused(argv, QUICKSTART.replace('applicationIdentifier: 00000003-0000-0000-c000-000000000000', 'applicationIdentifier: 00000003-0000-0000-c000-00000000000f'), [
      /No partner application with ApplicationIdentifier 00000003-0000-0000-c000-00000000000f/,
      /hybridcfg\.yaml:10:\d+/,
    ]);
  });

  it('a web.config on one server that is not well-formed XML, naming server, file and line:col', async () => {
    const file = join(dir, 'lab', 'servers', 'EX02', REST);
    writeFileSync(file, readFileSync(file, 'utf8').replace('</appSettings>', '</appSetting>'));
    await expectRefused(argv, QUICKSTART, [/EX02/, /rest[\\/]web\.config:\d+:\d+/]);
  });

  it('an appSetting key present twice, naming both lines', async () => {
    const file = join(dir, 'lab', 'servers', 'EX01', REST);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('    <add key="OAuthHttpModule.V1AppScopes" value="*" />', '    <add key="OAuthHttpModule.Profiles" value="S2SAppOnly" />'));
    await expectRefused(argv, QUICKSTART, [/OAuthHttpModule\.Profiles/, /EX01/, /line \d+.*line \d+|lines? \d+ and \d+/]);
  });
});

describe('a spec file written on Windows', () => {
  it('with CRLF line endings and a BOM still points at the right line', async () => {
    const spec = '\ufeff' + QUICKSTART.replace('    enabled: true', '    enabeld: true').replace(/\n/g, '\r\n');
    await expectRefused(['plan'], spec, [/hybridcfg\.yaml:11:5/]);
  });
});
