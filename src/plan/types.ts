/**
 * A plan is data (house style, after Terraform's plans.Change): computed by the pure planner from
 * (spec, live state), rendered by src/render, carried out by src/apply, saved with --out.
 * The JSON form (`plan --json`, `--out FILE`) is this shape; bump PLAN_FORMAT_VERSION on any
 * incompatible change and document it in docs/plan-json.md.
 */
import type { Diagnostic } from '../diag/diagnostic';
import type { PartnerApplicationUpdate, SettablePartnerApplicationProperty } from '../targets/types';

export const PLAN_FORMAT_VERSION = 1;

export type ChangeAction = 'update' | 'create';

export interface AttributeChange {
  readonly name: SettablePartnerApplicationProperty;
  readonly before: unknown;
  readonly after: unknown;
}

export interface PartnerApplicationChange {
  readonly kind: 'partnerApplication';
  /** `partnerApplication["00000003-0000-0000-c000-000000000000"]` */
  readonly address: string;
  readonly action: 'update';
  readonly applicationIdentifier: string;
  readonly name: string;
  readonly attributes: readonly AttributeChange[];
  /** Exactly what Set-PartnerApplication is given. */
  readonly update: PartnerApplicationUpdate;
}

export interface AppSettingChange {
  readonly kind: 'appSetting';
  /** `server["EX01"].webConfig["FrontEnd/HttpProxy/rest/web.config"].appSetting["OAuthHttpModule.Profiles"]` */
  readonly address: string;
  /** update: the key exists and its value changes; create: the key is added to <appSettings>. */
  readonly action: ChangeAction;
  readonly server: string;
  readonly file: string;
  readonly key: string;
  readonly before: string | null;
  readonly after: string;
}

export type Change = PartnerApplicationChange | AppSettingChange;

/** One file to rewrite on one server: the bytes it was planned from and the bytes to write. */
export interface FileEdit {
  readonly server: string;
  readonly file: string;
  readonly beforeSha256: string;
  readonly afterSha256: string;
  /** base64 of the new bytes, so that a saved plan applies exactly what was shown. */
  readonly afterBase64: string;
}

export interface PlannedRestart {
  readonly server: string;
  readonly mode: 'iisreset' | 'appPools' | 'none';
  readonly appPools?: readonly string[];
  /** For people: why this server restarts. */
  readonly reasons: readonly string[];
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tool: { readonly name: 'hybridcfg'; readonly version: string };
  readonly createdAt: string;
  readonly spec: { readonly path: string; readonly digest: string };
  readonly target: { readonly kind: string; readonly description: string };
  /** Servers in scope, in the order they will be changed. */
  readonly servers: readonly string[];
  readonly changes: readonly Change[];
  readonly fileEdits: readonly FileEdit[];
  readonly restarts: readonly PlannedRestart[];
  readonly warnings: readonly Diagnostic[];
  /**
   * sha256 over the live values the plan was computed from (partner applications in scope, and the
   * sha256 of every web.config read). `apply FILE` re-reads and refuses when it differs.
   */
  readonly fingerprint: string;
  readonly summary: { readonly changes: number; readonly servers: number; readonly restarts: number };
}
