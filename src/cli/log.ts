/**
 * --log-file FILE: every message of the run as one JSON line (time, level, code, message, data), secrets
 * redacted. The file is opened once, appended to or created, never through a symlink (O_NOFOLLOW), and
 * each line goes out in one append write, so a reader sees whole lines.
 */
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { IoMessage } from '../io/host';
import { REDACTED, SECRET_NAME } from '../util/redact';

export interface LogFile {
  write(msg: IoMessage): void;
  close(): void;
}

/** Data as logged: secret-named fields redacted, a plan reduced to its summary (its values stay out of logs). */
function redactData(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactData(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_NAME.test(k)) out[k] = REDACTED;
    else if (k === 'plan' && v !== null && typeof v === 'object' && 'summary' in v) out[k] = { servers: (v as { servers?: unknown }).servers, summary: (v as { summary: unknown }).summary };
    else out[k] = redactData(v, depth + 1);
  }
  return out;
}

/** Environment variables whose names match SECRET_NAME and whose values are not secrets. */
const NOT_SECRET: ReadonlySet<string> = new Set(['PWD', 'OLDPWD']);

export function openLogFile(file: string, env: NodeJS.ProcessEnv): LogFile {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw Object.assign(new Error('not a regular file'), { code: 'ENOTFILE' });
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DiagnosticError(
      error(
        'cli.log-file',
        `Cannot write the log file ${file}: ${code === 'ELOOP' ? 'it is a symbolic link' : (err as Error).message}.`,
        'Give --log-file a regular file (it is created, or appended to) in a folder you can write; links are refused.',
      ),
    );
  }
  // Values of the environment's secret variables (the verify client secret) never reach the file. PWD and
  // OLDPWD are the shell's folders, not passwords: redacting them blanked every path in the log.
  const secrets = Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && !NOT_SECRET.has(k.toUpperCase()) && v !== undefined && v.length >= 4)
    .map(([, v]) => v!);
  return {
    write(msg) {
      let line = JSON.stringify({ time: msg.time.toISOString(), level: msg.level, code: msg.code, message: msg.message, data: redactData(msg.data) });
      for (const s of secrets) line = line.split(s).join(REDACTED).split(JSON.stringify(s).slice(1, -1)).join(REDACTED);
      writeSync(fd, Buffer.from(line + '\n', 'utf8'));
    },
    close() {
      closeSync(fd);
    },
  };
}
