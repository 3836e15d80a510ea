/** The lab's audit trail (LAB.md, "Events and calls"): events.jsonl and calls.jsonl, read back for people. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';

export type Line = Readonly<Record<string, unknown>>;

export async function readLabLines(file: string): Promise<readonly Line[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      records.push(parsed as Line);
    } catch (err) {
      fail('lab.invalid', `Line ${i + 1} of the lab's ${path.basename(file)} is not a JSON object: ${(err as Error).message}`, 'Each line must be one JSON object. Repair or remove the line.', {
        source: { file, line: i + 1, col: 1 },
      });
    }
  });
  return records;
}

const short = (sha: unknown) => (typeof sha === 'string' ? sha.slice(0, 12) : '?');

export function describeEvent(e: Line): string {
  switch (e.action) {
    case 'set-partnerapplication':
      return `Set-PartnerApplication "${String(e.name)}" (${String(e.applicationIdentifier)}): ${(e.properties as unknown[] | undefined)?.join(', ') ?? ''}`;
    case 'write-file':
      return `wrote ${String(e.file)}  sha256 ${short(e.sha256Before)} -> ${short(e.sha256After)}, backup ${String(e.backup)}`;
    case 'iisreset':
      return 'iisreset';
    case 'recycle-apppool':
      return `recycled app pool ${String(e.appPool)}`;
    default: {
      const { time: _time, server: _server, ...rest } = e;
      return JSON.stringify(rest);
    }
  }
}

export function describeCall(c: Line): string {
  const subject = c.server ?? c.applicationIdentifier;
  return `${String(c.call)}${subject !== undefined ? ` ${String(subject)}` : ''}${c.error !== undefined ? `  FAILED: ${String(c.error)}` : ''}`;
}
