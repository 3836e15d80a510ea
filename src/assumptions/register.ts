/**
 * Exchange behaviour hybridcfg relies on but cannot confirm (marked [M] or [?] in
 * docs/exchange-facts.md), as named assumptions in one register (after Terraform's
 * internal/experiments): each has an id, what is assumed, its confidence and source, a default, and a
 * value a spec may set under `assumptions:`. Code asks the register for the value it acts on, which
 * records the use; every plan lists the assumptions it relied on, so an administrator sees them before
 * approving, and can switch one when their servers behave otherwise.
 */

export type Confidence = 'M' | '?';

export interface AssumptionDef<V = unknown> {
  readonly id: string;
  /** What hybridcfg assumes, in one sentence. */
  readonly assumes: string;
  readonly confidence: Confidence;
  /** Where the fact stands: `docs/exchange-facts.md#<anchor>`. */
  readonly source: string;
  readonly default: V;
  /** The JSON Schema of the value a spec may set (published under `assumptions.<id>`). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** What hybridcfg does with a value, for the plan. */
  explain(value: V): string;
}

const FACTS = 'docs/exchange-facts.md';

export const ASSUMPTIONS = {
  'partner-application-cache': {
    id: 'partner-application-cache',
    assumes: 'Exchange caches partner applications in each server process, so a change takes effect on a server only after its restart.',
    confidence: 'M',
    source: `${FACTS}#partner-applications`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) =>
      v ? 'A partner application change restarts every server in scope.' : 'A partner application change restarts no server.',
  },
  'web-config-restart': {
    id: 'web-config-restart',
    assumes:
      'OAuthHttpModule reads its appSettings once per application (AppDomain), so a changed web.config takes effect for certain only after the application pool that serves it restarts.',
    confidence: 'M',
    source: `${FACTS}#web-config`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) =>
      v ? 'A changed web.config restarts its server.' : 'A changed web.config restarts nothing: ASP.NET recycles the application on its own.',
  },
  'profile-names-exact': {
    id: 'profile-names-exact',
    assumes:
      'Exchange matches OAuthHttpModule.Profiles tokens exactly and case-sensitively, and drops unknown tokens silently, so a misspelt profile name is an error in the spec.',
    confidence: 'M',
    source: `${FACTS}#web-config`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) =>
      v ? 'Profile names Exchange does not know are refused unless listed in allowUnknown.' : 'Any profile name is accepted.',
  },
  'app-setting-keys-case-insensitive': {
    id: 'app-setting-keys-case-insensitive',
    assumes: 'ASP.NET reads appSettings keys case-insensitively (ordinal, ignoring case), so `Key` and `KEY` are one key.',
    confidence: '?',
    source: `${FACTS}#web-config`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) => (v ? 'appSetting keys are matched ignoring case.' : 'appSetting keys are matched exactly.'),
  },
  'partner-application-recycle': {
    id: 'partner-application-recycle',
    assumes:
      'Recycling every Exchange application pool of a server makes it read partner applications again: the cache lives in the worker processes, which a recycle replaces as iisreset does.',
    confidence: '?',
    source: `${FACTS}#files-iis`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) =>
      v
        ? 'A partner application change recycles every MSExchange* application pool of each server (appcmd), one server at a time.'
        : 'A partner application change restarts IIS on each server (iisreset), one server at a time.',
  },
  'health-probes': {
    id: 'health-probes',
    assumes:
      'A vdir answers https://<server>/<vdir>/healthcheck.htm with 200 while it works (owa, ecp, ews, mapi, oab, autodiscover, rpc), and /api answers an anonymous request with 401 and a Bearer challenge.',
    confidence: '?',
    source: `${FACTS}#health`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) =>
      v
        ? 'The health gate of a restart also probes the vdirs whose web.config changed, where one of these answers is known.'
        : 'The health gate checks only the paths the spec lists.',
  },
  'empty-permission-list-is-null': {
    id: 'empty-permission-list-is-null',
    assumes: 'An unset permission list is $null (CLIXML Nil), and Set-PartnerApplication with $null clears it.',
    confidence: 'M',
    source: `${FACTS}#partner-applications`,
    default: true,
    schema: { type: 'boolean' },
    explain: (v: boolean) => (v ? 'An empty permission list is sent and compared as $null.' : 'An empty permission list is sent as an empty list.'),
  },
  'restart-durations': {
    id: 'restart-durations',
    assumes:
      'iisreset /noforce leaves a server unable to serve its vdirs for about 60 s (every pool stopped, then started again by the first requests), and recycling one application pool leaves its applications slow for about 5 s (IIS overlaps the new worker process with the old one by default, so requests wait for the new one to start rather than fail).',
    confidence: '?',
    source: `${FACTS}#restart-durations`,
    // The lab's fallback (RESTART_DURATION_DEFAULTS in src/domain/iis.ts) must equal this; a test holds them together.
    default: { iisresetSeconds: 60, recycleSeconds: 5 },
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['iisresetSeconds', 'recycleSeconds'],
      properties: {
        iisresetSeconds: { type: 'number', minimum: 0, description: 'Seconds a server is unavailable during and after iisreset.', examples: [60] },
        recycleSeconds: { type: 'number', minimum: 0, description: 'Seconds the applications of one recycled pool are impaired.', examples: [5] },
      },
    },
    explain: (v: { iisresetSeconds: number; recycleSeconds: number }) =>
      `The plan states each restart's expected unavailability: ${v.iisresetSeconds} s per iisreset, ${v.recycleSeconds} s per recycled pool (pools are recycled one after another); the lab models the same figures.`,
  },
} as const satisfies Readonly<Record<string, AssumptionDef<never> | AssumptionDef<boolean> | AssumptionDef<{ iisresetSeconds: number; recycleSeconds: number }>>>;

export type AssumptionId = keyof typeof ASSUMPTIONS;
type ValueOf<Id extends AssumptionId> = (typeof ASSUMPTIONS)[Id]['default'] extends boolean
  ? boolean
  : (typeof ASSUMPTIONS)[Id]['default'] extends { readonly iisresetSeconds: number }
    ? { readonly iisresetSeconds: number; readonly recycleSeconds: number }
    : (typeof ASSUMPTIONS)[Id]['default'];

/** One assumption a plan relied on, as every view shows it. */
export interface AssumptionUse {
  readonly id: string;
  readonly assumes: string;
  readonly confidence: Confidence;
  readonly source: string;
  readonly value: unknown;
  /** False when the spec set it. */
  readonly isDefault: boolean;
  /** What hybridcfg did with this value. */
  readonly effect: string;
}

/** The register as one run sees it: the spec's values over the defaults, and a record of what was used. */
export interface Assumptions {
  get<Id extends AssumptionId>(id: Id): ValueOf<Id>;
  used(): readonly AssumptionUse[];
}

export function assumptions(fromSpec: Readonly<Record<string, unknown>> = {}): Assumptions {
  const used = new Map<string, AssumptionUse>();
  return {
    get(id) {
      const def = ASSUMPTIONS[id] as AssumptionDef<unknown>;
      const isDefault = !(id in fromSpec);
      const value = isDefault ? def.default : fromSpec[id];
      if (!used.has(id)) {
        used.set(id, { id, assumes: def.assumes, confidence: def.confidence, source: def.source, value, isDefault, effect: def.explain(value) });
      }
      return value as never;
    },
    used: () => [...used.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
  };
}

/** The `assumptions` section of the published schema: one optional key per assumption. */
export function assumptionsSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const def of Object.values(ASSUMPTIONS) as AssumptionDef<unknown>[]) {
    properties[def.id] = {
      ...def.schema,
      description: `[${def.confidence}] ${def.assumes} Default: ${JSON.stringify(def.default)}. ${def.explain(def.default)} Source: ${def.source}.`,
      examples: [def.default],
    };
  }
  return {
    type: 'object',
    description:
      'Exchange behaviour hybridcfg relies on but cannot confirm, each with its default. Every plan lists the assumptions it used; set one here when your servers behave otherwise.',
    examples: [{ 'partner-application-cache': true }],
    additionalProperties: false,
    properties,
  };
}
