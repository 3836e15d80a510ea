/**
 * The shape every resource kind has (docs/architecture.md). After Microsoft DSC v3's resources (get and
 * set; the engine diffs; typed results; a restart is *reported* by the resource, not done by it) and
 * Terraform's providers (a resource type owns its schema, read and plan; a change records its action,
 * before, after and why).
 *
 * A kind is one folder under src/resources/<kind>/: its schema fragment, how its entries are addressed
 * and matched, the pure diff from (desired, live) to changes, what each change implies (restarts,
 * follow-up actions), how it is exported and rolled back, and its drivers for each target. Nothing
 * outside the folder names a kind except src/resources/registry.ts.
 */
import type { Diagnostic, SourceRange } from '../diag/diagnostic';
import type { Problem } from '../spec/problem';
import type { LoadedSpec, Spec } from '../spec/types';
import type { LabDriver } from '../targets/lab/driver';
import type { PsDriver } from '../targets/powershell/driver';
import type { ExchangeServer, OrganizationRead, ServerRead } from '../targets/types';
import type { Assumptions } from '../assumptions/register';
import type { VerifyFacts } from '../verify/types';

export type ChangeAction = 'create' | 'update' | 'delete';

/**
 * How an attribute's values compare and show in every view (text, JSON, HTML):
 *  - scalar: one short value, old -> new;
 *  - text: a string shown whole, old and new on lines of their own (an appSetting's value);
 *  - set: a list whose order does not matter (permission lists): added and removed items;
 *  - tokens: text that is a separated list whose order is kept (OAuthHttpModule.Profiles).
 */
export type ValueFormat = 'scalar' | 'text' | 'set' | 'tokens';

export interface AttributeChange {
  readonly name: string;
  /** create: the attribute (an appSetting key) is added; delete: removed; update: its value changes. */
  readonly action: ChangeAction;
  /** null when not set. */
  readonly before: unknown;
  readonly after: unknown;
  readonly format: ValueFormat;
  /** For `tokens`: the separator (`|`). */
  readonly separator?: string;
  /** For `tokens`: the names Exchange knows; views flag the others (Exchange drops them silently). */
  readonly knownTokens?: readonly string[];
  /** For `set`: what the members are, plural, for `29 permissions`; default `values`. */
  readonly unit?: readonly [singular: string, plural: string];
}

/** Why a change is in the plan (Terraform's ResourceInstanceChangeActionReason). */
export type ChangeReason =
  /** The live state differs from the spec. */
  | 'spec'
  /** `hybridcfg rollback`: putting back what hybridcfg first found. */
  | 'rollback'
  /** onFailure: rollback, within a run: undoing what this run just did. */
  | 'undo';

/** One resource instance that changes: the unit the views show and the apply engine carries out. */
export interface Change<D = unknown> {
  /** The resource kind's id (`partnerApplication`, `webConfig`). */
  readonly kind: string;
  /** Unique in a plan: `partnerApplication["00000003-..."]`, `server["EX01"].webConfig["FrontEnd/..."]`. */
  readonly address: string;
  readonly action: ChangeAction;
  readonly reason: ChangeReason;
  /** For people: the object's name (`Microsoft Graph`), shown beside the address. */
  readonly title?: string;
  /** Set for server-scope kinds: the server this change is made on. */
  readonly server?: string;
  readonly attributes: readonly AttributeChange[];
  /** What the change implies: restarts, follow-up actions (DSC's `_restartRequired`: reported, not done). */
  readonly effects: readonly Effect[];
  /**
   * A digest of the object's state before and after the change, when the kind has one (a file's
   * sha256): the journal records it, so that the next run can tell where an interrupted one left it.
   */
  readonly digest?: { readonly before: string; readonly after: string };
  /** The kind's own record of the change, enough to check it and redo it at apply time (JSON). */
  readonly data: D;
}

export type Effect = RestartEffect | FollowUpEffect;

/**
 * A command the target runs right after the change, in the same call (a setting override's refresh of
 * the variant configuration). Shown in the plan; it restarts nothing.
 */
export interface FollowUpEffect {
  readonly type: 'followUp';
  /** The command as an administrator would type it. */
  readonly command: string;
  /** For people: why it follows. */
  readonly why: string;
}

/**
 * The change takes effect on these servers only after a restart. The planner merges the effects of
 * every change into one restart per server, with every reason listed.
 */
export interface RestartEffect {
  readonly type: 'restart';
  /** `all`: every server in scope (organisation-wide objects that every server caches). */
  readonly servers: 'all' | readonly string[];
  /** For people: why (`web.config changed: FrontEnd/HttpProxy/rest/web.config`). */
  readonly why: string;
  /** The assumption this rests on, when the need for a restart is not confirmed. */
  readonly assumption?: string;
  /**
   * The application pools that must recycle for the change to take effect: named pools (those serving a
   * changed vdir, from the server's IIS configuration), or `all` (every Exchange pool of the server, for
   * what every process caches). Absent: the kind cannot tell, and the spec's restart mode decides.
   */
  readonly pools?: 'all' | readonly string[];
  /** Files of the server (relative to ExchangeInstallPath, with `/`) whose IIS applications must recycle. */
  readonly files?: readonly string[];
}

/** What a kind's planner returns beside its changes. */
export interface KindPlan<D = unknown> {
  readonly changes: readonly Change<D>[];
  readonly diagnostics: readonly Diagnostic[];
  /** The live values the plan was computed from, for the plan's fingerprint (JSON). */
  readonly read: unknown;
}

/** What a kind's planner, exporter and rollback planner are given. Pure data and pure functions. */
export interface KindContext<E = unknown> {
  readonly loaded: LoadedSpec;
  /** The kind's section of the spec (`loaded.spec[specKey]`), or [] when absent. */
  readonly entries: readonly E[];
  /** JSON pointer of the section (`/partnerApplications`). */
  readonly pointer: string;
  /** Where a JSON pointer sits in the spec file. */
  locate(pointer: string): SourceRange | undefined;
  /** Every server the organisation has in scope for hybridcfg. */
  readonly known: readonly ExchangeServer[];
  /** The servers this run covers (`servers:` of the spec), in the order they are changed. */
  readonly servers: readonly ExchangeServer[];
  readonly assumptions: Assumptions;
}

export interface PlanInput<E = unknown, OL = unknown, SL = unknown> extends KindContext<E> {
  /** This kind's organisation-wide live state (organisation-scope kinds). */
  readonly org: OL;
  /** This kind's live state on each server in scope (server-scope kinds); undefined when not read there. */
  server(name: string): SL | undefined;
  /** The whole live state, for cross-checks between kinds. */
  readonly live: LiveState;
  /**
   * What the kinds tell each other for cross-checks (ResourceKind.facts), by fact name: names of domain
   * things (`exchangeOnlinePartnerApplication`), never of kinds. Empty outside planning.
   */
  readonly facts: Readonly<Record<string, unknown>>;
  /** The plan's clock (PlanContext.now): for what depends on the date, such as a certificate's expiry. Absent outside planning. */
  readonly now?: Date;
}

/** What was read for a plan: the organisation once, then each server in scope. */
export interface LiveState {
  readonly organization: OrganizationRead;
  /** The servers in scope, in the order the spec names them (or Exchange lists them for `all`). */
  readonly servers: readonly ExchangeServer[];
  readonly serverStates: Readonly<Record<string, ServerRead>>;
  /** Warnings from reading (servers left out, how Exchange was reached) that every plan shows. */
  readonly notices?: readonly Diagnostic[];
}

/** What to read for a command: a plan (the spec's resources) or a rollback (their originals as well). */
export type ReadPurpose = 'plan' | 'rollback' | 'export';

export interface SchemaFragment {
  /** The schema of the kind's spec section (the value of `properties[specKey]`). */
  readonly section: Readonly<Record<string, unknown>>;
  /** Definitions the section refers to (`#/$defs/<name>`), merged into the published schema. */
  readonly defs?: Readonly<Record<string, unknown>>;
}

export interface ResourceKind<E = any, OL = any, SL = any, D = any> {
  /** `partnerApplication`: the kind's id in changes, queries, drivers and plan files. */
  readonly id: string;
  /** The spec's top-level key for the kind's entries (`partnerApplications`). */
  readonly specKey: string;
  readonly scope: 'organization' | 'server';
  /** For counts in summaries: `partner application(s)`; server kinds say `<noun> on N servers`. */
  readonly noun: readonly [one: string, many: string];
  /** What an administrator would run to make a change, for progress lines (`Set-PartnerApplication`). */
  readonly verb?: string;
  /** Lower first. Organisation-scope kinds go before any server is touched (docs/architecture.md). */
  readonly applyOrder: number;
  readonly schema: SchemaFragment;
  /** What the schema cannot say about the entries (pure, on data that passed the schema). */
  checkSpec?(entries: readonly E[], ctx: { readonly pointer: string; readonly spec: Spec }): readonly Problem[];
  /** Schema errors the kind's checkSpec reports better (SpecSection.leavesToChecks). */
  leavesToChecks?(instancePath: string, keyword: string, schemaPath: string): boolean;
  /** Normalises entries after validation (paths, separators), with the spec file's folder. */
  normalize?(entries: readonly E[], ctx: { readonly dir: string }): readonly E[];
  /** The organisation-wide read (organisation-scope kinds); undefined: nothing to read. */
  orgQuery?(ctx: KindContext<E>, purpose: ReadPurpose): unknown;
  /**
   * The read on one server in scope (server-scope kinds); undefined: nothing to read on that server.
   * Given the organisation's read, which comes first (a server looks up what AuthConfig names).
   */
  serverQuery?(ctx: KindContext<E>, server: ExchangeServer, purpose: ReadPurpose, organization?: OrganizationRead): unknown;
  /** Diagnostics about the spec that need the organisation's server list (unknown names), before any server read. */
  checkScope?(ctx: KindContext<E>): readonly Diagnostic[];
  /**
   * Facts other kinds' plans check against, computed from this kind's entries and live state before any
   * kind plans (the one cross-kind hook): the state each named object will have once the plan is applied.
   */
  facts?(input: PlanInput<E, OL, SL>): Readonly<Record<string, unknown>>;
  /**
   * What this kind's live state tells `verify` for its Entra checks (docs/verify.md#entra): parts of their
   * input (the dedicated application's appId, the Auth certificates), merged with the other kinds'; each
   * field comes from one kind. Called with the live state read as for a plan, and the kinds' facts.
   */
  verifyFacts?(input: PlanInput<E, OL, SL>): VerifyFacts;
  /** The pure diff: desired (the entries) against live. */
  plan(input: PlanInput<E, OL, SL>): KindPlan<D>;
  /** Changes that put back what hybridcfg first found (`hybridcfg rollback`), from the originals it recorded. */
  rollback(input: PlanInput<E, OL, SL>): KindPlan<D>;
  /** Entries that describe the live state of what `ctx.entries` manage; `all`: every object the organisation has. */
  export(input: PlanInput<E, OL, SL>, opts: { readonly all: boolean }): readonly E[];
  /**
   * The request the target's driver carries out, computed at apply time from the change and the live
   * state read for it (a web.config's new bytes are computed here, from the bytes on the server).
   */
  request(change: Change<D>, input: PlanInput<E, OL, SL>): unknown;
  /** The change that undoes `change` after it was made, within the same run (onFailure: rollback). */
  undo(change: Change<D>, input: PlanInput<E, OL, SL>): Change<D> | undefined;
  /** Backups a driver's result names, for the report (a web.config's copy on the server). */
  backupsOf?(result: unknown): readonly string[];
  /** How each kind of target reads and changes the kind; a kind a target cannot serve has no driver for it. */
  readonly drivers: { readonly lab?: LabDriver; readonly powershell?: PsDriver };
}
