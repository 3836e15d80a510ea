/**
 * The run state's files (lock.json, journal.jsonl) as both targets read them: whatever bytes they hold,
 * a value or a clear "damaged", never an exception that would reach the user as a bug. A damaged lock is
 * still a lock (nobody may run while it is there) that names itself, so that `force-unlock` can break it.
 */
import { createHash } from 'node:crypto';
import type { JournalEnd, JournalEntry, JournalStart, LockHolder } from './types';

/** The run id a damaged lock goes by: derived from its bytes, so that only that very file is broken. */
export function damagedLockRunId(text: string): string {
  return `damaged-${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function isLockHolder(v: unknown): v is LockHolder {
  return (
    isObject(v) &&
    typeof v.runId === 'string' &&
    typeof v.command === 'string' &&
    typeof v.host === 'string' &&
    typeof v.user === 'string' &&
    typeof v.pid === 'number' &&
    typeof v.startedAt === 'string'
  );
}

/** The lock file's text as a holder; a file that is not a lock hybridcfg wrote is a damaged one. */
export function parseLock(text: string): LockHolder {
  let value: unknown;
  let why = 'it is not JSON';
  try {
    value = JSON.parse(text);
    why = 'it is not a lock hybridcfg wrote (runId, command, host, user, pid, startedAt)';
  } catch {
    value = undefined;
  }
  if (isLockHolder(value)) return value;
  return { runId: damagedLockRunId(text), command: '(damaged lock file)', host: '(unknown)', user: '(unknown)', pid: 0, startedAt: '(unknown)', damaged: text.trim() === '' ? 'it is empty' : why };
}

/** One journal line, or undefined when it is not one hybridcfg wrote (a line cut short by a kill, damage). */
export function parseJournalLine(line: string): JournalEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(v) || typeof v.runId !== 'string') return undefined;
  if (v.event === 'start') {
    if (!isLockHolder(v.holder) || !Array.isArray(v.changes) || !v.changes.every((c) => isObject(c) && typeof c.address === 'string')) return undefined;
    return v as unknown as JournalStart;
  }
  if (v.event === 'end') return typeof v.status === 'string' ? (v as unknown as JournalEnd) : undefined;
  return undefined;
}
