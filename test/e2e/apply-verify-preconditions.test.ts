/** Issue 13 #16: `apply --verify` checks what verify needs (verify section, secret) before it changes anything. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const BASE = `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: FrontEnd/HttpProxy/rest/web.config
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
`;
const VERIFY = `verify:
  tenantId: 11111111-2222-3333-4444-555555555555
  clientId: 66666666-7777-8888-9999-000000000000
  clientSecretEnv: HYBRIDCFG_TEST_SECRET_UNSET
  mailboxes: [onprem@contoso.com]
`;
let dir: string;
const tree = () => {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('calls.jsonl')) out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(join(dir, 'lab'));
  return out;
};
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['no verify section', BASE, /no verify section/],
  ['the secret variable not set', BASE + VERIFY, /HYBRIDCFG_TEST_SECRET_UNSET is not set/],
])('%s: refused before any change', async (_name, text, message) => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-applyverify-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), text);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  const before = tree();
  const r = await runCli(['apply', '--yes', '--verify'], { cwd: dir, env: { HYBRIDCFG_TEST_SECRET_UNSET: undefined } });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(message);
  expect(tree()).toEqual(before);
});
