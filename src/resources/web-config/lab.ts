/**
 * web.config files in the lab (LAB.md O2, O4): the files under LAB/servers/<NAME>/, their first
 * originals in hybridcfg/original/ (each with its sha256 in `<file>.sha256`), backups in the call's
 * backup folder, temp files in hybridcfg/tmp/. Every one of them is written whole or not at all.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DiagnosticError, fail } from '../../diag/diagnostic';
import type { LabServerDriver } from '../../targets/lab/driver';
import { TEMP_FOLDER } from '../../targets/lab/format';
import { resolveInServer } from '../../targets/lab/paths';
import { createFileAtomic, NotAFileError, readFileBoundedSync, writeFileAtomic } from '../../util/fs';
import { sha256 } from '../../util/hash';
import { ORIGINALS_FOLDER } from './plan';
import type { FileRead, WebConfigLive, WebConfigQuery, WebConfigRequest, WebConfigResult } from './types';

/** Room a write needs beyond its copies (backup, original, temp file of each), as read-server.ps1 asks on a server. */
export const BACKUP_MARGIN_BYTES = 1024 * 1024;

/** A web.config is at most this large in the lab (real ones are a few to a few hundred kilobytes). */
export const WEB_CONFIG_MAX_BYTES = 64 * 1024 * 1024;

function readFile(abs: string): FileRead {
  try {
    // Bounded and non-blocking: a FIFO or a device where a web.config should be never hangs the read.
    // Synchronous, as the lab's small local files are (LAB_FILE_MAX_BYTES says why).
    const bytes = readFileBoundedSync(abs, WEB_CONFIG_MAX_BYTES);
    return { exists: true, bytes, sha256: sha256(bytes) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { exists: false };
    if (err instanceof NotAFileError) fail('target.read-failed', `${abs} is ${err.why === 'not-a-file' ? 'not a regular file (a device or a pipe)' : `larger than ${err.limit} bytes`}`, 'A web.config is a regular file: check what is at that path.');
    throw err;
  }
}

/** The hash recorded beside a first original, or null when there is none (or it is not a hash). */
function recordedHash(originalAbs: string): string | null {
  let text: string | null;
  try {
    text = readFileBoundedSync(`${originalAbs}.sha256`, 1024).toString('utf8');
  } catch {
    text = null;
  }
  const hash = text?.trim();
  return hash !== undefined && /^[0-9a-f]{64}$/.test(hash) ? hash : null;
}

/** A file-system error of a write as a diagnostic naming the server, the file and the way out. */
function writeFailure(err: unknown, server: string, what: string): never {
  if (err instanceof DiagnosticError) throw err;
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const why: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EACCES: 'access is denied',
    EPERM: 'the operation is not permitted',
    EISDIR: 'a folder is in the way',
    EROFS: 'the file system is read-only',
    EIO: 'an input/output error occurred',
  };
  fail('target.write-failed', `${server}: ${what} failed: ${why[code] ?? (err as Error).message} (${code})`, 'The file is as it was or fully written (every write is atomic): run plan to see which. Free the disk or fix the permissions, then apply again.');
}

export const webConfigLab: LabServerDriver<WebConfigQuery, WebConfigLive, WebConfigRequest, WebConfigResult> = {
  scope: 'server',
  call: 'writeFiles',

  async read(ctx, query) {
    const files = Object.fromEntries(query.files.map((f) => [f, readFile(resolveInServer(ctx.folder, f))]));
    if (!query.originals) return { files };
    const originals: Record<string, FileRead> = {};
    for (const f of query.files) {
      const abs = path.join(ctx.folder, ...ORIGINALS_FOLDER.split('/'), ...f.replace(/\\/g, '/').split('/'));
      const r = readFile(abs);
      originals[f] = r.exists ? { ...r, recordedSha256: recordedHash(abs) } : r;
    }
    return { files, originals };
  },

  async set(ctx, writes) {
    const s = ctx.server;
    // Check every file before touching any: a stale or missing one means nothing is written.
    const checked = await Promise.all(
      writes.map(async (w) => {
        const abs = resolveInServer(ctx.folder, w.file);
        const current = readFile(abs);
        if (!current.exists) {
          fail(
            'target.file-missing',
            `${w.file} does not exist on ${s.Name}`,
            `Looked for ${abs}. hybridcfg edits web.config files, it never creates them; check the path in the spec. Nothing was written.`,
          );
        }
        if (current.sha256 !== w.expectedSha256) {
          fail(
            'target.file-changed',
            `${w.file} on ${s.Name} changed since the plan was made`,
            `Its sha256 is ${current.sha256}, the plan was made from ${w.expectedSha256}. Nothing was written. Run plan again.`,
          );
        }
        // Replacing the file keeps what the user set on it, or nothing is written: a symbolic link would
        // become a plain file, and a read-only file was made so on purpose.
        const st = await fs.lstat(abs);
        if (st.isSymbolicLink()) {
          fail('target.file-symlink', `${w.file} on ${s.Name} is a symbolic link`, 'hybridcfg replaces files atomically, which would turn the link into a file. Point the spec at the file itself, or replace the link. Nothing was written.');
        }
        if ((st.mode & 0o222) === 0) {
          fail('target.file-readonly', `${w.file} on ${s.Name} is read-only`, 'Someone made it read-only on purpose: clear the read-only flag if hybridcfg may change it, then apply again. Nothing was written.');
        }
        return { write: w, abs, rel: w.file.replace(/\\/g, '/'), before: current, keep: { mode: st.mode, uid: st.uid, gid: st.gid } };
      }),
    );
    const tempDir = path.join(ctx.folder, ...TEMP_FOLDER.split('/'));
    try {
      await fs.mkdir(tempDir, { recursive: true });
      // Room for a backup, an original and a temp copy of every file, on the volume that holds them.
      const need = checked.reduce((n, c) => n + c.before.bytes.length + c.write.bytes.length * 2, BACKUP_MARGIN_BYTES);
      const st = await fs.statfs(tempDir);
      if (st.bavail * st.bsize < need) {
        fail(
          'target.disk-full',
          `${s.Name}: not enough free space for the backups (${st.bavail * st.bsize} bytes free, ${need} needed)`,
          'Nothing was written. Free space on the volume of ExchangeInstallPath, then apply again.',
        );
      }
    } catch (err) {
      writeFailure(err, s.Name, 'preparing the backups');
    }
    const results: WebConfigResult[] = [];
    for (const { write, abs, rel, before, keep } of checked) {
      let backupRel = '';
      let backupAbs = '';
      let originalSha256: string | undefined;
      try {
        backupRel = `${await ctx.backupFolder()}/${rel}`;
        backupAbs = path.join(ctx.folder, ...backupRel.split('/'));
        await fs.mkdir(path.dirname(backupAbs), { recursive: true });
        if (!(await createFileAtomic(backupAbs, before.bytes, tempDir))) fail('target.write-failed', `${s.Name}: the backup ${backupRel} already exists`, 'Nothing was written. Run apply again.');
        const originalAbs = path.join(ctx.folder, ...ORIGINALS_FOLDER.split('/'), ...rel.split('/'));
        await fs.mkdir(path.dirname(originalAbs), { recursive: true });
        // The first original is kept for ever: later applies never replace it. Its hash is recorded
        // first, from the bytes in memory, so that a short or altered original can never pass as one.
        const hasOriginal = await fs.stat(originalAbs).then(() => true, () => false);
        const recorded = recordedHash(originalAbs);
        if (!hasOriginal && (recorded === null || recorded === before.sha256)) {
          if (recorded === null) await createFileAtomic(`${originalAbs}.sha256`, before.sha256 + '\n', tempDir);
          if (await createFileAtomic(originalAbs, before.bytes, tempDir)) originalSha256 = before.sha256;
        }
      } catch (err) {
        writeFailure(err, s.Name, `backing up ${rel}`);
      }
      try {
        await writeFileAtomic(abs, write.bytes, tempDir, keep);
      } catch (err) {
        writeFailure(err, s.Name, `writing ${rel}`);
      }
      await ctx.event({ action: 'write-file', server: s.Name, file: rel, sha256Before: before.sha256, sha256After: sha256(write.bytes), backup: backupRel });
      // What is on disk now, read back (as set-server.ps1 does): the journal records what was observed.
      const after = readFile(abs);
      results.push({ file: write.file, backupPath: backupAbs, backupSha256: before.sha256, ...(originalSha256 ? { originalSha256 } : {}), ...(after.exists ? { afterSha256: after.sha256 } : {}) });
    }
    return results;
  },
};
