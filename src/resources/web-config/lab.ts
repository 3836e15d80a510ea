/**
 * web.config files in the lab (LAB.md O2, O4): the files under LAB/servers/<NAME>/, their first
 * originals in hybridcfg/original/, backups in the call's backup folder, temp files in hybridcfg/tmp/.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import type { LabServerDriver } from '../../targets/lab/driver';
import { TEMP_FOLDER } from '../../targets/lab/format';
import { resolveInServer } from '../../targets/lab/paths';
import { writeFileAtomic } from '../../util/fs';
import { sha256 } from '../../util/hash';
import { ORIGINALS_FOLDER } from './plan';
import type { FileRead, WebConfigLive, WebConfigQuery, WebConfigRequest, WebConfigResult } from './types';

async function readFile(abs: string): Promise<FileRead> {
  try {
    const bytes = await fs.readFile(abs);
    return { exists: true, bytes, sha256: sha256(bytes) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { exists: false };
    throw err;
  }
}

export const webConfigLab: LabServerDriver<WebConfigQuery, WebConfigLive, WebConfigRequest, WebConfigResult> = {
  scope: 'server',
  call: 'writeFiles',

  async read(ctx, query) {
    const read = async (files: readonly string[]) => {
      const absolute = files.map((f) => resolveInServer(ctx.folder, f));
      const reads = await Promise.all(absolute.map(readFile));
      return Object.fromEntries(files.map((f, i) => [f, reads[i]]));
    };
    const files = await read(query.files);
    if (!query.originals) return { files };
    const originals = await read(query.files.map((f) => `${ORIGINALS_FOLDER}/${f.replace(/\\/g, '/')}`));
    return { files, originals: Object.fromEntries(query.files.map((f) => [f, originals[`${ORIGINALS_FOLDER}/${f.replace(/\\/g, '/')}`]])) };
  },

  async set(ctx, writes) {
    const s = ctx.server;
    // Check every file before touching any: a stale or missing one means nothing is written.
    const checked = await Promise.all(
      writes.map(async (w) => {
        const abs = resolveInServer(ctx.folder, w.file);
        const current = await readFile(abs);
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
        return { write: w, abs, rel: w.file.replace(/\\/g, '/'), before: current };
      }),
    );
    const results: WebConfigResult[] = [];
    for (const { write, abs, rel, before } of checked) {
      const backupRel = `${await ctx.backupFolder()}/${rel}`;
      const backupAbs = path.join(ctx.folder, ...backupRel.split('/'));
      await fs.mkdir(path.dirname(backupAbs), { recursive: true });
      await fs.writeFile(backupAbs, before.bytes, { flag: 'wx' });
      const originalAbs = path.join(ctx.folder, ...ORIGINALS_FOLDER.split('/'), ...rel.split('/'));
      await fs.mkdir(path.dirname(originalAbs), { recursive: true });
      try {
        await fs.writeFile(originalAbs, before.bytes, { flag: 'wx' });
      } catch (err) {
        // The first original is kept for ever: later applies never replace it.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const tempDir = path.join(ctx.folder, ...TEMP_FOLDER.split('/'));
      await fs.mkdir(tempDir, { recursive: true });
      await writeFileAtomic(abs, write.bytes, tempDir);
      await ctx.event({ action: 'write-file', server: s.Name, file: rel, sha256Before: before.sha256, sha256After: sha256(write.bytes), backup: backupRel });
      results.push({ file: write.file, backupPath: backupAbs });
    }
    return results;
  },
};
