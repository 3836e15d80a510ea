/**
 * The shared contract every Target passes (house style: one interface, two kinds of target, one suite).
 * Each scenario starts from a fresh lab (initLab) and asserts what a user would check afterwards: the
 * organisation as read back, organization.json, the bytes of files on the servers, and the lab's
 * events.jsonl and calls.jsonl (time and backup stamps aside). The lab target and the PowerShell target
 * with the fake Exchange module run the same assertions, so they agree line for line.
 */
import { appRequest } from '../helpers/targets';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PartnerApplicationsLive, PartnerApplicationUpdate } from '../../src/resources/partner-application/types';
import type { WebConfigLive, WebConfigRequest, WebConfigResult } from '../../src/resources/web-config/types';
import type { ExchangeServer, JournalEnd, JournalStart, LockHolder, Target } from '../../src/targets/types';
import { files, initLab, ORG } from '../helpers/targets';
import { adminDisplayVersion, DEFAULT_LAB_BUILD } from '../../src/targets/lab/profiles';
import { partnerApplicationContract } from './kinds/partner-application';
import { webConfigContract } from './kinds/web-config';
import { hybridUnitContract } from './kinds/hybrid-unit';
import {
  GRAPH_APPLICATION_IDENTIFIER,
  REST_FRONTEND_APP_POOL,
  REST_FRONTEND_WEB_CONFIG,
} from '../../src/domain/exchange';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const STAMP = /hybridcfg\/backup\/[0-9A-Za-z-]+\//;

/** events.jsonl / calls.jsonl without `time`, with backup stamps replaced by <stamp>. */
export async function readLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { time, ...rest } = JSON.parse(l) as Record<string, unknown>;
      expect(typeof time).toBe('string');
      expect(new Date(time as string).toISOString()).toBe(time);
      if (typeof rest.backup === 'string') rest.backup = rest.backup.replace(STAMP, 'hybridcfg/backup/<stamp>/');
      return rest;
    });
}

export const rejectsWith = async (p: Promise<unknown>, code: string): Promise<void> => {
  await expect(p).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code })] });
};

export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/').replace(/(^|\/)backup\/[0-9A-Za-z-]+\//, '$1backup/<stamp>/'));
    }
  };
  await walk(dir);
  return out.sort();
}

export const EWS = 'FrontEnd/HttpProxy/ews/web.config';
const HEALTH = { paths: ['/owa/healthcheck.htm', 'ews/healthcheck.htm'], timeoutSeconds: 5 };
const holder = (runId: string, user = 'alice'): LockHolder => ({ runId, command: 'apply', host: 'admin01', user, pid: 4242, startedAt: '2026-01-02T03:04:05.678Z' });

/** The organisation read with the partner application kind, and its part of it. */
export async function readOrg(target: Target) {
  const org = await target.readOrganization(ORG);
  return { ...org, apps: org.resources.partnerApplication as PartnerApplicationsLive };
}
export const readFiles = async (target: Target, server: ExchangeServer, ...f: string[]) => {
  const state = await target.readServer(server, files(...f));
  return { ...state, files: (state.resources.webConfig as WebConfigLive).files };
};
export const setApp = (target: Target, applicationIdentifier: string, update: PartnerApplicationUpdate) =>
  target.setOrganization('partnerApplication', appRequest(applicationIdentifier, update));
export const writeFiles = async (target: Target, server: ExchangeServer, writes: readonly WebConfigRequest[]) =>
  (await target.setServer(server, writes.map((request) => ({ kind: 'webConfig', request })))) as WebConfigResult[];

/** What a kind's contract scenarios get: the lab and the target of the scenario, fresh for each test. */
export interface ContractContext {
  readonly lab: string;
  readonly target: Target;
  /** The lab's build (the default lab's when the contract runs without one). */
  readonly build: string;
}

/** Each resource kind's scenarios, run on every target after the scenarios every kind shares. */
const KIND_CONTRACTS: readonly ((c: ContractContext) => void)[] = [partnerApplicationContract, webConfigContract, hybridUnitContract];

/**
 * The builds the contract also runs on (issue 11: "the contract suite passes on every build profile"):
 * the last 2016 CU23, a 2019 CU14 from before the April 2025 HU, and the last SE; the default lab is 2019
 * CU15. Their profiles: src/targets/lab/profiles.ts, LAB.md "Builds".
 */
export const CONTRACT_BUILDS = ['15.1.2507.66', '15.2.1544.14', '15.2.2562.37'] as const;

export function targetContract(name: string, makeTarget: (labDir: string) => Promise<Target>, opts: { build?: string } = {}): void {
  describe(`Target contract: ${name}${opts.build ? ` on build ${opts.build}` : ''}`, () => {
    let dir: string;
    let lab: string;
    let target: Target;
    const restFile = (server: string): string => path.join(lab, 'servers', server, ...REST_FRONTEND_WEB_CONFIG.split('/'));
    const events = () => readLines(path.join(lab, 'events.jsonl'));
    const calls = () => readLines(path.join(lab, 'calls.jsonl'));
    const organizationJson = async () => JSON.parse(await fs.readFile(path.join(lab, 'organization.json'), 'utf8')) as Record<string, any>;
    const writeOrganization = (org: unknown) => fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
    const setServerFaults = async (faults: Record<string, Record<string, unknown>>) => {
      const org = await organizationJson();
      org.servers = org.servers.map((s: any) => (faults[s.Name] ? { ...s, faults: faults[s.Name] } : s));
      await writeOrganization(org);
    };
    const server = async (n: string): Promise<ExchangeServer> => {
      const org = await target.readOrganization({});
      const s = org.servers.find((x) => x.Name === n);
      if (!s) throw new Error(`no server ${n}`);
      return s;
    };

    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-contract-'));
      lab = path.join(dir, 'lab');
      await initLab(lab, { servers: ['EX01', 'EX02'], ...(opts.build ? { build: opts.build } : {}) });
      target = await makeTarget(lab);
    });
    afterEach(async () => {
      await target.close();
      await fs.rm(dir, { recursive: true, force: true });
    });
    const context: ContractContext = {
      get lab() {
        return lab;
      },
      get target() {
        return target;
      },
      build: opts.build ?? DEFAULT_LAB_BUILD,
    };

    // The lock, the journal, faults and backups do not depend on the build: they run once, on the
    // default lab, and only the scenarios that a build can change run on every build.
    const buildIndependent: typeof test = opts.build === undefined ? test : ((() => undefined) as unknown as typeof test);

    test('reads the organisation and a server, in one call each', async () => {
      const org = await readOrg(target);
      const graph = org.apps.applications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
      const onDisk = (await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
      expect(graph).toMatchObject({ Name: 'Microsoft Graph', AppOnlyPermissions: null, ActAsPermissions: onDisk.ActAsPermissions });
      expect(org.servers.map((s) => s.Name)).toEqual(['EX01', 'EX02']);
      // AdminDisplayVersion shows the CU's build; the server read has the real one, from ExSetup.exe.
      const build = opts.build ?? DEFAULT_LAB_BUILD;
      expect(org.servers[0]).toEqual({ Name: 'EX01', Fqdn: 'EX01.contoso.lab', AdminDisplayVersion: adminDisplayVersion(build), ServerRole: expect.stringMatching(/Mailbox/) });
      expect([...(org.apps.parameters ?? [])].sort()).toEqual([...(await organizationJson()).cmdlets['Set-PartnerApplication'].parameters].sort());

      const state = await readFiles(target, org.servers[0]!, REST_FRONTEND_WEB_CONFIG, 'FrontEnd/HttpProxy/none/web.config');
      const bytes = await fs.readFile(restFile('EX01'));
      expect(state.name).toBe('EX01');
      expect(state.installPath).toBe(path.join(lab, 'servers', 'EX01') + path.sep);
      expect(state.files[REST_FRONTEND_WEB_CONFIG]).toEqual({ exists: true, bytes, sha256: sha256(bytes) });
      expect(state.files['FrontEnd/HttpProxy/none/web.config']).toEqual({ exists: false });
      expect(state.backup).toEqual({ possible: true });
      expect(state.build).toBe(build);
      // A fresh organisation: no originals recorded, nobody holds the lock, no run in the journal.
      expect(org.apps.originals).toEqual({});
      expect(org).toMatchObject({ lock: null, lastRun: null });
      // The organisation's name (Get-OrganizationConfig), for the plan and its report.
      expect(org.name).toBe((await organizationJson()).organization.Name);
      expect(await calls()).toEqual([{ call: 'readOrganization' }, { call: 'readServer', server: 'EX01' }]);
      expect(await events()).toEqual([]);
    });

    test('restarts IIS or recycles the named app pools on the right server', async () => {
      const ex02 = await server('EX02');
      await target.restart(ex02, { mode: 'iisreset' });
      await target.restart(ex02, { mode: 'appPools', appPools: [REST_FRONTEND_APP_POOL, 'MSExchangeOWAAppPool'] });
      expect(await events()).toEqual([
        { action: 'iisreset', server: 'EX02' },
        { action: 'recycle-apppool', server: 'EX02', appPool: REST_FRONTEND_APP_POOL },
        { action: 'recycle-apppool', server: 'EX02', appPool: 'MSExchangeOWAAppPool' },
      ]);
      expect((await calls()).slice(-2)).toEqual([
        { call: 'restart', server: 'EX02' },
        { call: 'restart', server: 'EX02' },
      ]);
    });

    buildIndependent('server faults: unreachable and failing restarts change nothing', async () => {
      const ex01 = await server('EX01');
      const ex02 = await server('EX02');
      const org = await organizationJson();
      org.servers = org.servers.map((s: any) => (s.Name === 'EX01' ? { ...s, faults: { unreachable: true } } : { ...s, faults: { restart: 'fail' } }));
      await fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
      await rejectsWith(readFiles(target, ex01, REST_FRONTEND_WEB_CONFIG), 'target.unreachable');
      await rejectsWith(target.restart(ex02, { mode: 'iisreset' }), 'target.restart-failed');
      await expect(target.readServer(ex01, {})).rejects.toMatchObject({
        diagnostics: [expect.objectContaining({ summary: expect.stringContaining('EX01 (EX01.contoso.lab) is unreachable: WinRM cannot complete the operation') })],
      });
      expect(await events()).toEqual([]);
      expect((await calls()).slice(-3)).toEqual([
        { call: 'readServer', server: 'EX01', error: 'target.unreachable' },
        { call: 'restart', server: 'EX02', error: 'target.restart-failed' },
        { call: 'readServer', server: 'EX01', error: 'target.unreachable' },
      ]);
    });

    buildIndependent('a server that can back up says so in its read; the backup fault says it cannot, and nothing is left behind', async () => {
      await setServerFaults({ EX02: { backup: 'fail' } });
      const org = await target.readOrganization({});
      const [ex01, ex02] = [org.servers[0]!, org.servers[1]!];
      expect((await readFiles(target, ex01, REST_FRONTEND_WEB_CONFIG)).backup).toEqual({ possible: true });
      const refused = await readFiles(target, ex02, REST_FRONTEND_WEB_CONFIG);
      expect(refused.backup).toEqual({ possible: false, reason: 'lab fault backup=fail on EX02' });
      // The server's files are still read: only the write would be refused (by apply's preflight).
      expect(refused.files[REST_FRONTEND_WEB_CONFIG]).toMatchObject({ exists: true });
      for (const s of ['EX01', 'EX02']) expect(await listFiles(path.join(lab, 'servers', s, 'hybridcfg'))).toEqual([]);
      expect(await events()).toEqual([]);
      expect((await calls()).slice(-2)).toEqual([
        { call: 'readServer', server: 'EX01' },
        { call: 'readServer', server: 'EX02' },
      ]);
    });

    test('a restart carries its health check: healthy, failing with the healthCheck fault (a result, not an error), or not asked', async () => {
      await setServerFaults({ EX02: { healthCheck: 'fail' } });
      const org = await target.readOrganization({});
      const [ex01, ex02] = [org.servers[0]!, org.servers[1]!];
      // Every restart says how long the server was unavailable: modelled by the lab, measured by PowerShell.
      const costed = { unavailability: { ms: expect.any(Number), how: expect.stringMatching(/^(modelled|measured)$/) } };
      expect(await target.restart(ex01, { mode: 'iisreset', healthCheck: HEALTH })).toEqual({ health: { ok: true, failures: [] }, ...costed });
      expect(await target.restart(ex02, { mode: 'appPools', appPools: [REST_FRONTEND_APP_POOL], healthCheck: HEALTH })).toEqual({
        ...costed,
        health: {
          ok: false,
          failures: [
            { path: '/owa/healthcheck.htm', reason: 'https://EX02.contoso.lab/owa/healthcheck.htm did not answer 200 OK within 5 s: it answered 503' },
            { path: 'ews/healthcheck.htm', reason: 'https://EX02.contoso.lab/ews/healthcheck.htm did not answer 200 OK within 5 s: it answered 503' },
          ],
        },
      });
      expect(await target.restart(ex02, { mode: 'iisreset' })).toEqual(costed);
      // The unhealthy server was restarted all the same.
      expect(await events()).toEqual([
        { action: 'iisreset', server: 'EX01' },
        { action: 'recycle-apppool', server: 'EX02', appPool: REST_FRONTEND_APP_POOL },
        { action: 'iisreset', server: 'EX02' },
      ]);
      expect((await calls()).slice(-3)).toEqual([
        { call: 'restart', server: 'EX01' },
        { call: 'restart', server: 'EX02' },
        { call: 'restart', server: 'EX02' },
      ]);
    });

    buildIndependent('the lock: taken once, a second taker gets the holder, released only by its own run id', async () => {
      const t = target;
      const a = holder('run-a');
      const b = holder('run-b', 'bob');
      const lockFile = path.join(lab, 'hybridcfg', 'lock.json');
      expect(await t.acquireLock(a)).toBeNull();
      expect(await fs.readFile(lockFile, 'utf8')).toBe(JSON.stringify(a, null, 2) + '\n');
      expect((await t.readOrganization({})).lock).toEqual(a);
      expect(await t.acquireLock(b)).toEqual(a);
      expect(await t.releaseLock('run-b')).toBe(false);
      expect(await fs.readFile(lockFile, 'utf8')).toBe(JSON.stringify(a, null, 2) + '\n');
      expect(await t.releaseLock('run-a')).toBe(true);
      expect((await t.readOrganization({})).lock).toBeNull();
      expect(await t.releaseLock('run-a')).toBe(false);
      expect(await t.acquireLock(b)).toBeNull();
      expect((await t.readOrganization({})).lock).toEqual(b);
      // No temp file of the lock is left behind, and the lock is not a change of the organisation.
      expect(await listFiles(path.join(lab, 'hybridcfg'))).toEqual(['lock.json']);
      expect(await events()).toEqual([]);
      expect(await calls()).toEqual([
        { call: 'acquireLock', runId: 'run-a' },
        { call: 'readOrganization' },
        { call: 'acquireLock', runId: 'run-b' },
        { call: 'releaseLock', runId: 'run-b' },
        { call: 'releaseLock', runId: 'run-a' },
        { call: 'readOrganization' },
        { call: 'releaseLock', runId: 'run-a' },
        { call: 'acquireLock', runId: 'run-b' },
        { call: 'readOrganization' },
      ]);
    });

    buildIndependent('the journal: one line per entry; the last run is its start and, once written, its end; a line cut short is skipped', async () => {
      const t = target;
      const start = (runId: string): JournalStart => ({
        event: 'start',
        runId,
        holder: holder(runId),
        changes: [
          { address: `server["EX01"].webConfig["${REST_FRONTEND_WEB_CONFIG}"]`, server: 'EX01', before: 'a'.repeat(64), after: 'b'.repeat(64) },
          { address: `partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]` },
        ],
      });
      const end = (runId: string): JournalEnd => ({ event: 'end', runId, status: 'succeeded' });
      const journal = path.join(lab, 'hybridcfg', 'journal.jsonl');
      const withTime = <T>(entry: T) => ({ time: expect.any(String), ...entry });

      await t.appendJournal(start('run-1'));
      expect((await t.readOrganization({})).lastRun).toEqual({ start: withTime(start('run-1')) });
      await t.appendJournal(end('run-1'));
      expect((await t.readOrganization({})).lastRun).toEqual({ start: withTime(start('run-1')), end: withTime(end('run-1')) });
      await t.appendJournal(start('run-2'));
      expect((await t.readOrganization({})).lastRun).toEqual({ start: withTime(start('run-2')) });
      expect(await readLines(journal)).toEqual([start('run-1'), end('run-1'), start('run-2')]);
      // A run killed while writing its end line leaves half a line: run-2 is still the interrupted run.
      await fs.appendFile(journal, JSON.stringify({ time: new Date().toISOString(), ...end('run-2') }).slice(0, 30));
      expect((await t.readOrganization({})).lastRun).toEqual({ start: withTime(start('run-2')) });
      // The next run's start begins on a line of its own: the short line cannot swallow it.
      await t.appendJournal(start('run-3'));
      expect((await t.readOrganization({})).lastRun).toEqual({ start: withTime(start('run-3')) });
      expect(await events()).toEqual([]);
      expect((await calls()).filter((c) => c.call === 'appendJournal')).toEqual([
        { call: 'appendJournal', runId: 'run-1' },
        { call: 'appendJournal', runId: 'run-1' },
        { call: 'appendJournal', runId: 'run-2' },
        { call: 'appendJournal', runId: 'run-3' },
      ]);
    });

    for (const kind of KIND_CONTRACTS) kind(context);
  });
}
