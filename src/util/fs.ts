/**
 * Files hybridcfg writes on this machine and in the lab: never half-written. A temp file beside the
 * target (or in a folder on the same volume), flushed to disk, then renamed over the target: a reader,
 * or a kill at any moment, sees the old bytes or the new ones.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, promises as fsp, renameSync, unlinkSync, writeSync } from 'node:fs';
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
