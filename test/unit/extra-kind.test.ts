/**
 * A new resource kind is its folder and a line in a registry: the "note" kind of the test tree
 * (test/kinds/note) is planned, applied, shown in every view, exported and rolled back by the engine,
 * the views and the lab target exactly as they are, with nothing changed outside its folder.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { IO } from '../../src/io/messages';
import { REGISTRY, withKinds } from '../../src/resources/registry';
import { applySpec, rollbackSpec } from '../../src/session/apply';
import { exportSpec } from '../../src/session/export';
import { initLab } from '../../src/session/lab';
import { loadSpec, withSession } from '../../src/session/session';
import { renderPlanHtml } from '../../src/views/html';
import { planJson } from '../../src/views/json';
import { renderPlanText } from '../../src/views/plan-text';
import { testIoHost } from '../helpers/io-host';
import { note } from '../kinds/note';

const registry = withKinds(REGISTRY, note);
let dir: string;
const spec = () => path.join(dir, 'hybridcfg.yaml');
const notesOf = async () => JSON.parse(await fs.readFile(path.join(dir, 'lab', 'organization.json'), 'utf8')).notes;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-extra-kind-'));
  await initLab(path.join(dir, 'lab'), { servers: ['EX01', 'EX02'] }, registry);
  await fs.writeFile(spec(), 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nnotes:\n  - name: welcome\n    text: hello, world\n');
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

test('the registry is the one place that names the built-in kinds, and each has a driver for every target', () => {
  expect(REGISTRY.kinds.map((k) => k.id)).toEqual(['partnerApplication', 'webConfig', 'authServer', 'settingOverride', 'intraOrganizationConnector', 'organizationRelationship', 'authConfig', 'authCertificate']);
  for (const k of REGISTRY.kinds) expect([k.id, !!k.drivers.lab, !!k.drivers.powershell]).toEqual([k.id, true, true]);
});

test('the spec loader validates the new section with the schema its fragment adds', async () => {
  expect((await loadSpec(spec(), registry)).spec.notes).toEqual([{ name: 'welcome', text: 'hello, world' }]);
  // Without the kind, the same spec has an unknown key; with it, a wrong type in its section is found.
  await expect(loadSpec(spec())).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code: 'spec.unknown-key' })] });
  await fs.writeFile(spec(), 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget:\n  lab: ./lab\nservers: all\nnotes:\n  - name: welcome\n    text: 7\n');
  await expect(loadSpec(spec(), registry)).rejects.toMatchObject({
    diagnostics: [expect.objectContaining({ code: 'spec.wrong-type', source: expect.objectContaining({ line: 8 }) })],
  });
});

test('plan, views, apply, plan again, export, rollback', async () => {
  const host = testIoHost();
  const plan = await withSession(spec(), { host, registry }, async (s) => s.plan);
  expect(plan.changes).toEqual([expect.objectContaining({ kind: 'note', address: 'note["welcome"]', attributes: [expect.objectContaining({ before: 'hello', after: 'hello, world' })] })]);
  expect(plan.restarts.map((r) => [r.server, r.reasons])).toEqual([
    ['EX01', ['note "welcome" changed']],
    ['EX02', ['note "welcome" changed']],
  ]);
  // Each server in scope is read once (its build), though the kind is organisation-wide.
  expect(host.codes()).toEqual([IO.READ_START.code, IO.READ_ORGANIZATION.code, IO.READ_SERVER.code, IO.READ_SERVER.code, IO.PLAN_READY.code]);

  // Every view shows it, from the change's attributes alone.
  const text = renderPlanText(plan, { color: false });
  expect(text).toContain('~ note["welcome"] (welcome)');
  expect(text).toContain('~ Text: "hello" -> "hello, world"');
  expect(text).toContain('Plan: 1 change (1 note), 2 restarts.');
  expect(renderPlanHtml(plan)).toContain('data-address="note[&quot;welcome&quot;]"');
  expect(planJson(plan).kinds).toEqual({ note: { scope: 'organization', noun: ['note', 'notes'] } });

  const applied = await applySpec(spec(), { host, registry, cwd: dir, specArg: 'hybridcfg.yaml' });
  expect(applied.result?.status).toBe('succeeded');
  expect(applied.result?.organization).toEqual([{ kind: 'note', address: 'note["welcome"]', title: 'welcome', done: true, state: 'done' }]);
  expect(applied.result?.servers.map((s) => s.restarted)).toEqual([true, true]);
  expect(await notesOf()).toEqual([{ Name: 'welcome', Text: 'hello, world' }]);
  expect(host.requests.map((r) => r.code)).toEqual([IO.APPLY_CONFIRM.code]);

  expect((await withSession(spec(), { host, registry }, async (s) => s.plan)).changes).toEqual([]);

  const exported = await exportSpec(spec(), { host, registry, outDir: dir });
  expect(exported.doc.notes).toEqual([{ name: 'welcome', text: 'hello, world' }]);

  const rolled = await rollbackSpec(spec(), { host, registry, cwd: dir, specArg: 'hybridcfg.yaml' });
  expect(rolled.plan.changes.map((c) => [c.address, c.reason])).toEqual([['note["welcome"]', 'rollback']]);
  expect(rolled.result?.status).toBe('succeeded');
  expect(await notesOf()).toEqual([{ Name: 'welcome', Text: 'hello' }]);
});

test('a confirmation answered no changes nothing', async () => {
  const host = testIoHost(() => false);
  const outcome = await applySpec(spec(), { host, registry, cwd: dir, specArg: 'hybridcfg.yaml' });
  expect(outcome.cancelled).toBe(true);
  expect(host.codes()).toContain(IO.APPLY_CANCELLED.code);
  expect(await notesOf()).toEqual([{ Name: 'welcome', Text: 'hello' }]);
});

test('a target with no driver for a kind the spec uses refuses before reading anything', async () => {
  await fs.writeFile(spec(), (await fs.readFile(spec(), 'utf8')).replace('  lab: ./lab', '  powershell: { shell: pwsh, lab: ./lab }'));
  await expect(withSession(spec(), { host: testIoHost(), registry }, async (s) => s.plan)).rejects.toMatchObject({
    diagnostics: [expect.objectContaining({ code: 'target.kind-unsupported', summary: 'The powershell target cannot manage notes (`notes`).' })],
  });
});
