/**
 * Issue 13 #14: replacing a web.config keeps what the user set on it: its mode stays, a symbolic link is
 * refused (it would become a plain file), a read-only file is refused; a refusal writes nothing. On the
 * lab and through pwsh (the fake Exchange module on the same lab folder).
 */
import { chmodSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { requirePwsh } from '../helpers/pwsh';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const spec = (target: string) => `apiVersion: hybridcfg/v1
kind: HybridOAuth
target:
${target}
servers: all
webConfigs:
  - file: ${REST}
    appSettings:
      OAuthHttpModule.Profiles:
        include: [V1S2SAppOnly]
restart:
  mode: iisreset
`;
const TARGETS = [
  ['lab', '  lab: ./lab'],
  ['powershell', `  powershell:\n    lab: ./lab\n    timeoutSeconds: 120`],
] as const;
let dir: string;
const file = () => join(dir, 'lab', 'servers', 'EX01', ...REST.split('/'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each(TARGETS)('%s target', (kind, target) => {
  beforeEach(async () => {
    if (kind === 'powershell') requirePwsh();
    dir = mkdtempSync(join(tmpdir(), `hybridcfg-attrs-${kind}-`));
    writeFileSync(join(dir, 'hybridcfg.yaml'), spec(target));
    expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
  });

  test('the mode of the file is kept', async () => {
    chmodSync(file(), 0o640);
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(statSync(file()).mode & 0o777).toBe(0o640);
  }, 60_000);

  if (kind === 'lab') {
    test('a symbolic link is refused, and stays a link to the untouched file', async () => {
      const real = join(dir, 'lab', 'servers', 'EX01', 'real-web.config');
      renameSync(file(), real);
      symlinkSync(real, file());
      const before = readFileSync(real);
      const r = await runCli(['apply', '--yes'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is a symbolic link/);
      expect(lstatSync(file()).isSymbolicLink()).toBe(true);
      expect(readFileSync(real)).toEqual(before);
    });
    test('a read-only file is refused and left as it is', async () => {
      chmodSync(file(), 0o444);
      const before = readFileSync(file());
      const r = await runCli(['apply', '--yes'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is read-only/);
      expect(readFileSync(file())).toEqual(before);
      expect(statSync(file()).mode & 0o777).toBe(0o444);
    });
  }
});
