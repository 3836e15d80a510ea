/**
 * `builds.minimum` (issue 12): a server below it fails the plan, naming the server, its build (from
 * ExSetup.exe) and the minimum; a named update resolves per server's product and CU. Without it, a
 * server below the April 2025 HU stays a warning (test/e2e/dedicated-hybrid-app.test.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = readFileSync(join(ROOT, 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8');
const LAB_BUILDS = '15.2.1748.43,EX02=15.2.1544.14';

let dir: string;
async function setUp(spec: string): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-builds-'));
  const init = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--build', LAB_BUILDS], { cwd: dir });
  expect(init.code).toBe(0);
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec);
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const withMinimum = (minimum: string): string => EXAMPLE.replace(/^builds:\n  minimum: .*\n/m, '').replace('servers: all\n', `servers: all\nbuilds:\n  minimum: ${minimum}\n`);
const codes = async (): Promise<string[]> => {
  const json = await runCli(['plan', 'hybridcfg.yaml', '--json'], { cwd: dir });
  return JSON.parse(json.stdout).diagnostics.map((d: { code: string }) => d.code);
};

test('a named update: EX02 (2019 CU14) is below its CU\'s Apr25HU and fails the plan; EX01 passes', async () => {
  await setUp(withMinimum('Apr25HU'));
  const before = readFileSync(join(dir, 'lab', 'organization.json'), 'utf8');
  const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
  expect(r.code).toBe(1);
  const text = r.stderr.replace(/\s+/g, ' ');
  expect(text).toContain('EX02 runs 15.2.1544.14 (2019 CU14 Nov24SUv2), below builds.minimum Apr25HU (15.2.1544.25 (2019 CU14 Apr25HU) for this server).');
  expect(text).toMatch(/hybridcfg\.yaml:\d+:\d+/);
  expect(text).toContain('Install 15.2.1544.25 or a later update on EX02');
  expect(text).not.toMatch(/EX01 runs/);
  // The build error replaces the warning about the shared first-party application for EX02.
  expect(text).not.toContain('plan.hybrid-app-build-below');
  const found = await codes();
  expect(found).toContain('plan.build-below-minimum');
  expect(found.filter((c) => c === 'plan.build-below-minimum')).toHaveLength(1);
  expect(found).not.toContain('plan.hybrid-app-build-below');
  expect(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8')).toBe(before);
});

test('a build number: both servers are checked against it as given', async () => {
  await setUp('apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nbuilds:\n  minimum: 15.2.1748.43\n');
  const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr.replace(/\s+/g, ' ')).toContain('EX02 runs 15.2.1544.14 (2019 CU14 Nov24SUv2), below builds.minimum 15.2.1748.43 (2019 CU15 Feb26SU).');
  expect(await codes()).toEqual(['plan.build-below-minimum']);
});

test('a minimum every server meets: the plan goes on', async () => {
  await setUp('apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nbuilds:\n  minimum: Nov24SUv2\n');
  const r = await runCli(['plan', 'hybridcfg.yaml', '--detailed-exitcode'], { cwd: dir });
  expect(r.stderr).not.toMatch(/Error|Warning/);
  expect(r.code).toBe(0);
});

test('an update Microsoft\'s list does not have is a spec error at its line', async () => {
  await setUp('apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nbuilds:\n  minimum: Apr99HU\n');
  const r = await runCli(['plan', 'hybridcfg.yaml'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/hybridcfg\.yaml:7:12/);
  expect(r.stderr).toContain('`builds.minimum` is `Apr99HU`, which is neither a build number nor an update in Microsoft\'s build list');
  expect(r.stderr).toContain('Apr25HU');
});
