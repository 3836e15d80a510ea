/**
 * Files hybridcfg writes on this machine and in the lab: never half-written. A temp file beside the
 * target (or in a folder on the same volume), flushed to disk, then renamed over the target: a reader,
 * or a kill at any moment, sees the old bytes or the new ones.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, fsyncSync, openSync, promises as fsp, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function tempName(file: string, tempDir: string): string {
  return join(tempDir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Synchronous form, for the CLI's own outputs (plans, reports, exports). */
export function writeFileAtomicSync(file: string, content: string | Buffer, tempDir: string = dirname(file)): void {
  const tmp = tempName(file, tempDir);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let written = 0;
    // writeSync may write less than asked (a full disk, a pipe): loop until every byte is down.
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw err;
  }
}

/** What a replaced file keeps of the one it replaces: its mode and owner. */
export interface KeepAttributes {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Asynchronous form, for the lab's files. `tempDir` must be on the same volume as `file`. With `keep`,
 * the new file gets that mode and owner before it is swapped in (a failure to set them writes nothing).
 */
export async function writeFileAtomic(file: string, content: Buffer | string, tempDir: string = dirname(file), keep?: KeepAttributes): Promise<void> {
  const temp = tempName(file, tempDir);
  const handle = await fsp.open(temp, 'wx');
  try {
    await handle.writeFile(content);
    if (keep) {
      await handle.chmod(keep.mode & 0o7777);
      const st = await handle.stat();
      if (st.uid !== keep.uid || st.gid !== keep.gid) await handle.chown(keep.uid, keep.gid);
    }
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(temp, file);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
}

/**
 * Creates `file` with `content` only if it does not exist, atomically: the bytes go to a temp file in
 * `tempDir` (same volume), are flushed, then hard-linked into place (link fails if the name exists, like
 * O_EXCL). A kill or a full disk at any moment leaves no file or the whole file, never a short one.
 * Returns false when the file already existed (nothing written).
 */
export async function createFileAtomic(file: string, content: Buffer | string, tempDir: string = dirname(file)): Promise<boolean> {
  const temp = tempName(file, tempDir);
  const handle = await fsp.open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fsp.rm(temp, { force: true });
  }
}

/** Thrown by the bounded reads for what is not a regular file (a FIFO, a device, a folder) or too large. */
export class NotAFileError extends Error {
  constructor(
    readonly file: string,
    readonly why: 'not-a-file' | 'too-large',
    readonly limit: number,
  ) {
    super(why === 'not-a-file' ? `${file} is not a regular file` : `${file} is larger than ${limit} bytes`);
    this.name = 'NotAFileError';
  }
}

/**
 * How much the next read of a bounded read asks for. The first asks for the size the file says it has,
 * plus one byte to see it grew; later ones (a file that grew, or a pseudo-file whose size says 0) up to
 * 1 MiB; never more than one byte past the limit. Sized reads, not a zeroed 1 MiB per read: a plan of
 * 500 lab servers spent a third of its CPU filling and collecting those buffers (profiled).
 */
function chunkSize(size: number, total: number, limit: number): number {
  const want = total === 0 && size > 0 ? size + 1 : 1 << 20;
  return Math.max(1, Math.min(want, limit + 1 - total));
}

/**
 * Whether a read that came back short of what it asked for, with exactly the bytes the file's size
 * said, reached the end: a regular file's read is short only there, so the read that would return 0
 * is saved. A file whose size said 0 (a pseudo-file reads short before its end) always reads to 0.
 */
function atEnd(size: number, total: number, got: number, asked: number): boolean {
  return size > 0 && total === size && got < asked;
}

/**
 * Reads a regular file of at most `limit` bytes, without hanging: opened non-blocking (a FIFO does not
 * wait for a writer), refused unless it is a regular file (a device such as /dev/zero never ends), read
 * to at most `limit` + 1 bytes (a pseudo-file whose size says 0 still stops).
 *
 * With `scratch`, a file that fits it is read into it and the result is a view of it, valid until the
 * next read into the same scratch: for a caller that reads many same-sized files and keeps none.
 */
export function readFileBoundedSync(file: string, limit: number, scratch?: Buffer): Buffer {
  const fd = openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR', path: file });
    if (!st.isFile()) throw new NotAFileError(file, 'not-a-file', limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const size = chunkSize(st.size, total, limit);
      const buf = total === 0 && scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) throw new NotAFileError(file, 'too-large', limit);
      if (atEnd(st.size, total, n, buf.length)) break;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** Asynchronous form of readFileBoundedSync. */
export async function readFileBounded(file: string, limit: number): Promise<Buffer> {
  const handle = await fsp.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR', path: file });
    if (!st.isFile()) throw new NotAFileError(file, 'not-a-file', limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize(st.size, total, limit));
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) throw new NotAFileError(file, 'too-large', limit);
      if (atEnd(st.size, total, bytesRead, buf.length)) break;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}
