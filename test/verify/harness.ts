/** Runs `hybridcfg verify` in-process against the loopback cloud, with a spec written to a temp folder. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/io';
import { makeServerCert, type KeyPair } from './certs';
import { startFakeCloud, type FakeCloud, type FakeCloudOptions } from './idp-server';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT = '66666666-7777-8888-9999-000000000000';
export const SECRET = 'Zq8~s3cr3t.Value-With~Odd"Chars\\x';

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Captured> {
  const out = sink();
  const err = sink();
  const io: CliIo = { stdout: out.stream, stderr: err.stream, stdin: process.stdin, env, cwd, color: false, quiet: false };
  const code = await main(argv, io);
  return { code, stdout: out.text(), stderr: err.text() };
}

/** A folder with the TLS certificate the loopback cloud serves (also the CA to trust). */
export function workdir(): { dir: string; tls: KeyPair } {
  const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-verify-'));
  return { dir, tls: makeServerCert(dir) };
}

export interface SpecParts {
  /** YAML lines for the verify section's credential (indented by 2). */
  readonly credential?: string;
  readonly mailboxes: readonly string[];
  /** Everything above `verify:`; the default manages the Graph partner app and the REST web.config. */
  readonly managed?: string;
  readonly tenantId?: string;
  readonly clientId?: string;
}

export const MANAGED = [
  'partnerApplications:',
  '  - applicationIdentifier: 00000003-0000-0000-c000-000000000000',
  '    appOnlyPermissions: { sameAs: actAsPermissions }',
  'webConfigs:',
  '  - file: FrontEnd/HttpProxy/rest/web.config',
  '    appSettings:',
  '      OAuthHttpModule.Profiles: { include: [V1S2SAppOnly] }',
].join('\n');

export function writeSpec(dir: string, cloud: FakeCloud, parts: SpecParts, name = 'hybridcfg.yaml'): string {
  const text = [
    'apiVersion: hybridcfg/v1',
    'kind: HybridOAuth',
    'target: { lab: ./lab }',
    'servers: all',
    parts.managed ?? MANAGED,
    'verify:',
    `  tenantId: ${parts.tenantId ?? TENANT}`,
    `  clientId: ${parts.clientId ?? CLIENT}`,
    parts.credential ?? '  clientSecretEnv: HYBRIDCFG_CLIENT_SECRET',
    `  mailboxes: [${parts.mailboxes.join(', ')}]`,
    `  authorityHost: ${cloud.url}`,
    `  graphEndpoint: ${cloud.url}`,
    '',
  ].join('\n');
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

export async function withCloud<T>(
  tls: KeyPair,
  opts: Partial<FakeCloudOptions> & Pick<FakeCloudOptions, 'mailboxes'>,
  fn: (cloud: FakeCloud) => Promise<T>,
): Promise<T> {
  const cloud = await startFakeCloud({ tenantId: TENANT, clientId: CLIENT, secret: SECRET, roles: ['Mail.Read'], ...opts }, tls);
  try {
    return await fn(cloud);
  } finally {
    await cloud.close();
  }
}
