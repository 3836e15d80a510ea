/**
 * Safety through the CLI on a three-server lab with fault knobs: what a failed apply leaves on the
 * servers, rollback, the lock, the audit trail, secrets and hostile spec values.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWebConfig, readAppSettings } from '../../src/webconfig/appsettings';
import { runCli } from '../helpers/cli';
import { GRAPH, REST, seedSpec } from '../helpers/seed-spec';

function spec(restart: string, extra = ''): string {
  return seedSpec({ restart, extra });
}

const ROLLBACK = `  mode: iisreset
  rolling:
    maxUnavailable: 1
    healthCheck:
      paths: [/owa/healthcheck.htm, /ews/healthcheck.htm]
      timeoutSeconds: 300
  onFailure: rollback
`;
const STOP = ROLLBACK.replace('onFailure: rollback', 'onFailure: stop');

let dir: string;
const lab = (...p: string[]) => join(dir, 'lab', ...p);
const rest = (server: string) => readFileSync(lab('servers', server, REST));
const graph = () => JSON.parse(readFileSync(lab('organization.json'), 'utf8')).partnerApplications.find((a: { ApplicationIdentifier: string }) => a.ApplicationIdentifier === GRAPH);
const jsonl = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const events = () => jsonl(lab('events.jsonl'));

function setFaults(server: string, faults: Record<string, unknown>): void {
  const org = JSON.parse(readFileSync(lab('organization.json'), 'utf8'));
  org.servers.find((s: { Name: string }) => s.Name === server).faults = faults;
  writeFileSync(lab('organization.json'), JSON.stringify(org, null, 2) + '\n');
}

/** Every file of the lab but the call log (reads are logged too), for "nothing changed" checks. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.endsWith('calls.jsonl')) out.set(p, createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(lab());
  return out;
}

async function setup(restart = ROLLBACK, extra = ''): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-safety-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), spec(restart, extra));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01,EX02,EX03', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
}
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('checks before changing anything', () => {
  test('a server that cannot take backups stops the apply before any change; plan says so', async () => {
    await setup();
    setFaults('EX02', { backup: 'fail' });
    const plan = await runCli(['plan'], { cwd: dir });
    expect(plan.stdout).toContain('EX02 cannot back up');
    const before = snapshot();
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EX02 cannot back up its web.config files, so nothing was changed anywhere');
    expect(snapshot()).toEqual(before);
  });

  test('an unreachable server stops the apply before any change, partner applications included', async () => {
    await setup();
    setFaults('EX03', { unreachable: true });
    const before = snapshot();
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EX03 (EX03.contoso.lab) is unreachable');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(snapshot()).toEqual(before);
  });
});

describe('rolling restarts with health gates', () => {
  test('a failed health check with onFailure: rollback restores that server byte for byte and the partner application; later servers untouched', async () => {
    await setup();
    setFaults('EX02', { healthCheck: 'fail' });
    const pristine = { EX01: rest('EX01'), EX02: rest('EX02'), EX03: rest('EX03') };
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('EX02 failed its health check');
    expect(r.stderr).toContain('/owa/healthcheck.htm');
    expect(r.stdout).toMatch(/EX02: FAILED.*RESTORED FrontEnd\/HttpProxy\/rest\/web.config byte for byte/);
    expect(r.stdout).toContain('EX03: not touched');
    expect(r.stdout).toContain('partner application "Microsoft Graph": changed, then RESTORED');
    expect(r.stdout).toContain('EX01 completed before the failure and keeps the change');
    expect(rest('EX02')).toEqual(pristine.EX02);
    expect(rest('EX03')).toEqual(pristine.EX03);
    expect(rest('EX01')).not.toEqual(pristine.EX01);
    expect(graph().AppOnlyPermissions).toBeNull();
    expect(events().filter((e) => e.server === 'EX03')).toEqual([]);
    // EX02 restarted once for the change and once after the restore.
    expect(events().filter((e) => e.action === 'iisreset' && e.server === 'EX02')).toHaveLength(2);
  });

  test('with onFailure: stop nothing is restored and later servers are untouched', async () => {
    await setup(STOP);
    setFaults('EX02', { healthCheck: 'fail' });
    const pristine = rest('EX02');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/EX02: FAILED: EX02 failed its health check/);
    expect(r.stdout).not.toContain('RESTORED');
    expect(rest('EX02')).not.toEqual(pristine);
    expect(graph().AppOnlyPermissions).toHaveLength(29);
    expect(events().filter((e) => e.server === 'EX03')).toEqual([]);
  });

  test('a failed restart with rollback restores the server; the report names it', async () => {
    await setup();
    setFaults('EX01', { restart: 'fail' });
    const pristine = rest('EX01');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Restart of EX01 (EX01.contoso.lab) failed');
    expect(rest('EX01')).toEqual(pristine);
    expect(events().filter((e) => e.server === 'EX02' || e.server === 'EX03')).toEqual([]);
  });

  test('a failed Set-PartnerApplication stops before any server is touched', async () => {
    await setup();
    const org = JSON.parse(readFileSync(lab('organization.json'), 'utf8'));
    org.partnerApplications.find((a: { ApplicationIdentifier: string }) => a.ApplicationIdentifier === GRAPH).faults = { set: 'fail' };
    writeFileSync(lab('organization.json'), JSON.stringify(org, null, 2) + '\n');
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Set-PartnerApplication failed for "Microsoft Graph"');
    expect(r.stdout).toContain('EX01: not touched');
    expect(events()).toEqual([]);
  });

  test('batches of maxUnavailable: the next batch starts only after both restarts; three calls per changed server', async () => {
    await setup(ROLLBACK.replace('maxUnavailable: 1', 'maxUnavailable: 2'));
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    const order = events().map((e) => `${e.action}:${e.server ?? ''}`);
    const firstEx03 = order.indexOf('write-file:EX03');
    expect(order.slice(1, firstEx03).sort()).toEqual(['iisreset:EX01', 'iisreset:EX02', 'write-file:EX01', 'write-file:EX02']);
    const calls = jsonl(lab('calls.jsonl'));
    for (const s of ['EX01', 'EX02', 'EX03']) expect(calls.filter((c) => c.server === s).map((c) => c.call)).toEqual(['readServer', 'writeFiles', 'restart']);
  });

  test('a server that is changed but whose latency is high still gets its health check in the restart call', async () => {
    await setup();
    setFaults('EX03', { latencyMs: 50 });
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('EX03: iisreset /noforce done, health check passed');
  });
});

describe('hybridcfg rollback', () => {
  test('shows its plan, restores the first originals, and is idempotent; later applies never overwrite the original', async () => {
    await setup();
    const pristine = rest('EX01');
    expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
    // A second apply with another change: the recorded original stays the pre-first-apply one.
    writeFileSync(join(dir, 'hybridcfg.yaml'), spec(ROLLBACK).replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnly, V1IdToken]'));
    expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(lab('servers', 'EX01', 'hybridcfg', 'original', REST))).toEqual(pristine);

    const refused = await runCli(['rollback'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('rollback needs confirmation');

    const r = await runCli(['rollback', '--yes'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('AppOnlyPermissions: 29 permissions -> (not set)');
    expect(r.stdout).toContain('(-V1S2SAppOnly -V1IdToken)');
    expect(r.stdout).toContain('Rollback complete.');
    for (const s of ['EX01', 'EX02', 'EX03']) expect(rest(s)).toEqual(pristine);
    expect(graph().AppOnlyPermissions).toBeNull();

    const count = events().length;
    const again = await runCli(['rollback', '--yes'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect(events()).toHaveLength(count);
  });
});

describe('the organisation lock', () => {
  function writeLock(pid: number, host = hostname()): void {
    mkdirSync(lab('hybridcfg'), { recursive: true });
    writeFileSync(lab('hybridcfg', 'lock.json'), JSON.stringify({ runId: 'r-1', command: 'apply', host, user: 'alice', pid, startedAt: '2026-01-01T00:00:00.000Z' }));
  }

  test('a second apply fails at once naming the holder; force-unlock keeps a live holder unless --force', async () => {
    await setup();
    writeLock(process.pid);
    const before = snapshot();
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`"apply" by alice on ${hostname()}, process ${process.pid}, started 2026-01-01T00:00:00.000Z`);
    expect(r.stderr).toContain('still running');
    expect(snapshot()).toEqual(before);
    const rb = await runCli(['rollback', '--yes'], { cwd: dir });
    expect(rb.code).toBe(1);
    expect(rb.stderr).toContain('holds this organisation');

    const keep = await runCli(['force-unlock', '--yes'], { cwd: dir });
    expect(keep.code).toBe(1);
    expect(keep.stderr).toContain('still running: the lock was not broken');
    expect(existsSync(lab('hybridcfg', 'lock.json'))).toBe(true);
    const forced = await runCli(['force-unlock', '--yes', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(existsSync(lab('hybridcfg', 'lock.json'))).toBe(false);
  });

  test('a lock whose process is gone: apply says so and points at force-unlock, which asks, then apply works', async () => {
    await setup();
    writeLock(2 ** 22 + 12345); // above Linux's pid_max default: no such process
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('That process is gone');
    expect(r.stderr).toContain('hybridcfg force-unlock');
    const asked = await runCli(['force-unlock'], { cwd: dir, stdinTTY: true, input: 'no\n' });
    expect(asked.stdout).toContain('The lock is held by "apply" by alice');
    expect(asked.code).toBe(1);
    expect(existsSync(lab('hybridcfg', 'lock.json'))).toBe(true);
    expect((await runCli(['force-unlock', '--yes'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['apply', '--yes'], { cwd: dir })).code).toBe(0);
    // The lock is released at the end of every run.
    expect(existsSync(lab('hybridcfg', 'lock.json'))).toBe(false);
  });
});

describe('audit trail', () => {
  test('one JSON line per run: who, when, digests, changes with before/after, restarts, result', async () => {
    await setup();
    const first = await runCli(['apply', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir });
    expect(first.code).toBe(0);
    expect((await runCli(['rollback', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir })).code).toBe(0);
    const lines = jsonl(join(dir, 'audit.jsonl'));
    expect(lines.map((l) => [l.command, l.result])).toEqual([
      ['apply', 'succeeded'],
      ['rollback', 'succeeded'],
    ]);
    const [apply] = lines;
    expect(apply.host).toBe(hostname());
    expect(typeof apply.user).toBe('string');
    expect(apply.spec.digest).toBe(createHash('sha256').update(readFileSync(join(dir, 'hybridcfg.yaml'))).digest('hex'));
    expect(apply.planDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(apply.restarts).toEqual(['EX01', 'EX02', 'EX03']);
    const change = apply.changes.find((c: { address: string }) => c.address.startsWith('server["EX01"]'));
    expect(change.before).toBe('S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2');
    expect(change.after).toBe('S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2|V1S2SAppOnly');
  });

  test('a failed run is audited with its errors and per-server outcomes', async () => {
    await setup();
    setFaults('EX02', { healthCheck: 'fail' });
    await runCli(['apply', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir });
    const [line] = jsonl(join(dir, 'audit.jsonl'));
    expect(line.result).toBe('failed, rolled back');
    expect(line.servers).toEqual([
      { server: 'EX01', outcome: 'restarted' },
      { server: 'EX02', outcome: 'rolledBack' },
      { server: 'EX03', outcome: 'not-started' },
    ]);
    expect(line.errors.join('\n')).toContain('apply.health-check-failed');
  });
});

describe('secrets and hostile input', () => {
  const SECRET = 'Zq8~topsecret-client-secret-value';
  const KEY_MARK = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7secretkeybody';

  test('the client secret and the private key reach no plan file, log, audit line or terminal output', async () => {
    const verify = `verify:
  tenantId: contoso.onmicrosoft.com
  clientId: 6731de76-14a6-49ae-97bc-6eba6914391e
  clientSecretEnv: HYBRIDCFG_TEST_SECRET
  mailboxes: [onprem.user@contoso.com]
`;
    await setup(ROLLBACK, verify);
    writeFileSync(join(dir, 'key.pem'), `-----BEGIN PRIVATE KEY-----\n${KEY_MARK}\n-----END PRIVATE KEY-----\n`);
    const env = { HYBRIDCFG_TEST_SECRET: SECRET };
    const outputs = [
      await runCli(['plan', '--out', 'plan.json', '--json'], { cwd: dir, env }),
      await runCli(['apply', 'plan.json', '--yes', '--json', '--audit-log', 'audit.jsonl'], { cwd: dir, env }),
      await runCli(['rollback', '--yes', '--audit-log', 'audit.jsonl'], { cwd: dir, env }),
    ];
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0]);
    const everything = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      readFileSync(join(dir, 'plan.json'), 'utf8'),
      readFileSync(join(dir, 'audit.jsonl'), 'utf8'),
      ...[...snapshot().keys()].map((f) => readFileSync(f, 'utf8')),
    ].join('\n');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(KEY_MARK);
  });

  test('PowerShell, XML and CDATA strings in values are stored literally and XML-escaped; a second plan is empty', async () => {
    const hostile = `$(Remove-Item C:\\ -Recurse)'; & ]]> <x a="1"/> \`$env:PATH`;
    // A second webConfigs entry (the extra text continues the list).
    await setup(ROLLBACK, `  - file: FrontEnd/HttpProxy/ews/web.config\n    appSettings:\n      Hybridcfg.Test: ${JSON.stringify(hostile)}\n`);
    const r = await runCli(['apply', '--yes'], { cwd: dir });
    expect(r.stderr).not.toContain('Error');
    expect(r.code).toBe(0);
    const ews = readFileSync(lab('servers', 'EX01', 'FrontEnd/HttpProxy/ews/web.config'));
    const raw = ews.toString('utf8');
    expect(raw).toContain('value="$(Remove-Item C:\\ -Recurse)\'; &amp; ]]&gt; &lt;x a=&quot;1&quot;/&gt; `$env:PATH"');
    const settings = readAppSettings(decodeWebConfig(ews, 'ews'), 'ews');
    expect(settings.find((s) => s.key === 'Hybridcfg.Test')?.value).toBe(hostile);
    // Nothing ran: no file appeared outside the lab's own folders.
    expect(readdirSync(dir).sort()).toEqual(['hybridcfg.yaml', 'lab']);
    expect((await runCli(['plan', '--detailed-exitcode'], { cwd: dir })).code).toBe(0);
  });

  test.each([['..\\..\\Windows\\win.ini'], ['../../../etc/passwd'], ['C:\\Windows\\win.ini'], ['\\\\evil\\share\\web.config'], ['$env:SystemRoot/win.ini']])(
    'the spec loader rejects the path %s and nothing is read or written',
    async (file) => {
      await setup();
      writeFileSync(join(dir, 'hybridcfg.yaml'), spec(ROLLBACK).replace(`file: ${REST}`, `file: ${JSON.stringify(file)}`));
      const before = snapshot();
      const r = await runCli(['apply', '--yes'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/must stay inside ExchangeInstallPath|variables are not expanded/);
      expect(r.stderr).toContain('hybridcfg.yaml:');
      expect(snapshot()).toEqual(before);
      expect(jsonl(lab('calls.jsonl'))).toEqual([]);
    },
  );
});
