/** Runs the CLI in-process, as a user would from a shell, and captures what it prints. */
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function runCli(argv: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; stdinTTY?: boolean; input?: string }): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = opts.stdinTTY ?? false;
  if (opts.input !== undefined) stdin.end(opts.input);
  const io: CliIo = {
    stdout: out.stream,
    stderr: err.stream,
    stdin,
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    color: false,
    quiet: false,
  };
  const code = await main(argv, io);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: out.text(), stderr: err.text() };
}
