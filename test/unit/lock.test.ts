/** The lab's organisation lock: exclusive, names its holder, released only by its own run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { holderState, newHolder, previousRunWarnings } from '../../src/apply/lock';
import { initLab } from '../../src/targets/lab/init';
import { createLabTarget } from '../../src/targets/lab/lab-target';

let dir: string;
beforeEach(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'hybridcfg-lock-')), 'lab');
  await initLab(dir, { servers: ['EX01'] });
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

test('of many runs taking the lock at once, exactly one gets it; the others learn who holds it', async () => {
  const holders = Array.from({ length: 8 }, () => newHolder('apply'));
  const answers = await Promise.all(holders.map((h) => createLabTarget(dir).acquireLock(h)));
  const winners = answers.filter((a) => a === null);
  expect(winners).toHaveLength(1);
  const winner = holders[answers.indexOf(null)];
  for (const a of answers.filter((x) => x !== null)) expect(a).toEqual(winner);
  expect((await createLabTarget(dir).readOrganization()).lock).toEqual(winner);
});

test('only the holder releases the lock', async () => {
  const target = createLabTarget(dir);
  const mine = newHolder('apply');
  expect(await target.acquireLock(mine)).toBeNull();
  expect(await target.releaseLock('someone-else')).toBe(false);
  expect((await target.readOrganization()).lock).toEqual(mine);
  expect(await target.releaseLock(mine.runId)).toBe(true);
  expect((await target.readOrganization()).lock).toBeNull();
  expect(await target.acquireLock(newHolder('rollback'))).toBeNull();
});

test('a holder on this host is alive or gone by its process; on another host it is unknown', () => {
  expect(holderState({ ...newHolder('apply'), pid: process.pid })).toBe('alive');
  expect(holderState({ ...newHolder('apply'), pid: 2 ** 22 + 7 })).toBe('gone');
  expect(holderState({ ...newHolder('apply'), host: `not-${hostname()}` })).toBe('unknown');
});

test('a journal start without an end is reported as an interrupted run, with where each file stands', async () => {
  const target = createLabTarget(dir);
  const holder = { ...newHolder('apply'), pid: 2 ** 22 + 7 };
  await target.appendJournal({
    event: 'start',
    runId: holder.runId,
    holder,
    files: [{ server: 'EX01', file: 'a/web.config', beforeSha256: 'old', afterSha256: 'new' }],
    partnerApplications: [],
  });
  const org = await target.readOrganization();
  const states = { EX01: { name: 'EX01', installPath: '/', files: { 'a/web.config': { exists: true as const, bytes: Buffer.from(''), sha256: 'new' } } } };
  const [w] = previousRunWarnings(org, states);
  expect(w.code).toBe('plan.previous-run-interrupted');
  expect(w.detail).toContain('EX01 a/web.config: changed');
  await target.appendJournal({ event: 'end', runId: holder.runId, status: 'succeeded' });
  expect(previousRunWarnings(await target.readOrganization(), states)).toEqual([]);
});
