/**
 * Issue 13 #2: rollback reverses hybridcfg's own value edits on the file as it is now, and keeps every
 * other change made since; when it cannot do that exactly it refuses, showing the whole difference. A
 * view never says "No changes" while a file edit or a restart is pending.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeWebConfig, readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';
import { renderPlanText } from '../../src/views/plan-text';
import { renderPlanHtml } from '../../src/views/html';
import { runCli } from '../helpers/cli';
import { plan as handPlan } from '../helpers/plans';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const PROFILES = 'OAuthHttpModule.Profiles';
const SPEC = `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      ${PROFILES}:
        include: [V1S2SAppOnly]
      Custom.Added: "by hybridcfg"
restart:
  mode: iisreset
`;

let dir: string;
const file = () => join(dir, 'lab', 'servers', 'EX01', ...REST.split('/'));
const settings = (b: Buffer) => new Map(readAppSettings(decodeWebConfig(b, 'f'), 'f').map((s) => [s.key, s.value]));

async function applied(): Promise<Buffer> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-rbedit-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  const before = readFileSync(file());
  expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
  return before;
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Someone else's edit of the file after the apply: a value of another key, a new key, a comment. */
function laterEdit(b: Buffer, key: string, value: string, comment: string): Buffer {
  let text = b.toString('utf8');
  text = setAppSetting(text, key, value, 'f');
  text = text.replace('</configuration>', `<!-- ${comment} -->\r\n</configuration>`);
  return Buffer.from(text, 'utf8');
}

test("a rollback after someone else's edit puts back hybridcfg's values only, and keeps the edit", async () => {
  const before = await applied();
  const edited = laterEdit(readFileSync(file()), 'LaterKey', 'later value', 'edited by a person');
  writeFileSync(file(), edited);
  const plan = await runCli(['rollback', '--yes'], { cwd: dir });
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('Custom.Added (key removed)');
  const now = readFileSync(file());
  const s = settings(now);
  expect(s.get(PROFILES)).toBe(settings(before).get(PROFILES));
  expect(s.has('Custom.Added')).toBe(false);
  expect(s.get('LaterKey')).toBe('later value');
  expect(now.toString('utf8')).toContain('<!-- edited by a person -->');
  // The later edit and the restored values are exactly the original plus that edit.
  expect(now).toEqual(laterEdit(before, 'LaterKey', 'later value', 'edited by a person'));
  expect((await runCli(['rollback', '--yes'], { cwd: dir })).stdout).toContain('Nothing to roll back');
});

test('a file hybridcfg cannot read back exactly is refused, with the whole difference, and left as it is', async () => {
  await applied();
  // A second entry of a key: ASP.NET would read one of them, hybridcfg cannot edit the file exactly.
  const broken = Buffer.from(readFileSync(file(), 'utf8').replace('</appSettings>', '  <add key="Custom.Added" value="again" />\r\n  </appSettings>'), 'utf8');
  writeFileSync(file(), broken);
  const r = await runCli(['rollback', '--yes'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/cannot put back its own edits/);
  expect(r.stderr).toContain(`+     <add key="Custom.Added" value="again" />`);
  expect(r.stderr).toMatch(/- .*OAuthHttpModule.Profiles.*CallbackV2" \/>\n.*\+ .*OAuthHttpModule.Profiles.*V1S2SAppOnly" \/>/);
  expect(r.stderr).toMatch(/^\s*\+ .*Custom\.Added.*by hybridcfg/m);
  expect(r.stderr).not.toMatch(/unexpectedly/);
  expect(readFileSync(file())).toEqual(broken);
});

test('property: after any later edit of other keys, rollback gives the edited file with hybridcfg values put back', async () => {
  const before = await applied();
  const after = readFileSync(file());
  const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,12}$/).filter((k) => ![PROFILES, 'Custom.Added'].some((x) => x.toUpperCase() === k.toUpperCase()));
  const value = fc.string({ maxLength: 20 }).filter((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/.test(v));
  await fc.assert(
    fc.asyncProperty(key, value, fc.stringMatching(/^[a-z ]{0,20}$/), async (k, v, c) => {
      writeFileSync(file(), laterEdit(after, k, v, c));
      const r = await runCli(['rollback', '--yes'], { cwd: dir });
      expect(r.code).toBe(0);
      expect(readFileSync(file())).toEqual(laterEdit(before, k, v, c));
    }),
    { numRuns: 15 },
  );
}, 60_000);

test('no view says "No changes" while a restart is pending', () => {
  const p = handPlan([], { restarts: [{ server: 'EX01', mode: 'iisreset', reasons: ['an interrupted run owes it'] }] });
  expect(renderPlanText(p, { color: false })).not.toContain('No changes');
  expect(renderPlanHtml(p)).not.toContain('No changes');
});
