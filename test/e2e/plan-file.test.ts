/**
 * Issue 13 #7, #8, #9: a saved plan applies wherever the same spec and target are (the spec path is
 * stored relative to the plan, with its digest); apply recomputes every change from the live state and
 * the spec and refuses, changing nothing, when the result differs from the plan file in any way; and the
 * plan file carries no copy of any web.config (a static machineKey stays on the server).
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCli } from '../helpers/cli';
import { REST, seedSpec } from '../helpers/seed-spec';

const SPEC = seedSpec();
const MACHINE_KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90';

let root: string;
const snapshot = (dir: string): Map<string, string> => {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/calls\.jsonl$|journal\.jsonl$/.test(p)) out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(join(dir, 'lab'));
  return out;
};

async function planned(): Promise<string> {
  root = mkdtempSync(join(tmpdir(), 'hybridcfg-planfile-'));
  const dir = join(root, 'a');
  await runCli(['lab', 'init', join(root, 'a', 'lab'), '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd: root });
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  // A static machineKey in the file: a secret the plan file must not carry.
  for (const s of ['EX01', 'EX02']) {
    const f = join(dir, 'lab', 'servers', s, ...REST.split('/'));
    writeFileSync(f, readFileSync(f, 'utf8').replace('</configuration>', `  <system.web>\r\n    <machineKey validationKey="${MACHINE_KEY}" decryptionKey="${MACHINE_KEY}" />\r\n  </system.web>\r\n</configuration>`));
    expect(readFileSync(f, 'utf8')).toContain(MACHINE_KEY);
  }
  const r = await runCli(['plan', '--out', 'plan.json'], { cwd: dir });
  expect(r.code).toBe(0);
  return dir;
}
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('#9: the plan file carries no web.config bytes: no machineKey, no markup, no base64 of a file', async () => {
  const dir = await planned();
  const text = readFileSync(join(dir, 'plan.json'), 'utf8');
  expect(text).not.toContain(MACHINE_KEY);
  expect(text).not.toContain('<configuration');
  expect(text).not.toContain(readFileSync(join(dir, 'lab', 'servers', 'EX01', ...REST.split('/'))).toString('base64').slice(0, 40));
});

test('#7: a plan applies from another folder and another working directory, where the same spec and target are', async () => {
  const dir = await planned();
  const moved = join(root, 'elsewhere', 'checkout');
  cpSync(dir, moved, { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  const r = await runCli(['apply', join(moved, 'plan.json'), '--yes'], { cwd: root });
  expect(r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
  expect((await runCli(['plan', '--detailed-exitcode'], { cwd: moved })).code).toBe(0);
});

test('#7: the spec beside the moved plan must be the one it was made from', async () => {
  const dir = await planned();
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC.replace('iisreset', 'appPools\n  appPools: [MSExchangeRestFrontEndAppPool]'));
  const before = snapshot(dir);
  const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/changed since the plan/);
  expect(snapshot(dir)).toEqual(before);
});

/** Every leaf of a JSON value with its path. */
function leaves(v: unknown, at: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, [...at, i]));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, k]));
  return [{ path: at, value: v }];
}
function setAt(doc: any, path: (string | number)[], value: unknown): void {
  let o = doc;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]!] = value;
}

test('#8: an edit of any field of the plan file (hashes fixed up or not) is refused and changes nothing', async () => {
  const dir = await planned();
  const original = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
  // Not checked, by design: when it was made and by whom (the report of the apply shows them as the file
  // says: someone else applies), the organisation's name (for people; a name read differently changes no
  // change), and the target's description (it names the lab's folder, which moves with a checkout; the plan
  // shown before apply is the recomputed one, with the true name).
  const unchecked = new Set(['createdAt', 'kind', 'plannedBy', 'organization']);
  expect(original.plannedBy).toEqual({ user: expect.any(String), host: expect.any(String) });
  expect(original.organization).toEqual({ name: 'contoso.lab' });
  const all = leaves(original).filter((l) => !unchecked.has(String(l.path[0])) && l.path.join('.') !== 'target.description');
  const before = snapshot(dir);
  const pick = fc.integer({ min: 0, max: all.length - 1 });
  const mutate = fc.oneof(fc.constant('x'), fc.constant(0), fc.constant(null), fc.constant(true), fc.constant('https://attacker.example/metadata'));
  await fc.assert(
    fc.asyncProperty(pick, mutate, async (i, value) => {
      const leaf = all[i]!;
      if (leaf.value === value) return;
      const doc = structuredClone(original);
      setAt(doc, leaf.path, value);
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(doc, null, 2));
      const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
      if (leaf.path[0] === 'spec' && leaf.path[1] === 'path' && r.code === 0) throw new Error('a plan pointing at another spec was applied');
      expect([leaf.path.join('.'), r.code]).toEqual([leaf.path.join('.'), 1]);
      expect(r.stderr).not.toMatch(/unexpectedly/);
      expect(snapshot(dir)).toEqual(before);
    }),
    { numRuns: 60 },
  );
  // Targeted: an injected handler or metadata URL in the changes, the display fields.
  for (const edit of [
    (d: any) => (d.changes[0].data.update = { ...d.changes[0].data.update, AuthMetadataUrl: 'https://attacker.example/metadata' }),
    (d: any) => (d.changes.find((c: any) => c.kind === 'webConfig').data.settings[0].after += '|Injected'),
    (d: any) => (d.summary.restarts = 0),
    (d: any) => (d.assumptions = []),
    (d: any) => (d.warnings = [{ severity: 'warning', code: 'x', summary: 'all is well' }]),
    // Who planned, and the organisation, are shown as the file says, but only in the shape hybridcfg writes.
    (d: any) => (d.plannedBy = 'alice'),
    (d: any) => (d.plannedBy = null),
    (d: any) => (d.organization = { name: 7 }),
  ]) {
    const doc = structuredClone(original);
    edit(doc);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify(doc, null, 2));
    const r = await runCli(['apply', 'plan.json', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(snapshot(dir)).toEqual(before);
  }
  // The file as saved applies, and its createdAt and author may differ (made at another time, by someone else).
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ ...original, createdAt: '2000-01-01T00:00:00.000Z', plannedBy: { user: 'alice', host: 'ADMIN01' } }, null, 2));
  expect((await runCli(['apply', 'plan.json', '--yes'], { cwd: dir })).code).toBe(0);
}, 120_000);
