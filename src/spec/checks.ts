/**
 * What the schema cannot say about the spec's own sections (restart, verify). Each resource kind checks
 * its section itself (its checkSpec). Runs on data that passed the schema.
 */
import { BUILDS, normalizeBuild } from '../domain/builds';
import type { Spec } from './types';
import { problem, type Problem } from './problem';

export function coreProblems(spec: Spec): Problem[] {
  return [...buildsProblems(spec), ...restartProblems(spec), ...verifyProblems(spec)];
}

/** A named minimum must be an update of Microsoft's build list (src/domain/builds.ts), on some product. */
function buildsProblems(spec: Spec): Problem[] {
  const minimum = spec.builds?.minimum;
  if (minimum === undefined || normalizeBuild(minimum) !== undefined) return [];
  if (BUILDS.some((b) => b.name.toLowerCase() === minimum.toLowerCase())) return [];
  const names = [...new Set(BUILDS.filter((b) => b.name !== b.cu).map((b) => b.name))];
  return [
    problem(
      'spec.unknown-build-level',
      '/builds/minimum',
      `\`builds.minimum\` is \`${minimum}\`, which is neither a build number nor an update in Microsoft's build list`,
      `Give a build number (15.2.1748.24) or an update's name: ${names.join(', ')}.`,
    ),
  ];
}

function restartProblems(spec: Spec): Problem[] {
  const r = spec.restart;
  if (!r) return [];
  if (r.mode !== 'appPools' && r.appPools !== undefined) {
    return [
      problem('spec.unused-key', '/restart/appPools', `\`restart.appPools\` is ignored with \`mode: ${r.mode}\``, 'Set mode: appPools to recycle only these pools, or remove appPools.', {
        severity: 'warning',
        at: 'key',
      }),
    ];
  }
  return [];
}

function verifyProblems(spec: Spec): Problem[] {
  const v = spec.verify;
  if (!v) return [];
  const out: Problem[] = [];
  if ((v.clientSecretEnv === undefined) === (v.certificate === undefined)) {
    out.push(
      problem(
        'spec.verify-credential',
        '/verify',
        v.clientSecretEnv === undefined ? '`verify` needs `clientSecretEnv` or `certificate`' : '`verify` takes `clientSecretEnv` or `certificate`, not both',
        'Give exactly one: the name of the environment variable that holds the client secret, or the certificate and key files.',
        { at: 'key' },
      ),
    );
  }
  // Client credentials need a real tenant; the multi-tenant aliases are refused by Entra ID (STACK.md).
  if (['common', 'organizations', 'consumers'].includes(v.tenantId.toLowerCase())) {
    out.push(problem('spec.wrong-value', '/verify/tenantId', `\`verify.tenantId\` cannot be \`${v.tenantId}\` for an app-only token`, 'Give the tenant GUID or a domain name of the tenant, e.g. contoso.onmicrosoft.com.'));
  }
  return out;
}
