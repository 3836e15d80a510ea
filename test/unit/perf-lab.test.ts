/**
 * The lab target parses organization.json again only when the file changed (a fleet of hundreds of
 * servers made every call parse ~80 KB). LAB.md R1 must still hold however the file is changed: replaced
 * by rename (hybridcfg, `lab fault`), rewritten in place with the same size (an editor, the fake
 * PowerShell module), broken and then repaired.
 */
import * as nodeFs from 'node:fs';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { readLabOrganization, writeLabOrganization } from '../../src/targets/lab/format';
import { initLab, kindCalls, labTarget } from '../helpers/targets';
import type { ExchangeServer } from '../../src/targets/types';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
let dir: string;
const file = () => path.join(dir, 'organization.json');
const ex = (name: string): ExchangeServer => ({ Name: name, Fqdn: `${name}.contoso.lab`, AdminDisplayVersion: '', ServerRole: 'Mailbox' });
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DiagnosticError ? e.diagnostics[0].code : String(e)));

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-perf-lab-'));
  await initLab(dir, { servers: ['EX01', 'EX02', 'EX03'] });
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('the lab sees every change of organization.json on the next call', () => {
  it('a fault set by replacing the file (rename)', async () => {
    const target = kindCalls(labTarget(dir));
    expect(await codeOf(target.readServer(ex('EX02'), [REST]))).toBe('ok');
    const org = await readLabOrganization(dir);
    await writeLabOrganization(dir, { ...org, servers: org.servers.map((s) => (s.Name === 'EX02' ? { ...s, faults: { unreachable: true } } : s)) });
    expect(await codeOf(target.readServer(ex('EX02'), [REST]))).toBe('target.unreachable');
    expect(await codeOf(target.readServer(ex('EX01'), [REST]))).toBe('ok');
  });

  it('a fault set by rewriting the file in place with the same size', async () => {
    const org = await readLabOrganization(dir);
    const withFault = (value: 'true ' | 'false') =>
      JSON.stringify({ ...org, servers: org.servers.map((s) => (s.Name === 'EX03' ? { ...s, faults: { unreachable: '@' } } : s)) }, null, 2).replace(
        '"@"',
        value,
      );
    await fs.writeFile(file(), withFault('false'));
    const target = kindCalls(labTarget(dir));
    expect(await codeOf(target.readServer(ex('EX03'), [REST]))).toBe('ok');
    const before = await fs.stat(file());
    await fs.writeFile(file(), withFault('true '));
    const after = await fs.stat(file());
    expect([after.ino, after.size]).toEqual([before.ino, before.size]);
    expect(await codeOf(target.readServer(ex('EX03'), [REST]))).toBe('target.unreachable');
  });

  it('a broken file is reported on every call until it is repaired, then read again', async () => {
    const target = kindCalls(labTarget(dir));
    const good = await fs.readFile(file(), 'utf8');
    await fs.writeFile(file(), good.slice(0, 100));
    expect(await codeOf(target.readOrganization())).toBe('lab.invalid');
    expect(await codeOf(target.readServer(ex('EX01'), [REST]))).toBe('lab.invalid');
    await fs.writeFile(file(), good);
    expect((await target.readOrganization()).servers.map((s) => s.Name)).toEqual(['EX01', 'EX02', 'EX03']);
  });

  it('a server removed from the file is unknown on the next call; servers match case-insensitively', async () => {
    const target = kindCalls(labTarget(dir));
    expect(await codeOf(target.readServer(ex('ex01'), [REST]))).toBe('ok');
    const org = await readLabOrganization(dir);
    await writeLabOrganization(dir, { ...org, servers: org.servers.filter((s) => s.Name !== 'EX01') });
    expect(await codeOf(target.readServer(ex('EX01'), [REST]))).toBe('target.unknown-server');
  });

  it('calls that arrive together all see the organisation, and each is logged once', async () => {
    const target = kindCalls(labTarget(dir));
    const names = ['EX01', 'EX02', 'EX03', 'EX01', 'EX02', 'EX03'];
    const states = await Promise.all(names.map((n) => target.readServer(ex(n), [REST])));
    expect(states.map((s) => s.name)).toEqual(names);
    const calls = (await fs.readFile(path.join(dir, 'calls.jsonl'), 'utf8')).trim().split('\n');
    expect(calls).toHaveLength(names.length);
  });

  it('an in-place rewrite whose modification time is put back is seen (the stat changes all the same)', async () => {
    const target = kindCalls(labTarget(dir));
    const old = new Date(Date.now() - 3600_000);
    await fs.utimes(file(), old, old);
    expect(await codeOf(target.readServer(ex('EX02'), [REST]))).toBe('ok');
    const org = await readLabOrganization(dir);
    const text = await fs.readFile(file(), 'utf8');
    const faulty = JSON.stringify({ ...org, servers: org.servers.map((s) => (s.Name === 'EX02' ? { ...s, faults: { unreachable: true } } : s)) }, null, 2);
    await fs.writeFile(file(), faulty.padEnd(text.length, ' ').slice(0, Math.max(text.length, faulty.length)));
    await fs.utimes(file(), old, old);
    expect(await codeOf(target.readServer(ex('EX02'), [REST]))).toBe('target.unreachable');
  });
});

describe('the lab does not re-read what has not changed', () => {
  afterEach(() => jest.restoreAllMocks());
  const readsOf = (spy: jest.SpyInstance, name: string) => spy.mock.calls.filter((c) => String(c[0]).endsWith(name)).length;

  it('organization.json is read once for many calls while it stays the same, and again after a change', async () => {
    // Old enough that a rewrite within the file system's time granularity is ruled out (see lab-target.ts).
    const old = new Date(Date.now() - 3600_000);
    await fs.utimes(file(), old, old);
    const spy = jest.spyOn(nodeFs.promises, 'readFile');
    const target = kindCalls(labTarget(dir));
    await target.readOrganization();
    await Promise.all(Array.from({ length: 30 }, (_, i) => target.readServer(ex(`EX0${(i % 3) + 1}`), [REST])));
    expect(readsOf(spy, 'organization.json')).toBe(1);
    const org = await readLabOrganization(dir);
    await writeLabOrganization(dir, { ...org, servers: org.servers.map((s) => (s.Name === 'EX01' ? { ...s, faults: { unreachable: true } } : s)) });
    const before = readsOf(spy, 'organization.json');
    expect(await codeOf(target.readServer(ex('EX01'), [REST]))).toBe('target.unreachable');
    expect(readsOf(spy, 'organization.json') - before).toBe(1);
  });

  it("a server's IIS configuration is read on every call, so a change to one server's shows at once", async () => {
    const target = labTarget(dir);
    const config = path.join(dir, 'servers', 'EX02', 'Windows', 'System32', 'inetsrv', 'config', 'applicationHost.config');
    const before = await target.readServer(ex('EX02'), {});
    expect(before.iis?.pools).toContain('MSExchangeRestFrontEndAppPool');
    const text = await fs.readFile(config, 'utf8');
    await fs.writeFile(config, text.replace(/name="MSExchangeRestFrontEndAppPool"/, 'name="RenamedPool"'));
    const after = await target.readServer(ex('EX02'), {});
    expect(after.iis?.pools).toContain('RenamedPool');
    expect(after.iis?.pools).not.toContain('MSExchangeRestFrontEndAppPool');
    // The other servers, still on the shared text, keep theirs.
    expect((await target.readServer(ex('EX01'), {})).iis?.pools).toContain('MSExchangeRestFrontEndAppPool');
  });
});
