/** The PowerShell target against real pwsh and the fake Exchange module: hostile values, timeouts, round trips. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GRAPH_APPLICATION_IDENTIFIER, REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';
import { initLab, kindCalls, powershellTarget } from '../helpers/targets';
import type { Target } from '../../src/targets/types';
import { readLines, rejectsWith } from '../contract/target.contract';
import { requirePwsh } from '../helpers/pwsh';
import { pathProblem } from '../../src/domain/paths';

const pwsh = requirePwsh();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Each payload would create `marker` in the shell's working folder if it ever ran as code. */
const HOSTILE = [
  '$(New-Item -ItemType File -Path marker)',
  "'; New-Item -ItemType File -Path marker; '",
  '"; New-Item -ItemType File -Path marker; "',
  '`$(New-Item -ItemType File -Path marker)',
  'x; New-Item -ItemType File -Path marker',
  'a\nNew-Item -ItemType File -Path marker\r\n',
  ']]>&amp;<&',
];

describe('PowerShell target on pwsh with the fake Exchange module', () => {
  let dir: string;
  let lab: string;
  let target: ReturnType<typeof kindCalls<Target>>;
  const marker = () => fs.stat(path.join(dir, 'marker')).then(() => true, () => false);
  const setFaults = async (name: string, faults: Record<string, unknown>) => {
    const file = path.join(lab, 'organization.json');
    const org = JSON.parse(await fs.readFile(file, 'utf8'));
    org.servers = org.servers.map((s: any) => (s.Name === name ? { ...s, faults } : s));
    await fs.writeFile(file, JSON.stringify(org, null, 2) + '\n');
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-pwsh-'));
    lab = path.join(dir, 'lab');
    await initLab(lab, { servers: ['EX01', 'EX02'] });
    target = kindCalls(await powershellTarget(lab, pwsh, { timeoutSeconds: 3 }));
  });
  afterAll(async () => {
    await target.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('hostile strings in every partner application field arrive intact and never run', async () => {
    // An account whose names are hostile too, for -LinkedAccount to resolve (by DistinguishedName).
    const file = path.join(lab, 'organization.json');
    const org = JSON.parse(await fs.readFile(file, 'utf8'));
    org.accounts = [...org.accounts, { DistinguishedName: HOSTILE[2], CanonicalName: HOSTILE[3] }];
    await fs.writeFile(file, JSON.stringify(org, null, 2) + '\n');
    const update = {
      Name: HOSTILE[0]!,
      LinkedAccount: HOSTILE[2]!,
      ActAsPermissions: HOSTILE,
      AppOnlyPermissions: [...HOSTILE].reverse(),
    };
    await target.setPartnerApplication(GRAPH_APPLICATION_IDENTIFIER, update);
    const app = (await target.readOrganization()).partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
    expect(app).toMatchObject({ ...update, LinkedAccount: HOSTILE[3], LinkedAccountDistinguishedName: HOSTILE[2] });
    expect(await marker()).toBe(false);
  });

  test('hostile file contents, app pool names and unknown file names never run', async () => {
    const org = await target.readOrganization();
    const ex01 = org.servers.find((s) => s.Name === 'EX01')!;
    // Names Windows could not hold (quotes, control characters) are refused before anything is sent; the others travel as data.
    const names = HOSTILE.map((h) => `FrontEnd/${h.replace(/[\r\n]/g, '')}`);
    for (const n of names.filter((n) => pathProblem(n) !== undefined)) await rejectsWith(target.readServer(ex01, [n]), 'target.path-outside-install');
    expect(names.filter((n) => pathProblem(n) === undefined).length).toBeGreaterThanOrEqual(3);
    const state = await target.readServer(ex01, [REST_FRONTEND_WEB_CONFIG, ...names.filter((n) => pathProblem(n) === undefined)]);
    const current = state.files[REST_FRONTEND_WEB_CONFIG];
    if (!current?.exists) throw new Error('rest web.config missing');
    const bytes = Buffer.concat([current.bytes, Buffer.from(HOSTILE.join('\r\n'), 'utf8')]);
    await target.writeFiles(ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes, expectedSha256: current.sha256 }]);
    expect(await fs.readFile(path.join(lab, 'servers', 'EX01', ...REST_FRONTEND_WEB_CONFIG.split('/')))).toEqual(bytes);
    // Pools with hostile names, as IIS would list them (appcmd recycles only pools IIS has).
    const config = path.join(lab, 'servers', 'EX01', 'Windows', 'System32', 'inetsrv', 'config', 'applicationHost.config');
    const xmlAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;');
    const text = await fs.readFile(config, 'utf8');
    await fs.writeFile(config, text.replace('<applicationPools>', `<applicationPools>${HOSTILE.map((h) => `<add name="${xmlAttr(h)}" />`).join('')}`));
    await target.restart(ex01, { mode: 'appPools', appPools: HOSTILE });
    const recycled = (await readLines(path.join(lab, 'events.jsonl'))).filter((e) => e.action === 'recycle-apppool').map((e) => e.appPool);
    expect(recycled).toEqual(HOSTILE);
    expect(await marker()).toBe(false);
  });

  test('paths leaving ExchangeInstallPath are refused before anything is sent', async () => {
    const ex01 = (await target.readOrganization()).servers[0]!;
    await rejectsWith(target.readServer(ex01, ['../EX02/FrontEnd/HttpProxy/rest/web.config']), 'target.path-outside-install');
    await rejectsWith(target.writeFiles(ex01, [{ file: '/etc/passwd', bytes: Buffer.from(''), expectedSha256: sha256(Buffer.from('')) }]), 'target.path-outside-install');
  });

  test('reading a server is exactly one call per server, even for many files', async () => {
    const org = await target.readOrganization();
    const before = (await readLines(path.join(lab, 'calls.jsonl'))).length;
    for (const s of org.servers) await target.readServer(s, [REST_FRONTEND_WEB_CONFIG, 'FrontEnd/HttpProxy/ews/web.config', 'nope/web.config']);
    const after = (await readLines(path.join(lab, 'calls.jsonl'))).slice(before);
    expect(after).toEqual([
      { call: 'readServer', server: 'EX01' },
      { call: 'readServer', server: 'EX02' },
    ]);
  });

  test('a hung call is stopped, reported as target.timeout naming the call and server, and the session works afterwards', async () => {
    const ex02 = (await target.readOrganization()).servers.find((s) => s.Name === 'EX02')!;
    await setFaults('EX02', { latencyMs: 20000 });
    try {
      await expect(target.readServer(ex02, [REST_FRONTEND_WEB_CONFIG])).rejects.toMatchObject({
        diagnostics: [expect.objectContaining({ code: 'target.timeout', summary: expect.stringContaining('readServer on EX02 (EX02.contoso.lab)') })],
      });
    } finally {
      await setFaults('EX02', {});
    }
    const again = await target.readServer(ex02, [REST_FRONTEND_WEB_CONFIG]);
    expect(again.files[REST_FRONTEND_WEB_CONFIG]?.exists).toBe(true);
  });

  test('a write stopped by its timeout never lands later: the whole shell is killed, not only its launcher', async () => {
    const ex02 = (await target.readOrganization()).servers.find((s) => s.Name === 'EX02')!;
    const file = path.join(lab, 'servers', 'EX02', ...REST_FRONTEND_WEB_CONFIG.split('/'));
    const before = await fs.readFile(file);
    const writesBefore = (await readLines(path.join(lab, 'events.jsonl'))).length;
    // The fake server answers after 5 s; the call is stopped after 3 s.
    await setFaults('EX02', { latencyMs: 5000 });
    const started = Date.now();
    try {
      await rejectsWith(target.writeFiles(ex02, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: Buffer.from('late'), expectedSha256: sha256(before) }]), 'target.timeout');
    } finally {
      await setFaults('EX02', {});
    }
    // Give a surviving call every chance to finish before looking.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 7000 - Date.now())));
    expect(await fs.readFile(file)).toEqual(before);
    expect((await readLines(path.join(lab, 'events.jsonl'))).length).toBe(writesBefore);
    expect((await readLines(path.join(lab, 'calls.jsonl'))).filter((c) => c.call === 'writeFiles' && c.server === 'EX02')).toEqual([]);
  }, 30_000);
});

describe('PowerShell target with --parallelism: server calls run side by side in their own shells', () => {
  let dir: string;
  let lab: string;
  let target: ReturnType<typeof kindCalls<Target>>;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-pwsh-pool-'));
    lab = path.join(dir, 'lab');
    await initLab(lab, { servers: ['EX01', 'EX02'] });
    // 20 s: long enough for the second shell to start on a loaded machine before the hung call times out.
    target = kindCalls(await powershellTarget(lab, pwsh, { timeoutSeconds: 20, parallelism: 2 }));
  });
  afterAll(async () => {
    await target.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('a server that hangs does not hold up the next one; after its timeout both shells serve again', async () => {
    const file = path.join(lab, 'organization.json');
    const org = JSON.parse(await fs.readFile(file, 'utf8'));
    const [ex01, ex02] = (await target.readOrganization()).servers;
    // EX02 (reached through WinRM) answers only after its call's timeout: it is asked first, so with one
    // shell EX01 would wait for it.
    await fs.writeFile(file, JSON.stringify({ ...org, servers: org.servers.map((s: any) => (s.Name === 'EX02' ? { ...s, faults: { latencyMs: 60000 } } : s)) }, null, 2));
    let hungSettled = false;
    const hung = target.readServer(ex02!, [REST_FRONTEND_WEB_CONFIG]).finally(() => (hungSettled = true));
    const quick = await target.readServer(ex01!, [REST_FRONTEND_WEB_CONFIG]);
    expect(quick.files[REST_FRONTEND_WEB_CONFIG]?.exists).toBe(true);
    expect(hungSettled).toBe(false);
    await expect(hung).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code: 'target.timeout', summary: expect.stringContaining('readServer on EX02') })] });

    await fs.writeFile(file, JSON.stringify(org, null, 2));
    const again = await Promise.all([target.readServer(ex01!, [REST_FRONTEND_WEB_CONFIG]), target.readServer(ex02!, [REST_FRONTEND_WEB_CONFIG])]);
    expect(again.map((s) => s.files[REST_FRONTEND_WEB_CONFIG]?.exists)).toEqual([true, true]);
    const calls = await readLines(path.join(lab, 'calls.jsonl'));
    expect(calls.filter((c) => c.call === 'readServer').sort((a, b) => String(a.server).localeCompare(String(b.server)))).toEqual([
      { call: 'readServer', server: 'EX01' },
      { call: 'readServer', server: 'EX01' },
      { call: 'readServer', server: 'EX02' },
    ]);
  }, 120_000);
});
