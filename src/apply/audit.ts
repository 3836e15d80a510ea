/**
 * The audit trail (`--audit-log FILE` on apply and rollback): one JSON line per run, appended with a
 * single write on a file opened with O_APPEND, so concurrent runs never interleave inside a line.
 * Secrets never reach it: the plan holds none (verify credentials stay in the environment and in key
 * files), and appSetting values whose key looks like a secret are redacted all the same.
 */
import { fail } from '../diag/diagnostic';
import { closeSync, constants as fsConstants, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Plan } from '../plan/types';
import { sha256 } from '../util/hash';
import { canonicalJson } from '../util/json';
import { REDACTED, SECRET_NAME } from '../util/redact';
import type { ApplyResult } from './apply';
import { currentUser } from './lock';

export { REDACTED };

function redact(key: string, value: unknown): unknown {
  return SECRET_NAME.test(key) && value !== null && value !== undefined ? REDACTED : value;
}

/** `partnerApplication["..."].Enabled`, `server["EX01"].webConfig["..."]["OAuthHttpModule.Profiles"]`. */
export function attributeAddress(address: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${address}.${name}` : `${address}[${JSON.stringify(name)}]`;
}

/** sha256 of the plan's canonical JSON (sorted keys): the same plan always has the same digest. */
export function planDigest(plan: Plan): string {
  return sha256(canonicalJson(plan));
}

export interface AuditRecord {
  readonly time: string;
  readonly command: 'apply' | 'rollback';
  readonly user: string;
  readonly host: string;
  readonly runId?: string;
  readonly spec: { readonly path: string; readonly digest: string };
  readonly planDigest: string;
  readonly target: string;
  readonly changes: readonly { readonly address: string; readonly before: unknown; readonly after: unknown }[];
  readonly restarts: readonly string[];
  readonly result: string;
  readonly servers?: readonly { readonly server: string; readonly outcome: string }[];
  readonly errors?: readonly string[];
}

export function auditRecord(
  command: 'apply' | 'rollback',
  plan: Plan,
  result: ApplyResult | 'no-changes' | 'cancelled',
  opts: { readonly now?: Date; readonly runId?: string } = {},
): AuditRecord {
  const changes = plan.changes.flatMap((c) =>
    c.attributes.map((a) => ({ address: attributeAddress(c.address, a.name), before: redact(a.name, a.before), after: redact(a.name, a.after) })),
  );
  const applied = typeof result === 'object' ? result : undefined;
  return {
    time: (opts.now ?? new Date()).toISOString(),
    command,
    user: currentUser(),
    host: hostname(),
    ...(opts.runId ? { runId: opts.runId } : {}),
    spec: plan.spec,
    planDigest: planDigest(plan),
    target: plan.target.description,
    changes,
    restarts: applied ? applied.servers.filter((s) => s.restarted).map((s) => s.server) : [],
    result: typeof result === 'string' ? result : result.rollback ? `${result.status}, rolled back` : result.status,
    ...(applied ? { organization: applied.organization.map((o) => ({ address: o.address, state: o.state })) } : {}),
    ...(applied ? { servers: applied.servers.map((s) => ({ server: s.server, outcome: s.outcome })) } : {}),
    ...(applied && applied.diagnostics.length > 0 ? { errors: applied.diagnostics.map((d) => `${d.code}: ${d.summary}`) } : {}),
  };
}

/**
 * One line, appended with O_APPEND; the file is created (mode 600) if missing, and never opened through a
 * symbolic link (O_NOFOLLOW: a link planted at the audit path cannot redirect the line). A short write is
 * continued; a write that fails part way is cut back, so the file holds whole lines only.
 */
export function appendAuditLine(file: string, record: AuditRecord): void {
  const bytes = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | (fsConstants.O_NOFOLLOW ?? 0), 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      fail('audit.symlink', `The audit log ${file} is a symbolic link; hybridcfg does not write through one.`, 'Give the path of the audit file itself (--audit-log), not of a link to it.');
    }
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    } catch (err) {
      // Not half a line: the file is cut back to the whole lines it had.
      if (written > 0) {
        try {
          ftruncateSync(fd, size);
        } catch {
          /* the write error is the one to report */
        }
      }
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}
