/**
 * web.config files on the PowerShell target: web-config.ps1 reads them on each server in the server's
 * read, and writes them (checked, backed up, replaced atomically) in one call per server.
 */
import * as path from 'node:path';
import { DiagnosticError, error } from '../../diag/diagnostic';
import type { PsDriver } from '../../targets/powershell/driver';
import { checkRelativePath } from '../../targets/powershell/paths';
import { sha256 } from '../../util/hash';
import type { FileRead, WebConfigLive, WebConfigQuery, WebConfigRequest, WebConfigResult } from './types';

interface RawFile {
  readonly file: string;
  readonly exists: boolean;
  readonly base64?: string;
  readonly sha256?: string;
  readonly recordedSha256?: string | null;
}

function files(raw: readonly RawFile[] | undefined, server: string | undefined): Record<string, FileRead> {
  const read: Record<string, FileRead> = {};
  for (const f of raw ?? []) {
    if (!f.exists) {
      read[f.file] = { exists: false };
      continue;
    }
    const bytes = Buffer.from(f.base64 ?? '', 'base64');
    if (sha256(bytes) !== f.sha256) {
      throw new DiagnosticError(error('target.read-failed', `${f.file} on ${server ?? 'the server'} arrived damaged (sha256 mismatch)`, 'Run plan again.'));
    }
    read[f.file] = { exists: true, bytes, sha256: f.sha256, ...(f.recordedSha256 !== undefined ? { recordedSha256: /^[0-9a-f]{64}$/.test(f.recordedSha256 ?? '') ? f.recordedSha256 : null } : {}) };
  }
  return read;
}

export const webConfigPowerShell: PsDriver<WebConfigQuery, WebConfigLive, WebConfigRequest, WebConfigResult> = {
  scope: 'server',
  script: path.join(__dirname, 'web-config.ps1'),
  read: {
    fn: 'Read-HcWebConfig',
    data: (query, server) => {
      for (const f of query.files) checkRelativePath(f, server);
      return query;
    },
    parse: (raw, query, server) => {
      const r = raw as { files?: RawFile[]; originals?: RawFile[] };
      const live = files(r.files, server?.Name);
      return query.originals ? { files: live, originals: files(r.originals, server?.Name) } : { files: live };
    },
  },
  set: {
    fn: 'Set-HcWebConfig',
    payload: (writes, server) => {
      for (const w of writes) checkRelativePath(w.file, server);
      let offset = 0;
      const data = {
        writes: writes.map((w) => {
          const entry = { file: w.file, expectedSha256: w.expectedSha256, offset, length: w.bytes.length };
          offset += w.bytes.length;
          return entry;
        }),
      };
      return { data, blob: Buffer.concat(writes.map((w) => w.bytes)) };
    },
    parse: (raw) =>
      ((raw as { files?: { file: string; backupFullPath: string; backupSha256?: string; originalSha256?: string | null; sha256After?: string }[] }).files ?? []).map((f) => ({
        file: f.file,
        backupPath: f.backupFullPath,
        ...(f.backupSha256 ? { backupSha256: f.backupSha256 } : {}),
        ...(f.originalSha256 ? { originalSha256: f.originalSha256 } : {}),
        ...(f.sha256After ? { afterSha256: f.sha256After } : {}),
      })),
    log: () => ({ call: 'writeFiles' }),
    failCode: 'target.write-failed',
    what: 'Writing web.config',
  },
};
