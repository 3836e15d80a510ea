/**
 * Per-server calls fan out from one shell (issue 15): the calls of one phase go out as ONE PowerShell
 * call (Invoke-Command -ComputerName <list> -ThrottleLimit <n>; the fake Exchange module's stand-in in
 * lab mode), each server keeps its own result and its own error, answers arrive as the servers finish,
 * and a server that gives no answer is never taken for one that succeeded.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';
import { openFanOut } from '../../src/targets/powershell/fan-out';
import type { CallRequest, PsCallRecord } from '../../src/targets/powershell/session';
import { createPowerShellTarget } from '../../src/targets/powershell';
import type { ExchangeServer, Target } from '../../src/targets/types';
import { readLines, readFiles } from '../contract/target.contract';
import { drivers, initLab } from '../helpers/targets';
import { requirePwsh } from '../helpers/pwsh';

const server = (name: string): ExchangeServer => ({ Name: name, Fqdn: `${name.toLowerCase()}.contoso.com`, AdminDisplayVersion: 'Version 15.2 (Build 1748.10)', ServerRole: 'Mailbox' });
const request = (name: string, data: unknown = { name }): CallRequest => ({
  script: 'read-server',
  data,
  context: { call: 'readServer', server: server(name) },
  transport: 'winrm',
  timeoutMs: 1000,
});
const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics[0]!.code;
    throw err;
  }
  throw new Error('expected a failure');
};

describe('fan-out: the calls of one phase as one call', () => {
  test('calls issued together go out as one call; each server gets its own answer or error', async () => {
    const sent: CallRequest[] = [];
    const fan = openFanOut(async (r) => {
      sent.push(r);
      r.fanOut!.onItem('EX01', { ok: true, result: { hello: 'EX01' } });
      r.fanOut!.onItem('EX03', { ok: false, error: { message: 'Connecting to remote server ex03.contoso.com failed with the following error message : WinRM cannot complete the operation.' } });
      r.fanOut!.onItem('EX02', { ok: true, result: { hello: 'EX02' } });
      return { answered: ['EX01', 'EX02', 'EX03'], stray: [] };
    }, () => 10);
    const [a, b, c] = [fan.submit(request('EX01')), fan.submit(request('EX02')), fan.submit(request('EX03'))];
    await expect(a).resolves.toEqual({ hello: 'EX01' });
    await expect(b).resolves.toEqual({ hello: 'EX02' });
    const failure = await c.catch((e: DiagnosticError) => e.diagnostics[0]!);
    expect(failure).toMatchObject({ code: 'target.unreachable' });
    expect((failure as { summary: string }).summary).toContain('EX03');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.fanOut!.targets.map((t) => t.name)).toEqual(['EX01', 'EX02', 'EX03']);
    // Three servers at parallelism 10: all at once, and the call's time is one server's.
    expect(sent[0]!.fanOut!.throttle).toBe(3);
    expect(sent[0]!.timeoutMs).toBe(1000);
    // The servers' requests travel as one map, a line each; the blob of none goes through JSON.
    expect(sent[0]!.fanOut!.map.split('\n').map((l) => l.split(' ')[0])).toEqual(['EX01', 'EX02', 'EX03']);
  });

  test('a server that gives no answer fails on its own; a call that fails as a whole keeps the answers already in', async () => {
    const quiet = openFanOut(async (r) => {
      r.fanOut!.onItem('EX01', { ok: true, result: 1 });
      return {};
    }, () => 10);
    const [one, two] = [quiet.submit(request('EX01')), quiet.submit(request('EX02'))];
    await expect(one).resolves.toBe(1);
    expect(await codeOf(two)).toBe('target.no-answer');

    const dying = openFanOut(async (r) => {
      r.fanOut!.onItem('EX02', { ok: true, result: 2 });
      throw new DiagnosticError({ severity: 'error', code: 'target.shell-exited', summary: 'PowerShell stopped' });
    }, () => 10);
    const [x, y] = [dying.submit(request('EX01')), dying.submit(request('EX02'))];
    expect(await codeOf(x)).toBe('target.shell-exited');
    await expect(y).resolves.toBe(2);
  });

  test('the same server twice in one turn is two calls; the throttle and the time limit follow the parallelism', async () => {
    const sent: CallRequest[] = [];
    const fan = openFanOut(async (r) => {
      sent.push(r);
      for (const t of r.fanOut!.targets) r.fanOut!.onItem(t.name, { ok: true, result: t.name });
      return {};
    }, () => 2);
    await Promise.all([fan.submit(request('EX01')), fan.submit(request('EX01')), fan.submit(request('EX02')), fan.submit(request('EX03'))]);
    expect(sent.map((r) => r.fanOut!.targets.map((t) => t.name))).toEqual([['EX01'], ['EX01', 'EX02', 'EX03']]);
    // Three servers two at a time: two waves, each allowed one server's time.
    expect(sent[1]!.fanOut!.throttle).toBe(2);
    expect(sent[1]!.timeoutMs).toBe(2000);
  });
});

describe('fan-out: a second phase in the same call', () => {
  const restartOf = (name: string): CallRequest => ({ script: 'restart', data: { mode: 'iisreset' }, context: { call: 'restart', server: server(name) }, transport: 'winrm', timeoutMs: 5000 });
  const writeOf = (name: string): CallRequest => ({ ...request(name), script: 'set-server', context: { call: 'writeFiles', server: server(name) } });

  test('the restarts go out with the writes, and come back per server', async () => {
    const sent: CallRequest[] = [];
    const fan = openFanOut(async (r) => {
      sent.push(r);
      for (const t of r.fanOut!.targets) r.fanOut!.onItem(t.name, { ok: true, result: `wrote ${t.name}` }, 1);
      for (const t of r.fanOut!.then!.targets) r.fanOut!.onItem(t.name, { ok: true, result: `restarted ${t.name}` }, 2);
      return { then: 'ran' };
    }, () => 10);
    const a = fan.submitThen(writeOf('EX01'), restartOf('EX01'));
    const b = fan.submitThen(writeOf('EX02'), restartOf('EX02'));
    await expect(Promise.all([a.first, b.first, a.then, b.then])).resolves.toEqual(['wrote EX01', 'wrote EX02', 'restarted EX01', 'restarted EX02']);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.fanOut!.then).toMatchObject({ call: 'restart', script: 'restart', throttle: 2 });
    // The call may take the writes' time and then the restarts'.
    expect(sent[0]!.timeoutMs).toBe(1000 + 5000);
  });

  test('a batch with a failed write runs no restart: each restart is left to the caller (undefined)', async () => {
    const fan = openFanOut(async (r) => {
      r.fanOut!.onItem('EX01', { ok: true, result: 'wrote EX01' }, 1);
      r.fanOut!.onItem('EX02', { ok: false, error: { message: '[target.file-changed] the file changed' } }, 1);
      return { then: 'skipped' };
    }, () => 10);
    const a = fan.submitThen(writeOf('EX01'), restartOf('EX01'));
    const b = fan.submitThen(writeOf('EX02'), restartOf('EX02'));
    await expect(a.first).resolves.toBe('wrote EX01');
    expect(await codeOf(b.first)).toBe('target.file-changed');
    await expect(a.then).resolves.toBeUndefined();
    await expect(b.then).resolves.toBeUndefined();
  });

  test('a restart that ran and did not answer is an error, never taken as done', async () => {
    const fan = openFanOut(async (r) => {
      r.fanOut!.onItem('EX01', { ok: true, result: 'wrote EX01' }, 1);
      return { then: 'ran' };
    }, () => 10);
    const a = fan.submitThen(writeOf('EX01'), restartOf('EX01'));
    await expect(a.first).resolves.toBe('wrote EX01');
    expect(await codeOf(a.then)).toBe('target.no-answer');
  });
});

describe('fan-out through pwsh and the fake Exchange module', () => {
  const pwsh = requirePwsh();
  let dir: string;
  let lab: string;
  let target: Target | undefined;
  let records: PsCallRecord[];

  async function faults(f: Record<string, Record<string, unknown>>): Promise<void> {
    const file = path.join(lab, 'organization.json');
    const org = JSON.parse(await fs.readFile(file, 'utf8'));
    for (const s of org.servers) if (f[s.Name]) s.faults = { ...(s.faults ?? {}), ...f[s.Name] };
    await fs.writeFile(file, JSON.stringify(org, null, 2) + '\n');
  }
  async function open(parallelism: number): Promise<Target> {
    records = [];
    target = await createPowerShellTarget(
      { shell: pwsh, lab, timeoutSeconds: 60 },
      { specDir: dir, drivers: drivers(), parallelism, onPowerShellCall: (c) => records.push(c) },
    );
    return target;
  }
  /** Reads every server at once, as the reader does; the order the answers came in. */
  async function readAll(t: Target): Promise<{ order: string[]; outcomes: Record<string, string> }> {
    const org = await t.readOrganization({});
    const order: string[] = [];
    const outcomes: Record<string, string> = {};
    await Promise.all(
      org.servers.map((s) =>
        readFiles(t, s, REST_FRONTEND_WEB_CONFIG).then(
          (r) => {
            order.push(s.Name);
            outcomes[s.Name] = r.files[REST_FRONTEND_WEB_CONFIG]?.exists ? 'read' : 'no file';
          },
          (err: DiagnosticError) => {
            order.push(s.Name);
            outcomes[s.Name] = `${err.diagnostics[0]!.code}: ${err.diagnostics[0]!.summary}`;
          },
        ),
      ),
    );
    return { order, outcomes };
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-fan-out-'));
    lab = path.join(dir, 'lab');
    await initLab(lab, { servers: ['EX01', 'EX02', 'EX03'] });
  });
  afterEach(async () => {
    await target?.close();
    target = undefined;
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('three servers, one unreachable: one PowerShell call, one shell, each server its own outcome, each logged by the lab', async () => {
    await faults({ EX02: { unreachable: true } });
    const t = await open(10);
    const { outcomes } = await readAll(t);
    expect(outcomes.EX01).toBe('read');
    expect(outcomes.EX03).toBe('read');
    expect(outcomes.EX02).toMatch(/^target\.unreachable: EX02 \(EX02\.contoso\.lab\) is unreachable/);
    // A server's answer settles its read before the call itself ends: the transcript is whole once the target closes.
    await t.close();
    target = undefined;
    const reads = records.filter((r) => r.script === 'read-server');
    expect(reads).toEqual([expect.objectContaining({ servers: ['EX01', 'EX02', 'EX03'], ok: true })]);
    // One shell started for the whole run: the main one (its connect), none for the servers.
    expect(records.filter((r) => r.shellStarted).map((r) => r.script)).toEqual(['connect']);
    const calls = (await readLines(path.join(lab, 'calls.jsonl'))).filter((c) => c.call === 'readServer');
    expect(calls.map((c) => [c.server, c.error ?? 'ok']).sort()).toEqual([
      ['EX01', 'ok'],
      ['EX02', 'target.unreachable'],
      ['EX03', 'ok'],
    ]);
  });

  test('answers come back as the servers finish, ThrottleLimit servers at a time', async () => {
    // EX01 is slow, EX02 and EX03 quick (lab fault latencyMs).
    await faults({ EX01: { latencyMs: 600 }, EX02: { latencyMs: 100 }, EX03: { latencyMs: 100 } });
    // Two at a time: EX01 and EX02 start; EX03 takes EX02's place; EX01 finishes last.
    expect((await readAll(await open(2))).order).toEqual(['EX02', 'EX03', 'EX01']);
    await target!.close();
    // One at a time: in the order given.
    expect((await readAll(await open(1))).order).toEqual(['EX01', 'EX02', 'EX03']);
  });
  test('a batch written and restarted in one call; a refused write restarts nobody', async () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const t = await open(10);
    const org = await t.readOrganization({});
    const [ex01, ex02] = org.servers;
    const file = (name: string) => path.join(lab, 'servers', name, ...REST_FRONTEND_WEB_CONFIG.split('/'));
    const writeOf = async (name: string, stale = false) => {
      const bytes = await fs.readFile(file(name));
      return [{ kind: 'webConfig', request: { file: REST_FRONTEND_WEB_CONFIG, bytes: Buffer.concat([bytes, Buffer.from('<!-- x -->\r\n')]), expectedSha256: stale ? sha(Buffer.from('other')) : sha(bytes) } }];
    };
    const restart = { mode: 'iisreset' as const };
    // Issued in one turn, as the apply engine issues a batch's.
    const [w1, w2] = [await writeOf('EX01'), await writeOf('EX02')];
    const both = await Promise.all([t.setServerThenRestart!(ex01!, w1, restart), t.setServerThenRestart!(ex02!, w2, restart)]);
    await Promise.all(both.map((b) => b.written));
    const restarted = await Promise.all(both.map((b) => b.restarted));
    expect(restarted.map((r) => r?.unavailability?.how)).toEqual(['modelled', 'modelled']);
    const lines = async () => (await readLines(path.join(lab, 'calls.jsonl'))).map((c) => `${c.call} ${c.server ?? ''}`.trim());
    expect((await lines()).filter((l) => /^(writeFiles|restart)/.test(l))).toEqual(['writeFiles EX01', 'writeFiles EX02', 'restart EX01', 'restart EX02']);

    // EX02's write is refused (stale sha256): EX01 is written, and neither restarts in that call.
    const [v1, v2] = [await writeOf('EX01'), await writeOf('EX02', true)];
    const again = await Promise.all([t.setServerThenRestart!(ex01!, v1, restart), t.setServerThenRestart!(ex02!, v2, restart)]);
    await expect(again[0]!.written).resolves.toHaveLength(1);
    expect(await codeOf(again[1]!.written)).toBe('target.file-changed');
    await expect(again[0]!.restarted).resolves.toBeUndefined();
    await expect(again[1]!.restarted).resolves.toBeUndefined();
    expect((await lines()).filter((l) => /^restart/.test(l))).toEqual(['restart EX01', 'restart EX02']);
    await t.close();
    target = undefined;
    // Two PowerShell calls for two batches of two servers' writes and restarts.
    expect(records.filter((r) => r.script === 'set-server').map((r) => r.servers)).toEqual([['EX01', 'EX02'], ['EX01', 'EX02']]);
    expect(records.filter((r) => r.script === 'restart')).toEqual([]);
  });
});
