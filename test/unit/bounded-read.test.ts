/**
 * The bounded reads (src/util/fs.ts) that every lab web.config, spec and plan file goes through: sized
 * to the file, so they return exactly its bytes whatever its size, stop one byte past the limit, and
 * still read a pseudo-file whose size says 0 to its end.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotAFileError, readFileBounded, readFileBoundedSync } from '../../src/util/fs';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-bounded-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reads = {
  async: (file: string, limit: number) => readFileBounded(file, limit),
  sync: async (file: string, limit: number) => readFileBoundedSync(file, limit),
};

/** Bytes that differ at every offset, so a chunk read twice or left out shows. */
const pattern = (n: number) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
};

describe.each(Object.entries(reads))('readFileBounded (%s)', (_, read) => {
  test.each([0, 1, 4095, 4096, 8193, 3 * 1024 * 1024 + 7])('a file of %i bytes comes back byte for byte', async (n) => {
    const file = join(dir, `f${n}`);
    writeFileSync(file, pattern(n));
    const got = await read(file, 64 * 1024 * 1024);
    expect(got.length).toBe(n);
    expect(got.equals(pattern(n))).toBe(true);
  });

  test('a file at the limit is read; one byte more is refused as too large', async () => {
    const file = join(dir, 'limit');
    writeFileSync(file, pattern(1000));
    expect((await read(file, 1000)).equals(pattern(1000))).toBe(true);
    const err = await read(file, 999).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(NotAFileError);
    expect((err as NotAFileError).why).toBe('too-large');
  });

  test('a pseudo-file whose size says 0 is read to its end', async () => {
    // /proc/self/maps is larger than a page on any node process and reports size 0.
    const got = (await read('/proc/self/maps', 64 * 1024 * 1024)).toString('utf8');
    expect(got.length).toBeGreaterThan(4096);
    expect(got.split('\n').filter(Boolean).every((l) => /^[0-9a-f]+-[0-9a-f]+ /.test(l))).toBe(true);
  });

  test('a FIFO is refused as not a regular file, at once', async () => {
    const fifo = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
    execFileSync('mkfifo', [fifo]);
    const err = await read(fifo, 1024).then(() => undefined, (e: unknown) => e);
    expect((err as NotAFileError).why).toBe('not-a-file');
  });

  test('the bytes returned are the file, not what the buffer held before', async () => {
    // allocUnsafe memory is not zeroed: every byte returned must have come from the file.
    const file = join(dir, 'zeros');
    writeFileSync(file, Buffer.alloc(5000));
    for (let i = 0; i < 20; i++) {
      const got = await read(file, 1 << 20);
      expect(got.length).toBe(5000);
      expect(got.every((b) => b === 0)).toBe(true);
    }
    expect(readFileSync(file).length).toBe(5000);
  });
});
