/**
 * The plan as one self-contained HTML page, for a pipeline to publish as an artifact that people read
 * to approve a change (and, after `apply --html`, to see what happened). No external assets and no
 * script: a Content-Security-Policy forbids both, so the page can never fetch or run anything, even if
 * a value from a server slipped through unescaped. Layout and print rules are in html/css.ts.
 */
import type { Diagnostic } from '../diag/diagnostic';
import { DEFAULT_SEPARATOR, KNOWN_PROFILES, PROFILES_KEY } from '../domain/exchange';
import { splitTokens } from '../domain/tokens';
import type { AppSettingChange, AttributeChange, Plan, PartnerApplicationChange, PlannedRestart } from '../plan/types';
import { REPORT_CSS } from './html/css';
import { diffSet, diffTokens } from './html/diff';
import { html, type Markup } from './html/markup';

/**
 * What apply did. The apply engine's ApplyResult (src/apply/apply.ts) is assignable to this, so it
 * can be passed as it is; the report needs only these fields.
 */
export interface ApplyOutcome {
  readonly status: 'succeeded' | 'failed';
  readonly finishedAt?: string;
  readonly partnerApplications?: readonly {
    readonly name: string;
    readonly applicationIdentifier: string;
    readonly done: boolean;
  }[];
  readonly servers: readonly ServerApplyOutcome[];
  /** Errors met while applying (already rendered for the terminal; repeated here for the artifact). */
  readonly diagnostics?: readonly Diagnostic[];
}

export interface ServerApplyOutcome {
  readonly server: string;
  /** not-started: not reached (an earlier step failed); rolledBack: restored from the backup. */
  readonly outcome: 'changed' | 'restarted' | 'unchanged' | 'failed' | 'not-started' | 'rolledBack';
  readonly restarted: boolean;
  readonly filesWritten?: readonly string[];
  /** Where each previous file was copied on the server: what a person restores by hand if need be. */
  readonly backups?: readonly string[];
  readonly message?: string;
}

export interface HtmlReportOptions {
  readonly title?: string;
  readonly applied?: ApplyOutcome;
}

/** Said wherever a plan grants app-only permissions (EXCHANGE.md, Security). */
export const APP_ONLY_RISK =
  'App-only tokens of this app can then reach every on-premises mailbox within these permissions.';

export const NO_CHANGES = 'No changes. The live state matches the spec.';

export function renderPlanHtml(plan: Plan, opts: HtmlReportOptions = {}): string {
  const title = opts.title ?? (opts.applied ? 'hybridcfg apply report' : 'hybridcfg plan');
  const partnerChanges = plan.changes.filter((c): c is PartnerApplicationChange => c.kind === 'partnerApplication');
  const settingChanges = plan.changes.filter((c): c is AppSettingChange => c.kind === 'appSetting');
  const grants = partnerChanges.flatMap(appOnlyGrant);
  const body = html`
<header>
  <h1>${title}</h1>
  ${planMeta(plan)}
</header>
${opts.applied ? outcomeBanner(opts.applied) : null}
<section aria-labelledby="summary">
  <h2 id="summary">Summary</h2>
  ${plan.changes.length === 0 ? html`<div class="banner ok" data-testid="no-changes"><p>${NO_CHANGES}</p></div>` : null}
  <ul class="counts" data-testid="counts">
    ${count('changes', plan.summary.changes, 'change')}
    ${count('servers', plan.summary.servers, 'server')}
    ${count('web.config', settingChanges.length, 'web.config setting')}
    ${count('partner-applications', partnerChanges.length, 'partner application')}
    ${count('restarts', plan.summary.restarts, 'restart')}
    ${count('warnings', plan.warnings.length, 'warning')}
  </ul>
</section>
${grants.length > 0 || plan.warnings.length > 0 ? warningsSection(grants, plan.warnings) : null}
${opts.applied?.diagnostics?.length ? diagnosticsSection('apply-errors', 'Errors during apply', opts.applied.diagnostics) : null}
${partnerChanges.length > 0 ? partnerSection(partnerChanges, opts.applied) : null}
${serversSection(plan, settingChanges, opts.applied)}
${restartsSection(plan.restarts)}
<footer>Made by ${plan.tool.name} ${plan.tool.version}.${
    opts.applied ? null : html` Apply exactly this plan with <code>hybridcfg apply PLANFILE</code>: it refuses to run if the live state has changed since (fingerprint above).`
  }</footer>`;
  return page(title, body);
}

/**
 * For a run that produced no plan (invalid spec, unreachable server): the pipeline still publishes a
 * report, and it says what went wrong, where, and how to fix it.
 */
export function renderDiagnosticsHtml(diagnostics: readonly Diagnostic[], opts: { readonly title?: string } = {}): string {
  const title = opts.title ?? 'hybridcfg plan failed';
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const body = html`
<header><h1>${title}</h1></header>
<div class="banner err" data-testid="failed"><p><strong class="label">No plan</strong>${plural(errors, 'error')} stopped the plan. Nothing was changed.</p></div>
${diagnosticsSection('diagnostics', 'Problems', diagnostics)}`;
  return page(title, body);
}

function page(title: string, body: Markup): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${title}</title>
<style>${{ markup: REPORT_CSS }}</style>
</head>
<body>
<main>${body}
</main>
</body>
</html>
`.markup;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function count(id: string, n: number, noun: string): Markup {
  return html`<li data-count="${id}"><span class="n">${n}</span>${plural(n, noun).replace(/^\d+ /, '')}</li>`;
}

function planMeta(plan: Plan): Markup {
  return html`<dl class="meta">
    <dt>Spec</dt><dd class="mono">${plan.spec.path}</dd>
    <dt>Target</dt><dd>${plan.target.description}</dd>
    <dt>Planned at</dt><dd>${plan.createdAt}</dd>
    <dt>Fingerprint</dt><dd class="mono">${plan.fingerprint}</dd>
  </dl>`;
}

function outcomeBanner(applied: ApplyOutcome): Markup {
  const ok = applied.status === 'succeeded';
  return html`<div class="banner ${ok ? 'ok' : 'err'}" data-testid="outcome">
  <p><strong class="label">${ok ? 'Applied' : 'Apply failed'}</strong>${
    ok ? 'Every change in this plan was made.' : 'Not every change was made: see the result of each server below.'
  }${applied.finishedAt ? html` <span class="muted">Finished ${applied.finishedAt}.</span>` : null}</p>
</div>`;
}

// ---- warnings ---------------------------------------------------------------------------------

interface AppOnlyGrant {
  readonly change: PartnerApplicationChange;
  readonly added: readonly string[];
}

/** A change that gives a partner application app-only permissions it did not have. */
function appOnlyGrant(change: PartnerApplicationChange): AppOnlyGrant[] {
  const attr = change.attributes.find((a) => a.name === 'AppOnlyPermissions');
  if (!attr) return [];
  const added = diffSet(asList(attr.before) ?? [], asList(attr.after) ?? []).added;
  return added.length > 0 ? [{ change, added }] : [];
}

function warningsSection(grants: readonly AppOnlyGrant[], warnings: readonly Diagnostic[]): Markup {
  return html`<section aria-labelledby="warnings" data-testid="warnings">
  <h2 id="warnings">Warnings</h2>
  ${grants.map(
    (g) => html`<div class="banner warn" data-testid="app-only-grant">
    <p><strong class="label">App-only access granted</strong>${g.change.name} <code>${g.change.applicationIdentifier}</code> gets ${plural(g.added.length, 'app-only permission')}${
      // A short list reads best inline; a long one (Graph's 29) is listed once, under the change itself.
      g.added.length <= 5 ? html`: ${g.added.join(', ')}.` : html` (<a href="#partner-applications">listed below</a>).`
    }</p>
    <p><strong>${APP_ONLY_RISK}</strong></p>
  </div>`,
  )}
  ${warnings.map(diagnostic)}
</section>`;
}

function diagnosticsSection(id: string, heading: string, list: readonly Diagnostic[]): Markup {
  return html`<section aria-labelledby="${id}" data-testid="${id}">
  <h2 id="${id}">${heading}</h2>
  ${list.map(diagnostic)}
</section>`;
}

function diagnostic(d: Diagnostic): Markup {
  const isError = d.severity === 'error';
  return html`<div class="banner diag ${isError ? 'err' : 'warn'}" data-severity="${d.severity}" data-code="${d.code}">
  <p><strong class="label">${isError ? 'Error' : 'Warning'}</strong>${d.summary}</p>
  ${d.source ? html`<p class="where">at ${d.source.file}:${d.source.line}:${d.source.col}</p>` : null}
  ${d.path && !d.source ? html`<p class="where">at ${d.path}</p>` : null}
  ${d.detail ? html`<p class="detail">${d.detail}</p>` : null}
  <p class="muted"><code>${d.code}</code></p>
</div>`;
}

// ---- partner applications ---------------------------------------------------------------------

function appliedBadge(app: { readonly done: boolean } | undefined): Markup | null {
  if (!app) return null;
  return html` <span class="badge ${app.done ? '' : 'failed'}" data-testid="partner-result">${app.done ? 'done' : 'not done'}</span>`;
}

function partnerSection(changes: readonly PartnerApplicationChange[], applied?: ApplyOutcome): Markup {
  return html`<section aria-labelledby="partner-applications" data-testid="partner-applications">
  <h2 id="partner-applications">Partner applications <span class="muted">(organisation-wide)</span></h2>
  ${changes.map(
    (c) => html`<div class="card" data-address="${c.address}">
    <h3>${c.name} <span class="badge update">${c.action}</span>${appliedBadge(applied?.partnerApplications?.find((a) => a.applicationIdentifier === c.applicationIdentifier))}</h3>
    <p class="muted mono">${c.applicationIdentifier}</p>
    ${c.attributes.map(attribute)}
  </div>`,
  )}
</section>`;
}

function asList(value: unknown): readonly string[] | null | undefined {
  if (value === null) return null;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return undefined;
}

function describeScalar(value: unknown): string {
  if (value === null || value === undefined) return '(not set)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function attribute(a: AttributeChange): Markup {
  const before = asList(a.before);
  const after = asList(a.after);
  const isList = before !== undefined && after !== undefined && (before !== null || after !== null);
  if (!isList) {
    return html`<div class="attr" data-attribute="${a.name}">
      <h4>${a.name}</h4>
      <pre class="diff"><span class="del">- ${describeScalar(a.before)}</span><span class="add">+ ${describeScalar(a.after)}</span></pre>
    </div>`;
  }
  // null (unset, Exchange's <Nil/>) and [] are different states: say which.
  const d = diffSet(before ?? [], after ?? []);
  const state = (l: readonly string[] | null): string => (l === null ? 'not set' : plural(l.length, 'permission'));
  return html`<div class="attr" data-attribute="${a.name}">
    <h4>${a.name} <span class="muted">${state(before)} → ${state(after)}</span></h4>
    ${d.added.length > 0 ? html`<p>Added:</p><ul class="chips" data-set="added">${d.added.map((p) => html`<li class="added">${p}</li>`)}</ul>` : null}
    ${d.removed.length > 0 ? html`<p>Removed:</p><ul class="chips" data-set="removed">${d.removed.map((p) => html`<li class="removed">${p}</li>`)}</ul>` : null}
    ${d.kept.length > 0 ? html`<p class="muted">Unchanged (${d.kept.length}):</p><ul class="chips muted" data-set="kept">${d.kept.map((p) => html`<li>${p}</li>`)}</ul>` : null}
  </div>`;
}

// ---- servers and web.config -------------------------------------------------------------------

/**
 * A value is shown as a token list when it is OAuthHttpModule.Profiles, or when either side holds a
 * `|`: the spec's list form may use another separator, but the plan does not carry it, and `|` is the
 * only one Exchange is known to use [H].
 */
function isTokenList(c: AppSettingChange): boolean {
  return c.key === PROFILES_KEY || (c.before ?? '').includes(DEFAULT_SEPARATOR) || c.after.includes(DEFAULT_SEPARATOR);
}

/** Spaces are significant to Exchange (not trimmed [M]): make them visible in a token. */
function visibleToken(token: string): string {
  return token === '' ? '(empty)' : token.replace(/ /g, '\u2423');
}

function settingChange(c: AppSettingChange): Markup {
  const tokens = isTokenList(c)
    ? diffTokens(splitTokens(c.before ?? '', DEFAULT_SEPARATOR), splitTokens(c.after, DEFAULT_SEPARATOR))
    : [];
  // Exchange drops unknown profile names silently [M]: flag them so a reviewer sees a typo before it ships.
  const unknown = (t: string): boolean => c.key === PROFILES_KEY && !KNOWN_PROFILES.includes(t);
  const added = tokens.filter((t) => t.op === 'added').length;
  const removed = tokens.filter((t) => t.op === 'removed').length;
  return html`<div class="attr" data-address="${c.address}" data-key="${c.key}">
    <h4><code>${c.key}</code> <span class="badge ${c.action}">${c.action === 'create' ? 'new key' : 'update'}</span>
      ${tokens.length > 0 ? html`<span class="muted">${added} added, ${removed} removed</span>` : null}</h4>
    <pre class="diff">${c.before === null ? null : html`<span class="del">- ${c.before}</span>`}<span class="add">+ ${c.after}</span></pre>
    ${
      tokens.length > 0
        ? html`<ul class="chips" data-testid="token-diff">${tokens.map(
            (t) =>
              html`<li class="${t.op === 'same' ? '' : t.op}${unknown(t.token) ? ' unknown' : ''}" data-op="${t.op}"${
                unknown(t.token) ? html` title="Not a known profile name: Exchange ignores it"` : null
              }>${visibleToken(t.token)}</li>`,
          )}</ul>`
        : null
    }
    ${
      tokens.some((t) => t.op !== 'removed' && unknown(t.token))
        ? html`<p class="muted">Dashed: not a known profile name. Exchange ignores such a token without an error.</p>`
        : null
    }
  </div>`;
}

function serversSection(plan: Plan, changes: readonly AppSettingChange[], applied?: ApplyOutcome): Markup {
  const names = [...plan.servers];
  for (const c of changes) if (!names.includes(c.server)) names.push(c.server);
  for (const o of applied?.servers ?? []) if (!names.includes(o.server)) names.push(o.server);
  if (names.length === 0) return html``;
  return html`<section aria-labelledby="servers" data-testid="servers">
  <h2 id="servers">Servers <span class="muted">(in the order they are changed)</span></h2>
  ${names.map((name) => serverCard(name, changes.filter((c) => c.server === name), plan.restarts.find((r) => r.server === name), applied?.servers.find((o) => o.server === name)))}
</section>`;
}

function serverCard(name: string, changes: readonly AppSettingChange[], restart: PlannedRestart | undefined, outcome: ServerApplyOutcome | undefined): Markup {
  const files = [...new Set(changes.map((c) => c.file))];
  return html`<div class="card" data-server="${name}">
  <h3>${name}${outcome ? html` <span class="badge ${outcome.outcome === 'failed' ? 'failed' : ''}" data-testid="server-result">${outcome.outcome}${outcome.restarted && outcome.outcome !== 'restarted' ? ', restarted' : ''}</span>` : null}</h3>
  ${outcome?.message ? html`<p>${outcome.message}</p>` : null}
  ${outcome?.backups?.length ? html`<p class="muted">Backups on the server:</p><ul class="plain mono">${outcome.backups.map((b) => html`<li>${b}</li>`)}</ul>` : null}
  ${files.length === 0 ? html`<p class="muted">No web.config changes.</p>` : null}
  ${files.map(
    (file) => html`<div data-file="${file}">
    <p><strong class="mono">${file}</strong></p>
    ${changes.filter((c) => c.file === file).map(settingChange)}
  </div>`,
  )}
  ${restart ? html`<p><strong>Restart:</strong> ${restartLabel(restart)}</p>` : null}
</div>`;
}

// ---- restarts -----------------------------------------------------------------------------------

function restartLabel(r: PlannedRestart): string {
  switch (r.mode) {
    case 'iisreset':
      return 'iisreset /noforce (all of IIS on this server)';
    case 'appPools':
      return `recycle ${(r.appPools ?? []).join(', ') || 'app pools'}`;
    case 'none':
      // ASP.NET reads appSettings once per AppDomain [M]: a changed file is not live until a recycle.
      return 'none (restart.mode: none): the change takes effect only after the next recycle';
  }
}

function restartsSection(restarts: readonly PlannedRestart[]): Markup {
  if (restarts.length === 0) return html``;
  return html`<section aria-labelledby="restarts" data-testid="restarts">
  <h2 id="restarts">Restarts</h2>
  ${restarts.map(
    (r) => html`<div class="card" data-restart="${r.server}">
    <h3>${r.server} <span class="badge">${r.mode}</span></h3>
    <p>${restartLabel(r)}</p>
    ${r.reasons.length > 0 ? html`<p class="muted">Why:</p><ul class="plain">${r.reasons.map((why) => html`<li>${why}</li>`)}</ul>` : null}
  </div>`,
  )}
</section>`;
}
