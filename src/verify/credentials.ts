/**
 * The app's credential for the client_credentials grant: a secret from an environment variable (never
 * from the spec), or a certificate and its private key from files. Problems are diagnostics at the
 * spec line that names the variable or file.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { LoadedSpec, VerifySpec } from '../spec/types';

export type Credential = (
  | { readonly kind: 'clientSecret'; readonly secret: string; readonly env: string }
  | {
      readonly kind: 'certificate';
      /** Hex, upper case, of the certificate's DER: what msal puts in the assertion's x5t#S256. */
      readonly thumbprintSha256: string;
      /** PKCS#8 PEM, as msal wants it. */
      readonly privateKeyPem: string;
      readonly notAfter: string;
    }
) & {
  /** Every form of the secret material read, for the scrubber. */
  readonly sensitive: readonly string[];
};

const VERIFY_EXAMPLE = [
  'verify:',
  '  tenantId: <tenant id>',
  '  clientId: <application (client) id>',
  '  clientSecretEnv: HYBRIDCFG_CLIENT_SECRET   # or certificate: { certificateFile: app.pem, privateKeyFile: app.key }',
  '  mailboxes: [onprem.user@contoso.com]',
].join('\n');

function at(loaded: LoadedSpec, pointer: string) {
  const source = loaded.locate(pointer);
  return { path: pointer, ...(source ? { source } : {}) };
}

/** The verify section, or a diagnostic that says how to write one. */
export function verifySection(loaded: LoadedSpec): VerifySpec {
  const v = loaded.spec.verify;
  if (!v) {
    throw new DiagnosticError(
      error(
        'verify.no-section',
        `The spec ${loaded.path} has no verify section`,
        `verify needs to know which app to sign in as and which mailboxes to read. Add:\n${VERIFY_EXAMPLE}`,
        { source: { file: loaded.path, line: 1, col: 1 } },
      ),
    );
  }
  const hasSecret = v.clientSecretEnv !== undefined;
  const hasCert = v.certificate !== undefined;
  if (hasSecret === hasCert) {
    throw new DiagnosticError(
      error(
        'verify.credential',
        hasSecret
          ? 'The verify section names both clientSecretEnv and certificate'
          : 'The verify section names no credential',
        hasSecret
          ? 'Keep one of them: verify signs in with exactly one credential.'
          : 'Add clientSecretEnv: <NAME OF AN ENVIRONMENT VARIABLE> (the secret is read from it), or certificate: { certificateFile: app.pem, privateKeyFile: app.key }.',
        at(loaded, '/verify'),
      ),
    );
  }
  if (v.mailboxes.length === 0) {
    throw new DiagnosticError(
      error('verify.no-mailboxes', 'The verify section lists no mailboxes', 'Add at least one address to verify.mailboxes: one on premises, ideally one in the cloud too.', at(loaded, '/verify/mailboxes')),
    );
  }
  return v;
}

async function readText(loaded: LoadedSpec, file: string, pointer: string, what: string): Promise<string> {
  const path = resolve(loaded.dir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new DiagnosticError(
      error('verify.file-unreadable', `Cannot read the ${what} ${path}: ${reason}`, `Check ${pointer.split('/').pop()} in the verify section; relative paths are resolved against the spec's folder (${loaded.dir}).`, at(loaded, pointer)),
    );
  }
}

export async function readCredential(loaded: LoadedSpec, v: VerifySpec, env: NodeJS.ProcessEnv): Promise<Credential> {
  if (v.clientSecretEnv !== undefined) {
    const secret = env[v.clientSecretEnv];
    if (secret === undefined || secret === '') {
      throw new DiagnosticError(
        error(
          'verify.secret-env-missing',
          `The environment variable ${v.clientSecretEnv} is ${secret === undefined ? 'not set' : 'empty'}`,
          `verify reads the client secret of app ${v.clientId} from ${v.clientSecretEnv} so that it never sits in the spec. ` +
            `Set it before running verify (for example from your secret store), or name another variable in clientSecretEnv.`,
          at(loaded, '/verify/clientSecretEnv'),
        ),
      );
    }
    return { kind: 'clientSecret', secret, env: v.clientSecretEnv, sensitive: [secret] };
  }
  const files = v.certificate!;
  const certPem = await readText(loaded, files.certificateFile, '/verify/certificate/certificateFile', 'certificate file');
  const keyPem = await readText(loaded, files.privateKeyFile, '/verify/certificate/privateKeyFile', 'private key file');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new DiagnosticError(
      error('verify.certificate-invalid', `${resolve(loaded.dir, files.certificateFile)} holds no PEM certificate`, 'Give the certificate in PEM form (-----BEGIN CERTIFICATE-----), the same one uploaded to the app registration.', at(loaded, '/verify/certificate/certificateFile')),
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    const encrypted = /encrypted|passphrase/i.test((err as Error).message) || keyPem.includes('ENCRYPTED');
    throw new DiagnosticError(
      error(
        'verify.key-invalid',
        `${resolve(loaded.dir, files.privateKeyFile)} holds no usable private key${encrypted ? ' (it is encrypted)' : ''}`,
        encrypted
          ? 'Give an unencrypted PEM key (openssl pkey -in key.pem -out plain.key) and keep the file readable only by the account that runs verify.'
          : 'Give the private key in PEM form (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----).',
        at(loaded, '/verify/certificate/privateKeyFile'),
      ),
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw new DiagnosticError(
      error(
        'verify.key-mismatch',
        `The private key ${resolve(loaded.dir, files.privateKeyFile)} does not belong to the certificate ${resolve(loaded.dir, files.certificateFile)}`,
        'Give the key the certificate was made from: the identity provider would reject every assertion signed with this one.',
        at(loaded, '/verify/certificate/privateKeyFile'),
      ),
    );
  }
  const privateKeyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    kind: 'certificate',
    thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toUpperCase(),
    privateKeyPem,
    notAfter: new Date(cert.validTo).toISOString(),
    sensitive: [keyPem, privateKeyPem],
  };
}
