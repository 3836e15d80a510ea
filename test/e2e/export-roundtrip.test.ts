/**
 * Issue 13 #15: export round-trips on a fleet whose servers differ: whatever export writes, validate
 * accepts and plan shows as no change; export is deterministic and keeps the input's schema modeline.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { setAppSetting } from '../../src/webconfig/appsettings';
import { runCli } from '../helpers/cli';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const EWS = 'FrontEnd/HttpProxy/ews/web.config';
const SERVERS = ['EX01', 'EX02', 'EX03'];
const SPEC = `# yaml-language-server: $schema=./schemas/hybridcfg.schema.json
apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
  - file: ${EWS}
    appSettings:
      Custom.Key: "x"
`;
let dir: string;
const file = (s: string, f: string) => join(dir, 'lab', 'servers', s, ...f.split('/'));
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-export-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', SERVERS.join(',')], { cwd: dir })).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const originals = new Map<string, Buffer>();

test('property: on random heterogeneous labs, export, validate and plan of the export exit 0', async () => {
  for (const s of SERVERS) for (const f of [REST, EWS]) originals.set(`${s}/${f}`, readFileSync(file(s, f)));
  const value = fc.constantFrom('S2SAppActAs', 'S2SAppActAs|S2SAppOnly', 'Callback|V1AppActAs', null);
  const custom = fc.constantFrom('a', 'b', 'x', null);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(value, custom), { minLength: 3, maxLength: 3 }), async (perServer) => {
      SERVERS.forEach((s, i) => {
        const [profiles, key] = perServer[i]!;
        let rest = originals.get(`${s}/${REST}`)!.toString('utf8');
        if (profiles !== null) rest = setAppSetting(rest, 'OAuthHttpModule.Profiles', profiles, 'f');
        writeFileSync(file(s, REST), rest);
        let ews = originals.get(`${s}/${EWS}`)!.toString('utf8');
        if (key !== null) ews = setAppSetting(ews, 'Custom.Key', key, 'f');
        writeFileSync(file(s, EWS), ews);
      });
      const exported = await runCli(['export'], { cwd: dir });
      expect(exported.code).toBe(0);
      writeFileSync(join(dir, 'exported.yaml'), exported.stdout);
      const validate = await runCli(['validate', 'exported.yaml'], { cwd: dir });
      expect([validate.code, validate.stderr]).toEqual([0, '']);
      const plan = await runCli(['plan', 'exported.yaml', '--detailed-exitcode'], { cwd: dir });
      expect([plan.code, plan.stdout]).toEqual([0, expect.stringContaining('No changes')]);
      // Deterministic: the same organisation exports the same bytes.
      expect((await runCli(['export'], { cwd: dir })).stdout).toBe(exported.stdout);
    }),
    { numRuns: 12 },
  );
}, 120_000);

test("the export keeps the input's schema modeline", async () => {
  const r = await runCli(['export'], { cwd: dir });
  expect(r.stdout.split('\n')[0]).toBe('# yaml-language-server: $schema=schemas/hybridcfg.schema.json');
  expect(r.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
});
