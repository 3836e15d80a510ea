/** `hybridcfg verify` and `apply --verify`: the verify run for a loaded spec, with the CA file the environment names. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { LoadedSpec } from '../spec/types';
import { readCredential, runVerify, verifySection, type VerifyReport } from '../verify';

/** HYBRIDCFG_CA_FILE: extra CA certificates (PEM) to trust for the identity provider and Graph. */
async function caCerts(env: NodeJS.ProcessEnv, cwd: string): Promise<string | undefined> {
  const file = env.HYBRIDCFG_CA_FILE;
  if (file === undefined || file === '') return undefined;
  const path = resolve(cwd, file);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new DiagnosticError(
      error('verify.ca-unreadable', `Cannot read HYBRIDCFG_CA_FILE ${path}: ${(err as Error).message}`, 'Point HYBRIDCFG_CA_FILE at a PEM file of CA certificates, or unset it.'),
    );
  }
}

export async function verifySpec(loaded: LoadedSpec, opts: { readonly env: NodeJS.ProcessEnv; readonly cwd: string }): Promise<VerifyReport> {
  const ca = await caCerts(opts.env, opts.cwd);
  return runVerify(loaded, { env: opts.env, ...(ca !== undefined ? { caCerts: ca } : {}) });
}

/**
 * What `apply --verify` needs after the apply, checked before it changes anything (issue 13 #16): the
 * verify section, its credential (the secret's variable set, or the certificate and key readable and
 * matching) and the CA file. A missing one is refused up front, not discovered after the servers restarted.
 */
export async function verifyPreconditions(loaded: LoadedSpec, opts: { readonly env: NodeJS.ProcessEnv; readonly cwd: string }): Promise<void> {
  await readCredential(loaded, verifySection(loaded), opts.env);
  await caCerts(opts.env, opts.cwd);
}
