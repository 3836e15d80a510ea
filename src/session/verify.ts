/** `hybridcfg verify` and `apply --verify`: the verify run for a loaded spec, with the CA file the environment names. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DiagnosticError, error } from '../diag/diagnostic';
import type { LoadedSpec } from '../spec/types';
import { runVerify, type VerifyReport } from '../verify';

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
