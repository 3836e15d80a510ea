/**
 * Two small read-only kinds of the test tree that give `verify` the facts of its Entra checks through
 * ResourceKind.verifyFacts, as real kinds would: one the dedicated application's appId (as an auth server's
 * ApplicationIdentifier), the other the Auth certificates (as Get-AuthConfig with the certificates'
 * NotAfter). Each keeps its live state in the lab's organization.json under a key of its own; tests set
 * the values there. test/verify/entra.test.ts registers them; the session never names them.
 */
import { fail } from '../../../src/diag/diagnostic';
import type { KindPlan, PlanInput, ResourceKind } from '../../../src/resources/types';
import type { LabOrganizationDriver } from '../../../src/targets/lab/driver';

/** organization.json's `testHybridApp`. */
export interface TestHybridApp {
  readonly ApplicationIdentifier: string | null;
}

/** organization.json's `testAuthConfig`. */
export interface TestAuthConfig {
  readonly CurrentCertificateThumbprint: string | null;
  readonly NextCertificateThumbprint: string | null;
  /** NotAfter of each certificate the servers hold, by thumbprint. */
  readonly NotAfter: Readonly<Record<string, string>>;
}

interface AppSpec {
  readonly applicationIdentifier: string;
}

function readOnlyLab<L>(key: string, initial: L): LabOrganizationDriver<unknown, L, never, never> {
  return {
    scope: 'organization',
    shape: (org) => (org[key] !== undefined && typeof org[key] === 'object' ? undefined : `"${key}" is missing or not an object`),
    read: async (ctx) => (await ctx.organization())[key] as L,
    call: () => ({ call: 'none' }),
    set: () => fail('target.not-supported', `${key} is read-only`),
    init: async (org) => ({ ...org, [key]: initial }),
  };
}

const nothingToPlan = (input: PlanInput): KindPlan<never> => ({ changes: [], diagnostics: [], read: input.org });

const common = {
  scope: 'organization' as const,
  applyOrder: 90,
  orgQuery: () => ({}),
  plan: nothingToPlan,
  rollback: nothingToPlan,
  export: () => [],
  request: () => undefined,
  undo: () => undefined,
};

/** `testHybridApps: [{ applicationIdentifier }]` in the spec (optional); the live value is what verify checks. */
export const testHybridApp: ResourceKind<AppSpec, TestHybridApp, never, never> = {
  ...common,
  id: 'testHybridApp',
  specKey: 'testHybridApps',
  noun: ['test hybrid app', 'test hybrid apps'],
  schema: {
    section: {
      description: 'The dedicated application the test auth server names.',
      examples: [[{ applicationIdentifier: '44444444-5555-6666-7777-888888888888' }]],
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['applicationIdentifier'],
        properties: { applicationIdentifier: { description: 'Its appId.', examples: ['44444444-5555-6666-7777-888888888888'], type: 'string' } },
      },
    },
  },
  verifyFacts: (input) => ({
    ...(input.org.ApplicationIdentifier ? { dedicatedAppId: input.org.ApplicationIdentifier } : {}),
    ...(input.entries.length > 0 ? { dedicatedAppIdPointer: `${input.pointer}/0/applicationIdentifier` } : {}),
  }),
  drivers: { lab: readOnlyLab<TestHybridApp>('testHybridApp', { ApplicationIdentifier: null }) },
};

export const testAuthConfig: ResourceKind<never, TestAuthConfig, never, never> = {
  ...common,
  id: 'testAuthConfig',
  specKey: 'testAuthConfigs',
  noun: ['test auth config', 'test auth configs'],
  schema: { section: { description: 'Not managed.', examples: [[]], type: 'array', maxItems: 0 } },
  verifyFacts: (input) => {
    const c = input.org;
    const cert = (thumbprint: string) => ({ thumbprint, ...(c.NotAfter[thumbprint] ? { notAfter: c.NotAfter[thumbprint] } : {}) });
    if (!c.CurrentCertificateThumbprint) return {};
    return { authCertificates: { current: cert(c.CurrentCertificateThumbprint), ...(c.NextCertificateThumbprint ? { next: cert(c.NextCertificateThumbprint) } : {}) } };
  },
  drivers: { lab: readOnlyLab<TestAuthConfig>('testAuthConfig', { CurrentCertificateThumbprint: null, NextCertificateThumbprint: null, NotAfter: {} }) },
};
