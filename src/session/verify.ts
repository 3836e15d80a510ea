/**
 * `hybridcfg verify` and `apply --verify`: the verify run for a loaded spec, with the CA file the environment
 * names and, when a resource kind can tell them (ResourceKind.verifyFacts), the Entra checks' input read
 * from the live state. The kinds are not named here: every kind with the hook contributes its part.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { assumptions as assumptionsFor } from '../assumptions/register';
import { DiagnosticError, error } from '../diag/diagnostic';
import { kindFacts, planInput } from '../plan/planner';
import { REGISTRY, type Registry } from '../resources/registry';
import type { LiveState } from '../resources/types';
import type { LoadedSpec } from '../spec/types';
import type { Target } from '../targets/types';
import { entraInputFrom, mergeVerifyFacts, readCredential, runVerify, verifySection, type EntraInput, type EntraNotChecked, type VerifyFacts, type VerifyReport } from '../verify';
import { readLive } from './live';
import { openSpecTarget } from './session';

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

/**
 * The Entra checks' input from the live state, read as a plan reads it (the organisation, then the
 * servers in scope); undefined when no kind gives such facts. A live state that cannot be read does not
 * stop verify: the mailbox reads need Graph only, and the report says why the Entra checks did not run.
 */
async function entraFromLive(loaded: LoadedSpec, registry: Registry): Promise<EntraInput | EntraNotChecked | undefined> {
  const kinds = registry.kinds.filter((k) => k.verifyFacts !== undefined);
  // Only a spec that manages some of these kinds asks for the Entra checks: verify of a spec without
  // them (the Graph app-only scenario) reads mailboxes only, as before.
  const managed = kinds.some((k) => Array.isArray(loaded.spec[k.specKey]) && (loaded.spec[k.specKey] as unknown[]).length > 0);
  if (kinds.length === 0 || !managed) return undefined;
  let target: Target | undefined;
  let live: LiveState;
  try {
    target = await openSpecTarget(loaded, registry);
    live = await readLive(loaded, target, registry, { purpose: 'plan' });
  } catch (err) {
    if (!(err instanceof DiagnosticError)) throw err;
    const where = target ? ` (${target.description})` : '';
    return { notChecked: `The live state could not be read through the spec's target${where}: ${err.diagnostics.map((d) => d.summary).join('; ')}` };
  } finally {
    await target?.close();
  }
  const assumptions = assumptionsFor(loaded.spec.assumptions);
  const facts = kindFacts(registry.kinds, loaded, live, assumptions);
  const given: { kind: string; facts: VerifyFacts }[] = [];
  for (const kind of kinds) {
    // An organisation-wide kind that read nothing has no live state to speak of.
    if (kind.scope === 'organization' && live.organization.resources[kind.id] === undefined) continue;
    given.push({ kind: kind.id, facts: kind.verifyFacts!(planInput(kind, loaded, live, assumptions, facts)) });
  }
  return entraInputFrom(mergeVerifyFacts(given));
}

export async function verifySpec(
  loaded: LoadedSpec,
  opts: { readonly env: NodeJS.ProcessEnv; readonly cwd: string; readonly registry?: Registry },
): Promise<VerifyReport> {
  const ca = await caCerts(opts.env, opts.cwd);
  // A spec that cannot be verified is said so before Exchange is asked anything.
  verifySection(loaded);
  const entra = await entraFromLive(loaded, opts.registry ?? REGISTRY);
  return runVerify(loaded, { env: opts.env, ...(ca !== undefined ? { caCerts: ca } : {}), ...(entra !== undefined ? { entra } : {}) });
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
