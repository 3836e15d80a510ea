/** Certificates made at test time with openssl: the loopback server's TLS identity and the app's certificate. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly certPem: string;
  readonly keyPem: string;
}

function selfSigned(dir: string, name: string, subject: string, extra: string[]): KeyPair {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', subject, '-keyout', keyFile, '-out', certFile, ...extra],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** A TLS certificate for 127.0.0.1 that is its own CA: trust it to talk to the loopback server. */
export function makeServerCert(dir: string): KeyPair {
  return selfSigned(dir, 'server', '/CN=127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1']);
}

/** An app registration's certificate and key (what a customer would upload to Entra ID). */
export function makeAppCert(dir: string, name = 'app'): KeyPair {
  return selfSigned(dir, name, `/CN=hybridcfg-verify-${name}`, []);
}
