/** With --json a command prints exactly one JSON document on stdout, a result or an error (docs/json-output.md). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

let dir: string;
const SPEC = `apiVersion: hybridcfg/v1
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
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-json-'));
  expect((await runCli(['lab', 'init', 'lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  writeFileSync(join(dir, 'bad.yaml'), SPEC.replace('webConfigs:', 'webconfig:'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test.each([['plan'], ['apply'], ['rollback'], ['validate']])('%s --json on a bad spec: one error document on stdout, exit 1', async (command) => {
  const r = await runCli([command, 'bad.yaml', '--json', ...(command === 'apply' || command === 'rollback' ? ['--yes'] : [])], { cwd: dir });
  expect(r.code).toBe(1);
  const doc = JSON.parse(r.stdout);
  if (command === 'validate') {
    // validate's own document is its answer, failing or not.
    expect(doc).toMatchObject({ valid: false, diagnostics: [expect.objectContaining({ code: 'spec.unknown-key' })] });
    return;
  }
  expect(doc).toMatchObject({ kind: 'hybridcfg-error', formatVersion: 1, command, diagnostics: [expect.objectContaining({ code: 'spec.unknown-key', path: '/webconfig' })] });
  // People still see the diagnostic on stderr.
  expect(r.stderr).toContain('Unknown key `webconfig`');
});

test('apply --json: the plan and the result in one versioned document; a second apply says no-changes', async () => {
  const r = await runCli(['apply', '--json', '--yes'], { cwd: dir });
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(doc).toMatchObject({
    kind: 'hybridcfg-apply',
    formatVersion: 1,
    plan: { formatVersion: 2, changes: [expect.objectContaining({ kind: 'webConfig', server: 'EX01' })] },
    result: { status: 'succeeded', organization: [], servers: [expect.objectContaining({ server: 'EX01', outcome: 'restarted', written: ['FrontEnd/HttpProxy/rest/web.config'], restarted: true })] },
  });
  const again = JSON.parse((await runCli(['apply', '--json', '--yes'], { cwd: dir })).stdout);
  expect(again).toMatchObject({ kind: 'hybridcfg-apply', result: { status: 'no-changes' } });
});
