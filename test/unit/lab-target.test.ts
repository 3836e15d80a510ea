/** The lab target against its behaviour spec, src/targets/lab/LAB.md, statement by statement. */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import type { Diagnostic } from '../../src/diag/diagnostic';
import { readLabOrganization } from '../../src/targets/lab/format';
import { sha256 } from '../../src/util/hash';
import type { LabOrganization } from '../../src/targets/lab/format';
import type { LabPartnerApplication } from '../../src/resources/partner-application/lab';

const appsOf = (org: LabOrganization) => org.partnerApplications as readonly LabPartnerApplication[];
import { initLab, kindCalls, labTarget } from '../helpers/targets';
import type { ExchangeServer } from '../../src/targets/types';

const GRAPH = '00000003-0000-0000-c000-000000000000';
const REST = 'FrontEnd/HttpProxy/rest/web.config';
const EWS = 'FrontEnd/HttpProxy/ews/web.config';

let dir: string;

beforeEach(async () => {
  dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-lab-')), 'lab');
  await initLab(dir, { servers: ['EX01', 'EX02'] });
});

function server(name: string): ExchangeServer {
  return { Name: name, Fqdn: `${name}.contoso.lab`, AdminDisplayVersion: 'Version 15.2 (Build 986.5)', ServerRole: 'Mailbox' };
}

async function editOrg(change: (org: LabOrganization) => LabOrganization): Promise<void> {
  const org = await readLabOrganization(dir);
  await fs.writeFile(path.join(dir, 'organization.json'), JSON.stringify(change(org), null, 2));
}

async function setServerFaults(name: string, faults: object): Promise<void> {
  await editOrg((org) => ({ ...org, servers: org.servers.map((s) => (s.Name === name ? { ...s, faults } : s)) }));
}

async function lines(file: 'events' | 'calls'): Promise<Record<string, unknown>[]> {
  const text = await fs.readFile(path.join(dir, `${file}.jsonl`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The lines without their time, which tests cannot know. */
async function untimed(file: 'events' | 'calls'): Promise<Record<string, unknown>[]> {
  return (await lines(file)).map(({ time: _time, ...rest }) => rest);
}

async function diagnosticOf(p: Promise<unknown>): Promise<Diagnostic> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics[0];
    throw err;
  }
  throw new Error('expected a DiagnosticError');
}

async function serverFile(name: string, file: string): Promise<Buffer> {
  return fs.readFile(path.join(dir, 'servers', name, ...file.split('/')));
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

describe('R: reading the lab', () => {
  it('R2: a missing lab names the path and says how to create one', async () => {
    const missing = path.join(path.dirname(dir), 'nothing-here');
    const d = await diagnosticOf(kindCalls(labTarget(missing)).readOrganization());
    expect(d.code).toBe('lab.missing');
    expect(d.summary).toContain(missing);
    expect(d.detail).toContain(`hybridcfg lab init ${missing}`);
    expect(await exists(missing)).toBe(false);
  });

  it('R2: a folder without organization.json is not a lab', async () => {
    const empty = path.join(path.dirname(dir), 'empty');
    await fs.mkdir(empty);
    const d = await diagnosticOf(kindCalls(labTarget(empty)).readOrganization());
    expect(d.code).toBe('lab.missing');
    expect(d.summary).toBe(`${empty} is not a hybridcfg lab: it has no organization.json`);
  });

  it('R2: malformed JSON is lab.invalid at the line of the fault', async () => {
    const file = path.join(dir, 'organization.json');
    await fs.writeFile(file, '{\n  "formatVersion": 1,\n  "servers": []\n  "partnerApplications": []\n}\n');
    const d = await diagnosticOf(kindCalls(labTarget(dir)).readOrganization());
    expect(d.code).toBe('lab.invalid');
    expect(d.source?.file).toBe(file);
    // The parser stops at the token after the missing comma: line 4, column 3.
    expect([d.source?.line, d.source?.col]).toEqual([4, 3]);
    expect(d.detail).toContain('hybridcfg lab init');
  });

  it('R2: a wrong shape is lab.invalid naming what is wrong', async () => {
    const valid = await readLabOrganization(dir);
    await editOrg((org) => ({ ...org, formatVersion: 7 as unknown as 1 }));
    expect((await diagnosticOf(kindCalls(labTarget(dir)).readOrganization())).summary).toContain('formatVersion is 7');
    await fs.writeFile(path.join(dir, 'organization.json'), JSON.stringify({ ...valid, cmdlets: {} }));
    expect((await diagnosticOf(kindCalls(labTarget(dir)).readOrganization())).summary).toContain('"cmdlets"."Set-PartnerApplication".parameters');
  });

  it('R1: a change to organization.json between calls shows on the next call', async () => {
    const target = kindCalls(labTarget(dir));
    expect((await target.readOrganization()).servers.map((s) => s.Name)).toEqual(['EX01', 'EX02']);
    await editOrg((org) => ({ ...org, servers: org.servers.slice(0, 1) }));
    expect((await target.readOrganization()).servers.map((s) => s.Name)).toEqual(['EX01']);
  });
});

describe('O1 readOrganization', () => {
  it('returns partner applications without faults, front-end servers only, and the cmdlet parameters; logs the call', async () => {
    await editOrg((org) => ({
      ...org,
      partnerApplications: appsOf(org).map((a) => (a.ApplicationIdentifier === GRAPH ? { ...a, faults: { set: 'fail' } } : a)),
      servers: [...org.servers, { Name: 'EDGE01', Fqdn: 'EDGE01.contoso.lab', AdminDisplayVersion: 'Version 15.2 (Build 986.5)', ServerRole: 'Edge' }],
      cmdlets: { 'Set-PartnerApplication': { parameters: ['Identity', 'ActAsPermissions'] } },
    }));
    const state = await kindCalls(labTarget(dir)).readOrganization();
    const graph = state.partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH)!;
    expect(Object.keys(graph)).not.toContain('faults');
    expect(graph.AppOnlyPermissions).toBeNull();
    expect(state.servers.map((s) => s.Name)).toEqual(['EX01', 'EX02']);
    expect(state.setPartnerApplicationParameters).toEqual(['Identity', 'ActAsPermissions']);
    expect(await untimed('calls')).toEqual([{ call: 'readOrganization' }]);
    expect(await untimed('events')).toEqual([]);
  });

  it('concerns no server: an unreachable server does not stop it', async () => {
    await setServerFaults('EX02', { unreachable: true });
    expect((await kindCalls(labTarget(dir)).readOrganization()).servers).toHaveLength(2);
  });
});

describe('O2 readServer', () => {
  it('gives the install path with a trailing separator and each file as requested, bytes and sha256', async () => {
    const state = await kindCalls(labTarget(dir)).readServer(server('EX01'), [REST, 'FrontEnd\\HttpProxy\\ews\\web.config', 'FrontEnd/HttpProxy/none/web.config']);
    expect(state.name).toBe('EX01');
    expect(state.installPath).toBe(path.join(path.resolve(dir), 'servers', 'EX01') + path.sep);
    expect(Object.keys(state.files)).toEqual([REST, 'FrontEnd\\HttpProxy\\ews\\web.config', 'FrontEnd/HttpProxy/none/web.config']);
    const rest = state.files[REST];
    expect(rest.exists).toBe(true);
    if (rest.exists) {
      expect(rest.bytes.equals(await serverFile('EX01', REST))).toBe(true);
      expect(rest.sha256).toBe(sha256(await serverFile('EX01', REST)));
    }
    expect(state.files['FrontEnd\\HttpProxy\\ews\\web.config'].exists).toBe(true);
    expect(state.files['FrontEnd/HttpProxy/none/web.config']).toEqual({ exists: false });
    expect(await untimed('calls')).toEqual([{ call: 'readServer', server: 'EX01' }]);
  });

  it('refuses a server the lab does not have, and logs the failed call with its code', async () => {
    const d = await diagnosticOf(kindCalls(labTarget(dir)).readServer(server('EX09'), [REST]));
    expect(d.code).toBe('target.unknown-server');
    expect(d.detail).toContain('EX01, EX02');
    expect(await untimed('calls')).toEqual([{ call: 'readServer', server: 'EX09', error: 'target.unknown-server' }]);
  });

  it('refuses paths outside the server folder', async () => {
    for (const bad of ['../EX02/' + REST, '..\\..\\organization.json', '/etc/passwd', 'C:\\Windows\\win.ini', '']) {
      expect((await diagnosticOf(kindCalls(labTarget(dir)).readServer(server('EX01'), [bad]))).code).toBe('target.path-outside-install');
    }
  });
});

describe('O3 setPartnerApplication', () => {
  it('sets the given properties, replaces organization.json atomically and logs the event', async () => {
    const target = kindCalls(labTarget(dir));
    const orgFile = path.join(dir, 'organization.json');
    const inodeBefore = (await fs.stat(orgFile)).ino;
    const actAs = (await target.readOrganization()).partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH)!.ActAsPermissions;
    await target.setPartnerApplication(GRAPH, { AppOnlyPermissions: actAs });

    const graph = (await target.readOrganization()).partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH)!;
    expect(graph.AppOnlyPermissions).toEqual(actAs);
    expect(graph.ActAsPermissions).toEqual(actAs);
    // A new file renamed into place (new inode), and no temp file left beside it.
    expect((await fs.stat(orgFile)).ino).not.toBe(inodeBefore);
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const text = await fs.readFile(orgFile, 'utf8');
    expect(text.startsWith('{\n  "formatVersion": 1,')).toBe(true);

    const events = await lines('events');
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0])[0]).toBe('time');
    expect(events[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      action: 'set-partnerapplication',
      applicationIdentifier: GRAPH,
      name: 'Microsoft Graph',
      properties: ['AppOnlyPermissions'],
    });
    expect(await untimed('calls')).toContainEqual({ call: 'setPartnerApplication', applicationIdentifier: GRAPH });
  });

  it("a parameter the cmdlet does not expose fails with Exchange's exact message and changes nothing", async () => {
    await editOrg((org) => ({
      ...org,
      cmdlets: { 'Set-PartnerApplication': { parameters: org.cmdlets['Set-PartnerApplication'].parameters.filter((p) => p !== 'AppOnlyPermissions') } },
    }));
    const before = await fs.readFile(path.join(dir, 'organization.json'), 'utf8');
    const d = await diagnosticOf(kindCalls(labTarget(dir)).setPartnerApplication(GRAPH, { AppOnlyPermissions: ['Mail.Read'] }));
    expect(d.code).toBe('target.parameter-missing');
    expect(d.summary).toContain("A parameter cannot be found that matches parameter name 'AppOnlyPermissions'.");
    expect(await fs.readFile(path.join(dir, 'organization.json'), 'utf8')).toBe(before);
    expect(await untimed('events')).toEqual([]);
    expect(await untimed('calls')).toEqual([{ call: 'setPartnerApplication', applicationIdentifier: GRAPH, error: 'target.parameter-missing' }]);
  });

  it('an unknown ApplicationIdentifier is target.unknown-application', async () => {
    const d = await diagnosticOf(kindCalls(labTarget(dir)).setPartnerApplication('11111111-0000-0000-0000-000000000000', { Enabled: false }));
    expect(d.code).toBe('target.unknown-application');
    expect(d.summary).toContain("couldn't be found");
    expect(d.detail).toContain('Nothing was changed; run plan again');
  });

  it('finds the application by ApplicationIdentifier whatever its position and case', async () => {
    await editOrg((org) => ({ ...org, partnerApplications: [...appsOf(org)].reverse() }));
    const disabled = async () => appsOf(await readLabOrganization(dir)).filter((a) => !a.Enabled).map((a) => a.Name);
    const before = await disabled();
    expect(before).not.toContain('Microsoft Graph');
    await kindCalls(labTarget(dir)).setPartnerApplication(GRAPH.toUpperCase(), { Enabled: false });
    expect((await disabled()).sort()).toEqual([...before, 'Microsoft Graph'].sort());
  });

  it('F5, F6: the set fault fails the call and changes nothing', async () => {
    await editOrg((org) => ({
      ...org,
      partnerApplications: appsOf(org).map((a) => (a.ApplicationIdentifier === GRAPH ? { ...a, faults: { set: 'fail' } } : a)),
    }));
    const before = await fs.readFile(path.join(dir, 'organization.json'), 'utf8');
    expect((await diagnosticOf(kindCalls(labTarget(dir)).setPartnerApplication(GRAPH, { Enabled: false }))).code).toBe('target.set-failed');
    expect(await fs.readFile(path.join(dir, 'organization.json'), 'utf8')).toBe(before);
    expect(await untimed('events')).toEqual([]);
  });

  it('an empty permission list is stored as null; a set that changes nothing writes nothing and logs no event', async () => {
    const target = kindCalls(labTarget(dir));
    await target.setPartnerApplication(GRAPH, { ActAsPermissions: [] });
    expect(appsOf(await readLabOrganization(dir)).find((a) => a.ApplicationIdentifier === GRAPH)!.ActAsPermissions).toBeNull();
    const before = await fs.stat(path.join(dir, 'organization.json'));
    await target.setPartnerApplication(GRAPH, { ActAsPermissions: null, Enabled: true });
    expect((await fs.stat(path.join(dir, 'organization.json'))).ino).toBe(before.ino);
    expect((await untimed('events')).map((e) => e.properties)).toEqual([['ActAsPermissions']]);
  });

  it('concurrent sets through one target do not lose each other', async () => {
    const target = kindCalls(labTarget(dir));
    await Promise.all([target.setPartnerApplication(GRAPH, { Name: 'a' }), target.setPartnerApplication(GRAPH, { AcceptSecurityIdentifierInformation: true })]);
    const graph = appsOf(await readLabOrganization(dir)).find((a) => a.ApplicationIdentifier === GRAPH)!;
    expect([graph.Name, graph.AcceptSecurityIdentifierInformation]).toEqual(['a', true]);
  });
});

describe('O4 writeFiles', () => {
  it('backs up, keeps the first original, writes atomically and logs one event per file', async () => {
    const target = kindCalls(labTarget(dir));
    const first = await serverFile('EX01', REST);
    const ews = await serverFile('EX01', EWS);
    const second = Buffer.concat([first, Buffer.from('<!-- 2 -->\r\n')]);
    const result = await target.writeFiles(server('EX01'), [
      { file: REST, bytes: second, expectedSha256: sha256(first) },
      { file: EWS, bytes: Buffer.concat([ews, Buffer.from(' ')]), expectedSha256: sha256(ews) },
    ]);
    expect((await serverFile('EX01', REST)).equals(second)).toBe(true);
    expect(result.map((r) => r.file)).toEqual([REST, EWS]);
    expect((await fs.readFile(result[0].backupPath)).equals(first)).toBe(true);
    expect(path.isAbsolute(result[0].backupPath)).toBe(true);
    expect((await serverFile('EX01', `hybridcfg/original/${REST}`)).equals(first)).toBe(true);
    expect((await fs.readdir(path.dirname(path.join(dir, 'servers/EX01', REST)))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const events = await untimed('events');
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      action: 'write-file',
      server: 'EX01',
      file: REST,
      sha256Before: sha256(first),
      sha256After: sha256(second),
      backup: expect.stringMatching(new RegExp(`^hybridcfg/backup/\\d{8}T\\d{9}Z/${REST}$`)),
    });
    // One backup folder for the one call.
    const stamp = (events[0].backup as string).split('/')[2];
    expect(events[1].backup).toBe(`hybridcfg/backup/${stamp}/${EWS}`);
    expect(await untimed('calls')).toEqual([{ call: 'writeFiles', server: 'EX01' }]);

    // A second write: a new backup of the second bytes; the original stays the first bytes.
    const third = Buffer.from('third');
    const again = await target.writeFiles(server('EX01'), [{ file: REST, bytes: third, expectedSha256: sha256(second) }]);
    expect((await fs.readFile(again[0].backupPath)).equals(second)).toBe(true);
    expect(again[0].backupPath).not.toBe(result[0].backupPath);
    expect((await serverFile('EX01', `hybridcfg/original/${REST}`)).equals(first)).toBe(true);
    expect((await serverFile('EX01', REST)).equals(third)).toBe(true);
  });

  it('a stale sha256 on any file is refused with nothing written and no backup', async () => {
    const rest = await serverFile('EX01', REST);
    const ews = await serverFile('EX01', EWS);
    const d = await diagnosticOf(
      kindCalls(labTarget(dir)).writeFiles(server('EX01'), [
        { file: REST, bytes: Buffer.from('new'), expectedSha256: sha256(rest) },
        { file: EWS, bytes: Buffer.from('new'), expectedSha256: sha256(Buffer.from('what the plan saw')) },
      ]),
    );
    expect(d.code).toBe('target.file-changed');
    expect(d.summary).toBe(`${EWS} on EX01 changed since the plan was made`);
    expect((await serverFile('EX01', REST)).equals(rest)).toBe(true);
    expect((await serverFile('EX01', EWS)).equals(ews)).toBe(true);
    expect(await exists(path.join(dir, 'servers/EX01/hybridcfg'))).toBe(false);
    expect(await untimed('events')).toEqual([]);
    expect(await untimed('calls')).toEqual([{ call: 'writeFiles', server: 'EX01', error: 'target.file-changed' }]);
  });

  it('a missing file is target.file-missing: hybridcfg never creates web.configs', async () => {
    const file = 'FrontEnd/HttpProxy/owa/web.config';
    const d = await diagnosticOf(kindCalls(labTarget(dir)).writeFiles(server('EX01'), [{ file, bytes: Buffer.from('x'), expectedSha256: sha256(Buffer.from('')) }]));
    expect(d.code).toBe('target.file-missing');
    expect(await exists(path.join(dir, 'servers/EX01', file))).toBe(false);
  });

  it('a path escaping the server folder is refused and nothing is written', async () => {
    const org = await fs.readFile(path.join(dir, 'organization.json'));
    const d = await diagnosticOf(
      kindCalls(labTarget(dir)).writeFiles(server('EX01'), [{ file: '../../organization.json', bytes: Buffer.from('{}'), expectedSha256: sha256(org) }]),
    );
    expect(d.code).toBe('target.path-outside-install');
    expect((await fs.readFile(path.join(dir, 'organization.json'))).equals(org)).toBe(true);
  });
});

describe('O5 restart', () => {
  it('iisreset logs one event; appPools one per pool, in order', async () => {
    const target = kindCalls(labTarget(dir));
    await target.restart(server('EX01'), { mode: 'iisreset' });
    await target.restart(server('EX02'), { mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool', 'MSExchangeServicesAppPool'] });
    expect(await untimed('events')).toEqual([
      { action: 'iisreset', server: 'EX01' },
      { action: 'recycle-apppool', server: 'EX02', appPool: 'MSExchangeRestFrontEndAppPool' },
      { action: 'recycle-apppool', server: 'EX02', appPool: 'MSExchangeServicesAppPool' },
    ]);
    expect(await untimed('calls')).toEqual([
      { call: 'restart', server: 'EX01' },
      { call: 'restart', server: 'EX02' },
    ]);
  });

  it('appPools without a pool is refused', async () => {
    expect((await diagnosticOf(kindCalls(labTarget(dir)).restart(server('EX01'), { mode: 'appPools', appPools: [] }))).code).toBe('target.restart-invalid');
  });

  it('F2, F6: the restart fault fails the restart and logs no event', async () => {
    await setServerFaults('EX02', { restart: 'fail' });
    const target = kindCalls(labTarget(dir));
    const d = await diagnosticOf(target.restart(server('EX02'), { mode: 'iisreset' }));
    expect(d.code).toBe('target.restart-failed');
    expect(d.detail).toContain('--server EX02 --clear');
    await target.restart(server('EX01'), { mode: 'iisreset' });
    expect(await untimed('events')).toEqual([{ action: 'iisreset', server: 'EX01' }]);
  });
});

describe('Faults', () => {
  it('F1: every call concerning an unreachable server fails with the WinRM message; others are served', async () => {
    await setServerFaults('EX02', { unreachable: true });
    const target = kindCalls(labTarget(dir));
    const rest = await serverFile('EX02', REST);
    const calls: Promise<unknown>[] = [
      target.readServer(server('EX02'), [REST]),
      target.writeFiles(server('EX02'), [{ file: REST, bytes: Buffer.from('x'), expectedSha256: sha256(rest) }]),
      target.restart(server('EX02'), { mode: 'iisreset' }),
      target.healthCheck(server('EX02'), ['owa'], 5),
    ];
    for (const call of calls) {
      const d = await diagnosticOf(call);
      expect(d.code).toBe('target.unreachable');
      expect(d.summary).toMatch(/^EX02 \(EX02\.contoso\.lab\) is unreachable: WinRM cannot complete the operation/);
    }
    expect((await serverFile('EX02', REST)).equals(rest)).toBe(true);
    expect(await untimed('events')).toEqual([]);
    expect((await target.readServer(server('EX01'), [REST])).files[REST].exists).toBe(true);
  });

  it('F3, O6: health checks pass, and fail per path with the fault', async () => {
    const target = kindCalls(labTarget(dir));
    expect(await target.healthCheck(server('EX01'), ['owa', 'ews'], 30)).toEqual({ ok: true, failures: [] });
    await setServerFaults('EX01', { healthCheck: 'fail' });
    const result = await target.healthCheck(server('EX01'), ['owa', '/ews'], 30);
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => f.path)).toEqual(['owa', '/ews']);
    expect(result.failures[1].reason).toContain('https://EX01.contoso.lab/ews did not answer 200 OK within 30 s');
    expect((await target.healthCheck(server('EX01'), [], 30)).ok).toBe(false);
    expect((await untimed('calls')).every((c) => c.call === 'healthCheck' && c.server === 'EX01')).toBe(true);
  });

  it('F4: latency delays only calls to that server (parallel calls overlap) and changes no result', async () => {
    await setServerFaults('EX01', { latencyMs: 1500 });
    const target = kindCalls(labTarget(dir));
    const [slow, fast] = await Promise.all([target.readServer(server('EX01'), [REST]), target.readServer(server('EX02'), [REST])]);
    expect(slow.files[REST].exists && fast.files[REST].exists).toBe(true);
    // The server without latency is served first although it was asked second.
    expect((await untimed('calls')).map((c) => c.server)).toEqual(['EX02', 'EX01']);
  });
});

describe('Events and calls', () => {
  it('E1, E3: time comes first on every line; events come before the call that caused them', async () => {
    const target = kindCalls(labTarget(dir));
    await target.restart(server('EX01'), { mode: 'iisreset' });
    const event = (await lines('events'))[0];
    const call = (await lines('calls'))[0];
    expect(Object.keys(event)).toEqual(['time', 'action', 'server']);
    expect(Object.keys(call)).toEqual(['time', 'call', 'server']);
    expect(Date.parse(event.time as string)).toBeLessThanOrEqual(Date.parse(call.time as string));
  });
});
