/** The web.config kind's part of the Target contract: checked, backed-up, atomic writes as both targets do them. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { REST_FRONTEND_WEB_CONFIG } from '../../../src/domain/exchange';
import type { ExchangeServer, Target } from '../../../src/targets/types';
import { EWS, listFiles, readLines, rejectsWith, writeFiles, type ContractContext } from '../target.contract';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function webConfigContract(c: ContractContext): void {
  let lab: string;
  let target: Target;
  beforeEach(() => {
    ({ lab, target } = c);
  });
  const events = () => readLines(path.join(lab, 'events.jsonl'));
  const calls = () => readLines(path.join(lab, 'calls.jsonl'));
  const restFile = (server: string): string => path.join(lab, 'servers', server, ...REST_FRONTEND_WEB_CONFIG.split('/'));
  const server = async (n: string): Promise<ExchangeServer> => {
    const s = (await target.readOrganization({})).servers.find((x) => x.Name === n);
    if (!s) throw new Error(`no server ${n}`);
    return s;
  };

  test('a stale sha256 is refused and nothing is written', async () => {
    const ex01 = await server('EX01');
    const before = await fs.readFile(restFile('EX01'));
    await rejectsWith(
      writeFiles(target, ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: Buffer.from('new'), expectedSha256: sha256(Buffer.from('something else')) }]),
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
      writeFiles(target, ex01, [{ file: 'FrontEnd/HttpProxy/none/web.config', bytes: Buffer.from('x'), expectedSha256: sha256(Buffer.from('')) }]),
      'target.file-missing',
    );
    expect(await listFiles(path.join(lab, 'servers', 'EX01', 'FrontEnd', 'HttpProxy', 'none'))).toEqual([]);
  });

  test('writes back up the previous bytes, keep the first original, and replace the file', async () => {
    const ex01 = await server('EX01');
    const original = await fs.readFile(restFile('EX01'));
    const first = Buffer.concat([original, Buffer.from('<!-- 1 -->\r\n')]);
    const second = Buffer.concat([first, Buffer.from('<!-- 2 -->\r\n')]);
    const r1 = await writeFiles(target, ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: first, expectedSha256: sha256(original) }]);
    const r2 = await writeFiles(target, ex01, [{ file: REST_FRONTEND_WEB_CONFIG, bytes: second, expectedSha256: sha256(first) }]);
    expect(await fs.readFile(restFile('EX01'))).toEqual(second);
    expect(await fs.readFile(r1[0]!.backupPath)).toEqual(original);
    expect(await fs.readFile(r2[0]!.backupPath)).toEqual(first);
    const hc = path.join(lab, 'servers', 'EX01', 'hybridcfg');
    expect(await fs.readFile(path.join(hc, 'original', ...REST_FRONTEND_WEB_CONFIG.split('/')))).toEqual(original);
    expect(await listFiles(hc)).toEqual([
      `backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`,
      `backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`,
      `original/${REST_FRONTEND_WEB_CONFIG}`,
      `original/${REST_FRONTEND_WEB_CONFIG}.sha256`,
    ]);
    // The first original's hash is recorded beside it (from the bytes in memory), and in the results.
    expect((await fs.readFile(path.join(hc, 'original', ...`${REST_FRONTEND_WEB_CONFIG}.sha256`.split('/')), 'utf8')).trim()).toBe(sha256(original));
    expect(r1[0]).toMatchObject({ backupSha256: sha256(original), originalSha256: sha256(original) });
    expect(r2[0]).toMatchObject({ backupSha256: sha256(first) });
    expect(r2[0]!.originalSha256).toBeUndefined();
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

  test('temp files of a write stay out of every vdir folder and out of hybridcfg/tmp afterwards', async () => {
    const ex02 = await server('EX02');
    const folder = path.join(lab, 'servers', 'EX02');
    const before = await listFiles(folder);
    const writes = await Promise.all(
      [REST_FRONTEND_WEB_CONFIG, EWS].map(async (file) => {
        const bytes = await fs.readFile(path.join(folder, ...file.split('/')));
        return { file, bytes: Buffer.concat([bytes, Buffer.from('<!-- x -->\r\n')]), expectedSha256: sha256(bytes) };
      }),
    );
    await writeFiles(target, ex02, writes);
    const added = (await listFiles(folder)).filter((f) => !before.includes(f));
    expect(added.sort()).toEqual(
      [
        `hybridcfg/backup/<stamp>/${REST_FRONTEND_WEB_CONFIG}`,
        `hybridcfg/backup/<stamp>/${EWS}`,
        `hybridcfg/original/${REST_FRONTEND_WEB_CONFIG}`,
        `hybridcfg/original/${REST_FRONTEND_WEB_CONFIG}.sha256`,
        `hybridcfg/original/${EWS}`,
        `hybridcfg/original/${EWS}.sha256`,
      ].sort(),
    );
    for (const w of writes) expect(await fs.readFile(path.join(folder, ...w.file.split('/')))).toEqual(w.bytes);
  });
}
