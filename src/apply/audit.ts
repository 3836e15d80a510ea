/**
 * The audit trail (`--audit-log FILE` on apply and rollback): one JSON line per run, appended with a
 * single write on a file opened with O_APPEND, so concurrent runs never interleave inside a line.
 * Secrets never reach it: the plan holds none (verify credentials stay in the environment and in key
 * files), and appSetting values whose key looks like a secret are redacted all the same.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
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
    ...(applied ? { servers: applied.servers.map((s) => ({ server: s.server, outcome: s.outcome })) } : {}),
    ...(applied && applied.diagnostics.length > 0 ? { errors: applied.diagnostics.map((d) => `${d.code}: ${d.summary}`) } : {}),
  };
}

/** One line, one write, O_APPEND; the file is created if missing. */
export function appendAuditLine(file: string, record: AuditRecord): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, Buffer.from(JSON.stringify(record) + '\n', 'utf8'));
  } finally {
    closeSync(fd);
  }
}
