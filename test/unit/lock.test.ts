/** The lab's organisation lock: exclusive, names its holder, released only by its own run. */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { holderState, newHolder, previousRunWarnings } from '../../src/apply/lock';
import type { Change } from '../../src/resources/types';
import { live, loaded, planOf } from '../helpers/live';
import { initLab, labTarget } from '../helpers/targets';

let dir: string;
beforeEach(async () => {
  dir = join(mkdtempSync(join(tmpdir(), 'hybridcfg-lock-')), 'lab');
  await initLab(dir, { servers: ['EX01'] });
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

test('of many runs taking the lock at once, exactly one gets it; the others learn who holds it', async () => {
  const holders = Array.from({ length: 8 }, () => newHolder('apply'));
  const answers = await Promise.all(holders.map((h) => labTarget(dir).acquireLock(h)));
  const winners = answers.filter((a) => a === null);
  expect(winners).toHaveLength(1);
  const winner = holders[answers.indexOf(null)];
  for (const a of answers.filter((x) => x !== null)) expect(a).toEqual(winner);
  expect((await labTarget(dir).readOrganization({})).lock).toEqual(winner);
});

test('only the holder releases the lock', async () => {
  const target = labTarget(dir);
  const mine = newHolder('apply');
  expect(await target.acquireLock(mine)).toBeNull();
  expect(await target.releaseLock('someone-else')).toBe(false);
  expect((await target.readOrganization({})).lock).toEqual(mine);
  expect(await target.releaseLock(mine.runId)).toBe(true);
  expect((await target.readOrganization({})).lock).toBeNull();
  expect(await target.acquireLock(newHolder('rollback'))).toBeNull();
});

test('a holder on this host is alive or gone by its process; on another host it is unknown', () => {
  expect(holderState({ ...newHolder('apply'), pid: process.pid })).toBe('alive');
  expect(holderState({ ...newHolder('apply'), pid: 2 ** 22 + 7 })).toBe('gone');
  expect(holderState({ ...newHolder('apply'), host: `not-${hostname()}` })).toBe('unknown');
});

test('a journal start without an end is reported as an interrupted run, with where each change stands', async () => {
  const target = labTarget(dir);
  const holder = { ...newHolder('apply'), pid: 2 ** 22 + 7 };
  const address = (file: string) => `server["EX01"].webConfig["${file}"]`;
  await target.appendJournal({
    event: 'start',
    runId: holder.runId,
    holder,
    changes: [
      { address: address('a/web.config'), server: 'EX01', before: 'old', after: 'new' },
      { address: address('b/web.config'), server: 'EX01', before: 'old', after: 'new' },
      { address: address('c/web.config'), server: 'EX01', before: 'old', after: 'new' },
    ],
  });
  const org = await target.readOrganization({});
  // What the plan made now says: a/ converged, b/ still planned from the same bytes, c/ planned from other bytes.
  const pending = (file: string, before: string): Change => ({
    kind: 'webConfig',
    address: address(file),
    action: 'update',
    reason: 'spec',
    server: 'EX01',
    attributes: [],
    effects: [],
    digest: { before, after: 'new' },
    data: {},
  });
  const plan = { ...planOf(loaded({}), live({})), changes: [pending('b/web.config', 'old'), pending('c/web.config', 'other')] };
  const [w] = previousRunWarnings(org, plan);
  expect(w.code).toBe('plan.previous-run-interrupted');
  expect(w.detail).toContain(`${address('a/web.config')}: changed`);
  expect(w.detail).toContain(`${address('b/web.config')}: not changed`);
  expect(w.detail).toContain(`${address('c/web.config')}: changed by someone else since`);
  await target.appendJournal({ event: 'end', runId: holder.runId, status: 'succeeded' });
  expect(previousRunWarnings(await target.readOrganization({}), plan)).toEqual([]);
});
