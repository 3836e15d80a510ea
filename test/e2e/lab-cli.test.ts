/** `hybridcfg lab init|events|fault` through the CLI entry, in-process: what a user types and sees. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kindCalls, labTarget } from '../helpers/targets';
import { sha256 } from '../../src/util/hash';
import { runCli } from '../helpers/cli';

const GRAPH = '00000003-0000-0000-c000-000000000000';
const REST = 'FrontEnd/HttpProxy/rest/web.config';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'hybridcfg-lab-cli-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function org(): { servers: Array<{ Name: string; faults?: Record<string, unknown> }>; partnerApplications: Array<{ Name: string; faults?: Record<string, unknown> }> } {
  return JSON.parse(readFileSync(join(cwd, 'lab', 'organization.json'), 'utf8'));
}

describe('hybridcfg lab init', () => {
  it('creates the lab, says what it made and what to do next', async () => {
    const r = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`Created the lab ${join(cwd, 'lab')}: organisation contoso.lab, 2 servers (EX01, EX02).`);
    expect(r.stdout).toContain('Microsoft Graph: 29 ActAsPermissions, AppOnlyPermissions not set');
    expect(r.stdout).toContain('    lab: ./lab');
    expect(r.stdout).toContain('  hybridcfg plan hybridcfg.yaml');
    expect(existsSync(join(cwd, 'lab', 'servers', 'EX02', REST))).toBe(true);
  });

  it('defaults to one server, EX01', async () => {
    expect((await runCli(['lab', 'init', 'lab'], { cwd })).code).toBe(0);
    expect(readdirSync(join(cwd, 'lab', 'servers'))).toEqual(['EX01']);
  });

  it('refuses a non-empty folder with a clear message and no stack trace', async () => {
    writeFileSync(join(cwd, 'notes.txt'), 'keep');
    const r = await runCli(['lab', 'init', '.'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: Cannot create a lab in ${cwd}: the folder is not empty`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(cwd)).toEqual(['notes.txt']);
  });

  it('rejects a bad server name', async () => {
    const r = await runCli(['lab', 'init', './lab', '--servers', 'EX01,EXCHANGE-SERVER-0001', '--app-only-exposed'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"EXCHANGE-SERVER-0001" is not a valid server name: it has 20 characters, more than 15');
    expect(existsSync(join(cwd, 'lab'))).toBe(false);
  });

  it('asks for the folder when it is missing', async () => {
    const r = await runCli(['lab', 'init'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lab init needs the lab folder: hybridcfg lab init ./lab');
  });
});

describe('hybridcfg lab events', () => {
  it('shows the changes the lab underwent, readable and as JSON, and the calls with --calls', async () => {
    await runCli(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], { cwd });
    const empty = await runCli(['lab', 'events', './lab'], { cwd });
    expect(empty.stdout).toContain('The lab has not been changed yet');

    const target = kindCalls(labTarget(join(cwd, 'lab')));
    const ex01 = (await target.readOrganization()).servers[0];
    await target.setPartnerApplication(GRAPH, { AppOnlyPermissions: ['Mail.Read'] });
    const before = readFileSync(join(cwd, 'lab', 'servers', 'EX01', REST));
    await target.writeFiles(ex01, [{ file: REST, bytes: Buffer.from('new'), expectedSha256: sha256(before) }]);
    await target.restart(ex01, { mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool'] });

    const r = await runCli(['lab', 'events', './lab'], { cwd });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}- +Set-PartnerApplication "Microsoft Graph" \(00000003-0000-0000-c000-000000000000\): AppOnlyPermissions$/);
    expect(lines[1]).toContain(`EX01  wrote ${REST}  sha256 ${sha256(before).slice(0, 12)} -> ${sha256(Buffer.from('new')).slice(0, 12)}, backup hybridcfg/backup/`);
    expect(lines[2]).toContain('EX01  recycled app pool MSExchangeRestFrontEndAppPool');

    const json = JSON.parse((await runCli(['lab', 'events', './lab', '--json'], { cwd })).stdout) as Array<Record<string, unknown>>;
    expect(json.map((e) => e.action)).toEqual(['set-partnerapplication', 'write-file', 'recycle-apppool']);

    const calls = await runCli(['lab', 'events', './lab', '--calls'], { cwd });
    expect(calls.stdout).toContain('readOrganization');
    expect(calls.stdout).toContain(`setPartnerApplication ${GRAPH}`);
  });

  it('points at lab init when there is no lab', async () => {
    const r = await runCli(['lab', 'events', './nolab'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`There is no lab at ${join(cwd, 'nolab')}`);
    expect(r.stderr).toContain('hybridcfg lab init');
  });

  it('names the line of a broken audit trail', async () => {
    await runCli(['lab', 'init', './lab'], { cwd });
    writeFileSync(join(cwd, 'lab', 'events.jsonl'), '{"time":"t","action":"iisreset","server":"EX01"}\nnot json\n');
    const r = await runCli(['lab', 'events', './lab'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Line 2 of the lab's events.jsonl is not a JSON object");
    expect(r.stderr).toContain(`${join(cwd, 'lab', 'events.jsonl')}:2:1`);
  });
});

describe('hybridcfg lab fault', () => {
  beforeEach(async () => {
    await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02', '--app-only-exposed'], { cwd });
  });

  it('sets server knobs that the lab target then honours, and clears them', async () => {
    const r = await runCli(['lab', 'fault', './lab', '--server', 'ex02', '--set', 'restart=fail', '--set', 'latencyMs=5'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('server EX02: faults restart=fail latencyMs=5\n');
    expect(org().servers[1].faults).toEqual({ restart: 'fail', latencyMs: 5 });

    const target = kindCalls(labTarget(join(cwd, 'lab')));
    const ex02 = (await target.readOrganization()).servers[1];
    await expect(target.restart(ex02, { mode: 'iisreset' })).rejects.toThrow(/Restart of EX02/);

    await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--set', 'restart=ok'], { cwd });
    expect(org().servers[1].faults).toEqual({ latencyMs: 5 });
    const cleared = await runCli(['lab', 'fault', './lab', '--server', 'EX02', '--clear'], { cwd });
    expect(cleared.stdout).toBe('server EX02: no faults\n');
    expect(org().servers[1]).not.toHaveProperty('faults');
    await target.restart(ex02, { mode: 'iisreset' });
  });

  it('sets a partner application knob by name or identifier, and lists all faults', async () => {
    expect((await runCli(['lab', 'fault', './lab', '--app', 'microsoft graph', '--set', 'set=fail'], { cwd })).code).toBe(0);
    expect(org().partnerApplications[1].faults).toEqual({ set: 'fail' });
    const list = await runCli(['lab', 'fault', './lab'], { cwd });
    expect(list.stdout).toContain('server EX01: no faults');
    expect(list.stdout).toContain(`partner application Microsoft Graph (${GRAPH}): faults set=fail`);
    await runCli(['lab', 'fault', './lab', '--app', GRAPH, '--clear'], { cwd });
    expect(org().partnerApplications[1]).not.toHaveProperty('faults');
  });

  it('explains unknown knobs, bad values and unknown servers, and changes nothing', async () => {
    const before = readFileSync(join(cwd, 'lab', 'organization.json'), 'utf8');
    const knob = await runCli(['lab', 'fault', './lab', '--server', 'EX01', '--set', 'restrat=fail'], { cwd });
    expect(knob.stderr).toContain('"restrat" is not a fault knob of a server. Did you mean "restart"?');
    const value = await runCli(['lab', 'fault', './lab', '--server', 'EX01', '--set', 'unreachable=yes'], { cwd });
    expect(value.stderr).toContain('--set unreachable=yes: give unreachable=true or false');
    const server = await runCli(['lab', 'fault', './lab', '--server', 'EX03', '--set', 'restart=fail'], { cwd });
    expect(server.stderr).toContain('The lab has no server "EX03". Did you mean "EX01"?');
    for (const r of [knob, value, server]) expect(r.code).toBe(1);
    expect(readFileSync(join(cwd, 'lab', 'organization.json'), 'utf8')).toBe(before);
  });
});

describe('hybridcfg lab --help', () => {
  it('shows the commands with examples, and suggests a near miss', async () => {
    const help = await runCli(['lab', '--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('hybridcfg lab fault ./lab --server EX02 --set restart=fail');
    const fault = await runCli(['lab', 'fault', '--help'], { cwd });
    expect(fault.stdout).toContain('unreachable=true|false');
    const typo = await runCli(['lab', 'evnets', './lab'], { cwd });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('"evnets" is not a lab command. Did you mean "events"?');
  });
});
