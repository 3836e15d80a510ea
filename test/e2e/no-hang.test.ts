/**
 * Issue 13 #18: nothing hangs. A spec, a plan file or a web.config path on a device, a FIFO or a folder
 * is a diagnostic at once; a web.config with very many attributes on one element is read in linear time
 * (its figures are in the bench: `npm run bench`, "A web.config with many attributes on one element").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const SPEC = `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
  lab: ./lab
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
`;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-hang-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each(['/dev/zero', '/dev/urandom', 'fifo.yaml', '.'])('a spec at %s is a diagnostic, not a hang', async (spec) => {
  if (spec === 'fifo.yaml') execFileSync('mkfifo', [join(dir, spec)]);
  for (const cmd of [['validate', spec], ['plan', spec], ['apply', spec, '--yes']]) {
    const r = await runCli(cmd, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a regular file|is a folder/);
    expect(r.stderr).not.toMatch(/unexpectedly/);
  }
});

test('a web.config that is a FIFO is a diagnostic, not a hang', async () => {
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  const file = join(dir, 'lab', 'servers', 'EX01', ...REST.split('/'));
  rmSync(file);
  execFileSync('mkfifo', [file]);
  const r = await runCli(['plan'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/not a regular file/);
});

test('an ExSetup.exe or applicationHost.config that is a FIFO leaves the build and pools unknown, not a hung plan', async () => {
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  const server = join(dir, 'lab', 'servers', 'EX01');
  for (const file of ['bin/ExSetup.exe', 'Windows/System32/inetsrv/config/applicationHost.config']) {
    rmSync(join(server, ...file.split('/')));
    execFileSync('mkfifo', [join(server, ...file.split('/'))]);
  }
  const r = await runCli(['plan'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('EX01 build unknown (ExSetup.exe not read)');
});
