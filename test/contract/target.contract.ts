/**
 * The shared contract every Target passes (house style: one interface, two kinds of target, one suite).
 * Each scenario starts from a fresh lab (initLab) and asserts what a user would check afterwards: the
 * organisation as read back, organization.json, the bytes of files on the servers, and the lab's
 * events.jsonl and calls.jsonl (time and backup stamps aside). The lab target and the PowerShell target
 * with the fake Exchange module run the same assertions, so they agree line for line.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initLab } from '../../src/targets/lab/init';
import type { ExchangeServer, Target } from '../../src/targets/types';
import { GRAPH_APPLICATION_IDENTIFIER, REST_FRONTEND_APP_POOL, REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';

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

async function listFiles(dir: string): Promise<string[]> {
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

export function targetContract(name: string, makeTarget: (labDir: string) => Promise<Target>): void {
  describe(`Target contract: ${name}`, () => {
    let dir: string;
    let lab: string;
    let target: Target;
    const restFile = (server: string): string => path.join(lab, 'servers', server, ...REST_FRONTEND_WEB_CONFIG.split('/'));
    const events = () => readLines(path.join(lab, 'events.jsonl'));
    const calls = () => readLines(path.join(lab, 'calls.jsonl'));
    const organizationJson = async () => JSON.parse(await fs.readFile(path.join(lab, 'organization.json'), 'utf8')) as Record<string, any>;
    const server = async (n: string): Promise<ExchangeServer> => {
      const org = await target.readOrganization();
      const s = org.servers.find((x) => x.Name === n);
      if (!s) throw new Error(`no server ${n}`);
      return s;
    };

    beforeEach(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-contract-'));
      lab = path.join(dir, 'lab');
      await initLab(lab, { servers: ['EX01', 'EX02'] });
      target = await makeTarget(lab);
    });
    afterEach(async () => {
      await target.close();
      await fs.rm(dir, { recursive: true, force: true });
    });

    test('reads the organisation and a server, in one call each', async () => {
      const org = await target.readOrganization();
      const graph = org.partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
      const onDisk = (await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
      expect(graph).toMatchObject({ Name: 'Microsoft Graph', AppOnlyPermissions: null, ActAsPermissions: onDisk.ActAsPermissions });
      expect(org.servers.map((s) => s.Name)).toEqual(['EX01', 'EX02']);
      expect(org.servers[0]).toEqual({ Name: 'EX01', Fqdn: 'EX01.contoso.lab', AdminDisplayVersion: expect.any(String), ServerRole: expect.stringMatching(/Mailbox/) });
      expect([...(org.setPartnerApplicationParameters ?? [])].sort()).toEqual([...(await organizationJson()).cmdlets['Set-PartnerApplication'].parameters].sort());

      const state = await target.readServer(org.servers[0]!, [REST_FRONTEND_WEB_CONFIG, 'FrontEnd/HttpProxy/none/web.config']);
      const bytes = await fs.readFile(restFile('EX01'));
      expect(state.name).toBe('EX01');
      expect(state.installPath).toBe(path.join(lab, 'servers', 'EX01') + path.sep);
      expect(state.files[REST_FRONTEND_WEB_CONFIG]).toEqual({ exists: true, bytes, sha256: sha256(bytes) });
      expect(state.files['FrontEnd/HttpProxy/none/web.config']).toEqual({ exists: false });
      expect(await calls()).toEqual([{ call: 'readOrganization' }, { call: 'readServer', server: 'EX01' }]);
      expect(await events()).toEqual([]);
    });

    test('sets only the given partner application properties', async () => {
      const before = await organizationJson();
      const act = before.partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER).ActAsPermissions;
      await target.setPartnerApplication(GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: act, Enabled: true });
      const after = await organizationJson();
      const expected = {
        ...before,
        partnerApplications: before.partnerApplications.map((a: any) => (a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER ? { ...a, AppOnlyPermissions: act } : a)),
      };
      expect(after).toEqual(expected);
      expect((await target.readOrganization()).partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER)?.AppOnlyPermissions).toEqual(act);
      // Enabled was already true: only what changed is reported.
      expect(await events()).toEqual([
        { action: 'set-partnerapplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER, name: 'Microsoft Graph', properties: ['AppOnlyPermissions'] },
      ]);
      expect(await calls()).toEqual([{ call: 'setPartnerApplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER }, { call: 'readOrganization' }]);
    });

    test('an empty permission list is stored as null', async () => {
      await target.setPartnerApplication(GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'] });
      await target.setPartnerApplication(GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: [] });
      const app = (await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
      expect(app.AppOnlyPermissions).toBeNull();
      expect((await events()).map((e) => e.properties)).toEqual([['AppOnlyPermissions'], ['AppOnlyPermissions']]);
    });

    test('a build without -AppOnlyPermissions refuses it and changes nothing', async () => {
      const org = await organizationJson();
      org.cmdlets['Set-PartnerApplication'].parameters = org.cmdlets['Set-PartnerApplication'].parameters.filter((p: string) => p !== 'AppOnlyPermissions');
      await fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
      const live = await target.readOrganization();
      expect(live.setPartnerApplicationParameters).not.toContain('AppOnlyPermissions');
      expect(live.setPartnerApplicationParameters).toContain('ActAsPermissions');
      await rejectsWith(target.setPartnerApplication(GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'] }), 'target.parameter-missing');
      expect(await organizationJson()).toEqual(org);
      expect(await events()).toEqual([]);
      expect(await calls()).toEqual([
        { call: 'readOrganization' },
        { call: 'setPartnerApplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER, error: 'target.parameter-missing' },
      ]);
    });

    test('a stale sha256 is refused and nothing is written', async () => {
      const ex01 = await server('EX01');
      const before = await fs.readFile(restFile('EX01'));
      await rejectsWith(
        target.writeFiles(ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: Buffer.from('new'), expectedSha256: sha256(Buffer.from('something else')) }]),
        'target.file-changed',
      );
      expect(await fs.readFile(restFile('EX01'))).toEqual(before);
      expect(await listFiles(path.join(lab, 'servers', 'EX01', 'hybridcfg'))).toEqual([]);
      expect(await events()).toEqual([]);
      expect((await calls()).slice(-1)).toEqual([{ call: 'writeFiles', server: 'EX01', error: 'target.file-changed' }]);
    });

    test('a missing file is not created', async () => {
      const ex01 = await server('EX01');
      await rejectsWith(
        target.writeFiles(ex01, [{ file: 'FrontEnd/HttpProxy/none/web.config', bytes: Buffer.from('x'), expectedSha256: sha256(Buffer.from('')) }]),
        'target.file-missing',
      );
      expect(await listFiles(path.join(lab, 'servers', 'EX01', 'FrontEnd', 'HttpProxy', 'none'))).toEqual([]);
    });

    test('writes back up the previous bytes, keep the first original, and replace the file', async () => {
      const ex01 = await server('EX01');
      const original = await fs.readFile(restFile('EX01'));
      const first = Buffer.concat([original, Buffer.from('<!-- 1 -->\r\n')]);
      const second = Buffer.concat([first, Buffer.from('<!-- 2 -->\r\n')]);
      const r1 = await target.writeFiles(ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: first, expectedSha256: sha256(original) }]);
      const r2 = await target.writeFiles(ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: second, expectedSha256: sha256(first) }]);
      expect(await fs.readFile(restFile('EX01'))).toEqual(second);
      expect(await fs.readFile(r1[0]!.backupPath)).toEqual(original);
      expect(await fs.readFile(r2[0]!.backupPath)).toEqual(first);
      const hc = path.join(lab, 'servers', 'EX01', 'hybridcfg');
      expect(await fs.readFile(path.join(hc, 'original', ...REST_FRONTEND_WEB_CONFIG.split('/')))).toEqual(original);
      expect(await listFiles(hc)).toEqual([`backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`, `backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`, `original/${REST_FRONTEND_WEB_CONFIG}`]);
      // Nothing is left behind next to the file (temp files) and EX02 is untouched.
      expect(await listFiles(path.dirname(restFile('EX01')))).toEqual(['web.config']);
      expect(await listFiles(path.join(lab, 'servers', 'EX02', 'hybridcfg'))).toEqual([]);
      const write = (before: Buffer, after: Buffer) => ({
        action: 'write-file',
        server: 'EX01',
        file: REST_FRONTEND_WEB_CONFIG,
        sha256Before: sha256(before),
        sha256After: sha256(after),
        backup: `hybridcfg/backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`,
      });
      expect(await events()).toEqual([write(original, first), write(first, second)]);
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

    test('server faults: unreachable and failing restarts change nothing', async () => {
      const ex01 = await server('EX01');
      const ex02 = await server('EX02');
      const org = await organizationJson();
      org.servers = org.servers.map((s: any) => (s.Name === 'EX01' ? { ...s, faults: { unreachable: true } } : { ...s, faults: { restart: 'fail' } }));
      await fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
      await rejectsWith(target.readServer(ex01, [REST_FRONTEND_WEB_CONFIG]), 'target.unreachable');
      await rejectsWith(target.restart(ex02, { mode: 'iisreset' }), 'target.restart-failed');
      await expect(target.readServer(ex01, [])).rejects.toMatchObject({
        diagnostics: [expect.objectContaining({ summary: expect.stringContaining('EX01 (EX01.contoso.lab) is unreachable: WinRM cannot complete the operation') })],
      });
      expect(await events()).toEqual([]);
      expect((await calls()).slice(-3)).toEqual([
        { call: 'readServer', server: 'EX01', error: 'target.unreachable' },
        { call: 'restart', server: 'EX02', error: 'target.restart-failed' },
        { call: 'readServer', server: 'EX01', error: 'target.unreachable' },
      ]);
    });
  });
}
