/**
 * Round trips per server, counted from the lab's calls.jsonl (one line per call the target serves)
 * through the CLI, as an admin running plan and apply would cause them:
 *  - plan: one readOrganization for the run, exactly one readServer per server, nothing else;
 *  - apply of a changed server: its read, one writeFiles (all its files), one restart: 3 calls;
 *  - a server with nothing to change: its read only, no writeFiles, no restart;
 *  - the organisation-wide Set-PartnerApplication: once per application that changes, never per server;
 *  - other organisation-wide calls of a run (the apply lock, the run journal) a fixed number per run,
 *    the same for one server as for four.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

const QUICKSTART = join(__dirname, '..', '..', 'examples', 'specs', 'graph-app-only-lab.yaml');
const SERVERS = ['EX01', 'EX02', 'EX03', 'EX04'];

interface Call {
  readonly call: string;
  readonly server?: string;
  readonly error?: string;
}

describe('calls per server on a four-server lab', () => {
  let dir: string;
  let seen = 0;
  /** The calls made since the last time this was asked. */
  const newCalls = (): Call[] => {
    const file = join(dir, 'lab', 'calls.jsonl');
    const all = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call) : [];
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh;
  };
  const count = (calls: readonly Call[], call: string, server?: string) =>
    calls.filter((c) => c.call === call && (server === undefined || c.server === server)).length;
  const orgWide = (calls: readonly Call[]) => calls.filter((c) => c.server === undefined).map((c) => c.call).sort();
  let orgWideOfOneServerApply: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hybridcfg-calls-'));
    copyFileSync(QUICKSTART, join(dir, 'hybridcfg.yaml'));
    // The same spec narrowed to EX01, to converge one server ahead of the others.
    writeFileSync(join(dir, 'ex01.yaml'), readFileSync(QUICKSTART, 'utf8').replace(/^servers: all\b.*$/m, 'servers: [EX01]'));
    const init = await runCli(['lab', 'init', './lab', '--servers', SERVERS.join(','), '--app-only-exposed'], { cwd: dir });
    expect(init.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plan: the organisation once, each server exactly once, no other call', async () => {
    newCalls();
    const r = await runCli(['plan', '--parallelism', '2'], { cwd: dir });
    expect(r.code).toBe(0);
    const calls = newCalls();
    expect(count(calls, 'readOrganization')).toBe(1);
    for (const s of SERVERS) expect(count(calls, 'readServer', s)).toBe(1);
    expect(calls).toHaveLength(1 + SERVERS.length);
  });

  it('apply on one server: reads only it, writes it once, restarts it once', async () => {
    newCalls();
    const r = await runCli(['apply', 'ex01.yaml', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    const calls = newCalls();
    expect(calls.filter((c) => c.server !== undefined).map((c) => `${c.call} ${c.server}`)).toEqual([
      'readServer EX01',
      'writeFiles EX01',
      'restart EX01',
    ]);
    expect(count(calls, 'readOrganization')).toBe(1);
    expect(count(calls, 'setPartnerApplication')).toBe(1);
    orgWideOfOneServerApply = orgWide(calls).filter((c) => c !== 'setPartnerApplication');
  });

  it('apply on all: 3 calls per changed server, only the read for the one already converged', async () => {
    newCalls();
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    const calls = newCalls();
    expect(calls.filter((c) => c.error !== undefined)).toEqual([]);
    expect(count(calls, 'readOrganization')).toBe(1);
    // Graph's AppOnlyPermissions were set by the first apply: nothing org-wide to change now.
    expect(count(calls, 'setPartnerApplication')).toBe(0);
    expect(calls.filter((c) => c.server === 'EX01').map((c) => c.call)).toEqual(['readServer']);
    for (const s of ['EX02', 'EX03', 'EX04']) {
      expect(calls.filter((c) => c.server === s).map((c) => c.call)).toEqual(['readServer', 'writeFiles', 'restart']);
    }
    expect(calls.filter((c) => c.server !== undefined)).toHaveLength(SERVERS.length + 2 * 3);
    expect(orgWide(calls)).toEqual(orgWideOfOneServerApply);
  });

  it('apply when everything is converged: reads only, no write, no restart, no event', async () => {
    newCalls();
    const events = readFileSync(join(dir, 'lab', 'events.jsonl'), 'utf8');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    const calls = newCalls();
    expect(calls.filter((c) => c.server !== undefined).map((c) => c.call)).toEqual(SERVERS.map(() => 'readServer'));
    expect(count(calls, 'readOrganization')).toBe(1);
    expect(count(calls, 'setPartnerApplication')).toBe(0);
    expect(readFileSync(join(dir, 'lab', 'events.jsonl'), 'utf8')).toBe(events);
  });
});
