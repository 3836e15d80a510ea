/**
 * The plan as one self-contained HTML page, for a pipeline to publish as an artifact that people read
 * to approve a change (and, after `apply --html`, to see what happened). No external assets and no
 * script: a Content-Security-Policy forbids both, so the page can never fetch or run anything, even if
 * a value from a server slipped through unescaped. Layout and print rules are in html/css.ts. Any kind's
 * changes are shown from their attributes alone, like the text view.
 */
import type { ApplyResult } from '../apply/apply';
import type { Diagnostic } from '../diag/diagnostic';
import { splitTokens } from '../domain/tokens';
import type { Plan, PlannedRestart } from '../plan/types';
import { expectedUnavailability, observedUnavailability, restartHow } from './restart';
import type { AttributeChange, Change } from '../resources/types';
import { REPORT_CSS } from './html/css';
import { diffSet, diffTokens } from './html/diff';
import { html, type Markup } from './html/markup';
import { groupAcrossServers, type ChangeGroup } from './group';

/** Who applied: the run's lock holder (src/apply/lock.ts), and when it took the lock. */
export interface AppliedBy {
  readonly user: string;
  readonly host: string;
  readonly startedAt?: string;
  readonly runId?: string;
}

/** What apply did: the apply engine's result, with who applied it and the time it finished. */
export type ApplyOutcome = Pick<ApplyResult, 'status' | 'servers'> &
  Partial<Pick<ApplyResult, 'organization' | 'diagnostics' | 'rollback'>> & { readonly finishedAt?: string; readonly appliedBy?: AppliedBy };

export interface HtmlReportOptions {
  readonly title?: string;
  readonly applied?: ApplyOutcome;
}

export const NO_CHANGES = 'No changes. The live state matches the spec.';

export function renderPlanHtml(plan: Plan, opts: HtmlReportOptions = {}): string {
  const title = opts.title ?? (opts.applied ? 'hybridcfg apply report' : 'hybridcfg plan');
  const orgChanges = plan.changes.filter((c) => c.server === undefined);
  const serverChanges = plan.changes.filter((c) => c.server !== undefined);
  const groups = groupAcrossServers(serverChanges);
  // A failed apply leads with what failed and what to do next: the reader of a failed run needs that first.
  const body = html`
<header>
  <h1>${title}</h1>
</header>
${opts.applied ? outcomeBanner(opts.applied) : null}
${planMeta(plan, opts.applied)}
<section aria-labelledby="summary">
  <h2 id="summary">Summary</h2>
  ${plan.changes.length === 0 && !plan.restarts.some((r) => r.mode !== 'none') ? html`<div class="banner ok" data-testid="no-changes"><p>${NO_CHANGES}</p></div>` : null}
  <ul class="counts" data-testid="counts">
    ${count('changes', plan.summary.changes, 'change')}
    ${count('servers', plan.summary.servers, 'server')}
    ${Object.entries(plan.kinds).map(([id, k]) => count(id, plan.summary.byKind[id] ?? 0, k.noun[0], k.noun[1]))}
    ${count('restarts', plan.summary.restarts, 'restart')}
    ${count('warnings', plan.warnings.length, 'warning')}
  </ul>
</section>
${plan.warnings.length > 0 ? diagnosticsSection('warnings', 'Warnings', plan.warnings) : null}
${opts.applied?.diagnostics?.length ? diagnosticsSection('apply-errors', 'Errors during apply', opts.applied.diagnostics) : null}
${orgChanges.length > 0 ? organizationSection(plan, orgChanges, opts.applied) : null}
${groups.length > 0 ? serverChangesSection(groups) : null}
${serversSection(plan, serverChanges, groups, opts.applied)}
${restartsSection(plan.restarts)}
${plan.changes.length > 0 && plan.assumptions.length > 0 ? assumptionsSection(plan) : null}
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
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const body = html`
<header><h1>${title}</h1></header>
<div class="banner err" data-testid="failed">
  <p><strong class="label">No plan</strong>${plural(errors.length, 'error')} stopped the plan. Nothing was changed.</p>
  ${first ? html`<p data-testid="failure"><strong>${first.summary}</strong></p>` : null}
  ${first?.detail ? html`<p class="detail" data-testid="next-step"><strong>What to do:</strong> ${first.detail}</p>` : null}
  ${errors.length > 1 ? html`<p class="muted">${plural(errors.length - 1, 'more error')} below.</p>` : null}
</div>
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

function count(id: string, n: number, noun: string, nouns = `${noun}s`): Markup {
  return html`<li data-count="${id}"><span class="n">${n}</span>${n === 1 ? noun : nouns}</li>`;
}

/** `2025-01-15T09:30:00.000Z` as people read it: `2025-01-15 09:30:00 UTC` (the ISO form stays in datetime). */
function when(iso: string): Markup {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return html`<time datetime="${iso}">${m ? `${m[1]} ${m[2]} UTC` : iso}</time>`;
}

function who(by: { readonly user: string; readonly host: string } | undefined): Markup {
  return by ? html`by <strong data-testid="user">${by.user}</strong> on <strong data-testid="host">${by.host}</strong>` : html`by <span class="muted">(not recorded in this plan)</span>`;
}

/** Who planned and who applied, when, against which organisation and target: what a change board signs off. */
function planMeta(plan: Plan, applied: ApplyOutcome | undefined): Markup {
  const by = applied?.appliedBy;
  return html`<dl class="meta" data-testid="provenance">
    <dt>Organisation</dt><dd data-testid="organization-name">${plan.organization?.name ?? html`<span class="muted">not reported by the target</span>`}</dd>
    <dt>Target</dt><dd data-testid="target">${plan.target.description}</dd>
    <dt>Spec</dt><dd class="mono">${plan.spec.path}</dd>
    <dt>Planned</dt><dd data-testid="planned">${who(plan.plannedBy)}, ${when(plan.createdAt)}</dd>
    ${
      applied
        ? html`<dt>Applied</dt><dd data-testid="applied">${by ? who(by) : html`by <span class="muted">(not recorded)</span>`}${
            by?.startedAt ? html`, from ${when(by.startedAt)}` : null
          }${applied.finishedAt ? html`${by?.startedAt ? ' to ' : ', finished '}${when(applied.finishedAt)}` : null}${
            by?.runId ? html` <span class="muted">(run <span class="mono">${by.runId}</span>)</span>` : null
          }</dd>`
        : null
    }
    <dt>Fingerprint</dt><dd class="mono">${plan.fingerprint}</dd>
  </dl>`;
}

function outcomeBanner(applied: ApplyOutcome): Markup {
  if (applied.status !== 'succeeded') return failureBanner(applied);
  return html`<div class="banner ok" data-testid="outcome" data-status="succeeded">
  <p><strong class="label">Applied</strong>Every change in this plan was made.${applied.finishedAt ? html` <span class="muted">Finished ${when(applied.finishedAt)}.</span>` : null}</p>
  ${serviceImpact(applied)}
</div>`;
}

const FAILED_OUTCOMES: ReadonlySet<string> = new Set(['failed', 'rolledBack']);

/**
 * What failed, why, and the next step, before anything else of a failed apply: the first error (its
 * summary, and its detail, which says the way out), the servers it stopped at, what the rollback did,
 * and the commands that take it from here.
 */
function failureBanner(applied: ApplyOutcome): Markup {
  const errors = (applied.diagnostics ?? []).filter((d) => d.severity === 'error');
  const first = errors[0];
  const failed = applied.servers.filter((s) => FAILED_OUTCOMES.has(s.outcome)).map((s) => s.server);
  const done = applied.servers.filter((s) => s.outcome === 'changed' || s.outcome === 'restarted').map((s) => s.server);
  const untouched = applied.servers.filter((s) => s.outcome === 'not-started').map((s) => s.server);
  const orgFailed = (applied.organization ?? []).filter((o) => o.state === 'not-done' || o.state === 'restore-failed');
  return html`<div class="banner err" data-testid="outcome" data-status="${applied.status}">
  <p><strong class="label">Apply failed</strong><span data-testid="failure">${first ? first.summary : 'Not every change was made.'}</span></p>
  ${first?.detail ? html`<p class="detail">${first.detail}</p>` : null}
  ${errors.length > 1 ? html`<p class="muted">${plural(errors.length - 1, 'more error')} under "Errors during apply".</p>` : null}
  <p data-testid="next-step"><strong>Next step:</strong> ${nextStep(applied, failed)}</p>
  <ul class="plain" data-testid="where-it-stopped">
    ${failed.length > 0 ? html`<li>Failed: ${failed.join(', ')}</li>` : null}
    ${orgFailed.length > 0 ? html`<li>Not made: ${orgFailed.map((o) => o.title ?? o.address).join(', ')}</li>` : null}
    ${done.length > 0 ? html`<li>Changed and kept: ${done.join(', ')}</li>` : null}
    ${untouched.length > 0 ? html`<li>Not touched: ${untouched.join(', ')}</li>` : null}
  </ul>
  ${
    applied.rollback
      ? html`<p><strong>${applied.rollback.complete ? 'Rolled back:' : 'Rollback INCOMPLETE:'}</strong></p><ul class="plain" data-testid="rollback">${applied.rollback.notes.map((n) => html`<li>${n}</li>`)}</ul>`
      : null
  }
  ${applied.finishedAt ? html`<p class="muted">Finished ${when(applied.finishedAt)}.</p>` : null}
  ${serviceImpact(applied)}
</div>`;
}

/** The way on from a failed apply, from where it stopped: the same commands docs/safety.md gives. */
function nextStep(applied: ApplyOutcome, failed: readonly string[]): Markup {
  const where = failed.length > 0 ? ` on ${failed.join(', ')}` : '';
  if (applied.rollback && !applied.rollback.complete) {
    return html`The rollback did not put everything back: restore what it lists below by hand (the backups are on each server), then run <code>hybridcfg plan</code> to see where things stand.`;
  }
  if (applied.rollback) {
    return html`Fix the cause${where} (above), then run <code>hybridcfg plan</code> and <code>hybridcfg apply</code> again. Servers that completed before the failure keep the change; <code>hybridcfg rollback</code> restores them too.`;
  }
  return html`Nothing more was changed after the failure. Fix the cause${where} (above), then run <code>hybridcfg plan</code> to see what is left and <code>hybridcfg apply</code> to finish, or <code>hybridcfg rollback</code> to put back what was changed.`;
}

/** The servers' unavailability in the apply, added up: what the change cost the users. */
function serviceImpact(applied: ApplyOutcome): Markup | null {
  const down = applied.servers.filter((s) => s.unavailability);
  if (down.length === 0) return null;
  const total = down.reduce((t, s) => t + s.unavailability!.ms, 0) / 1000;
  const how = down.every((s) => s.unavailability!.how === 'modelled') ? 'modelled by the lab' : 'measured from each restart to its health check';
  return html`<p data-testid="service-impact"><strong>Service impact:</strong> ${String(down.length)} server${down.length === 1 ? '' : 's'} unavailable for ${total.toFixed(1)} s in total (${how}); each server's figure is on its card.</p>`;
}

function diagnosticsSection(id: string, heading: string, list: readonly Diagnostic[]): Markup {
  return html`<section aria-labelledby="${id}" data-testid="${id}">
  <h2 id="${id}">${heading}</h2>
  ${list.map(diagnostic)}
</section>`;
}

function diagnostic(d: Diagnostic): Markup {
  const isError = d.severity === 'error';
  return html`<div class="banner diag ${isError ? 'err' : 'warn'}" data-severity="${d.severity}" data-code="${d.code}"${d.address ? html` data-for="${d.address}"` : null}>
  <p><strong class="label">${isError ? 'Error' : 'Warning'}</strong>${d.summary}</p>
  ${d.source ? html`<p class="where">at ${d.source.file}:${d.source.line}:${d.source.col}</p>` : null}
  ${d.path && !d.source ? html`<p class="where">at ${d.path}</p>` : null}
  ${d.detail ? html`<p class="detail">${d.detail}</p>` : null}
  <p class="muted"><code>${d.code}</code></p>
</div>`;
}

// ---- changes --------------------------------------------------------------------------------------

function describeScalar(value: unknown): string {
  if (value === null || value === undefined) return '(not set)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function setAttribute(a: AttributeChange): Markup {
  const before = (a.before as readonly string[] | null) ?? null;
  const after = (a.after as readonly string[] | null) ?? null;
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

/** Spaces are significant to Exchange (not trimmed [M]): make them visible in a token. */
function visibleToken(token: string): string {
  return token === '' ? '(empty)' : token.replace(/ /g, '\u2423');
}

function textAttribute(a: AttributeChange, address: string): Markup {
  const before = typeof a.before === 'string' ? a.before : null;
  const after = typeof a.after === 'string' ? a.after : describeScalar(a.after);
  const tokens = a.format === 'tokens' && a.separator !== undefined ? diffTokens(splitTokens(before ?? '', a.separator), splitTokens(after, a.separator)) : [];
  // Exchange drops unknown profile names silently [M]: flag them so a reviewer sees a typo before it ships.
  const unknown = (t: string): boolean => a.knownTokens !== undefined && !a.knownTokens.includes(t);
  const added = tokens.filter((t) => t.op === 'added').length;
  const removed = tokens.filter((t) => t.op === 'removed').length;
  return html`<div class="attr" data-address="${address}" data-key="${a.name}">
    <h4><code>${a.name}</code> <span class="badge ${a.action}">${a.action === 'create' ? 'new key' : 'update'}</span>
      ${tokens.length > 0 ? html`<span class="muted">${added} added, ${removed} removed</span>` : null}</h4>
    <pre class="diff">${before === null ? null : html`<span class="del">- ${before}</span>`}<span class="add">+ ${after}</span></pre>
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

function attribute(a: AttributeChange, address: string): Markup {
  switch (a.format) {
    case 'set':
      return setAttribute(a);
    case 'text':
    case 'tokens':
      return textAttribute(a, address);
    case 'scalar':
      return html`<div class="attr" data-attribute="${a.name}">
      <h4>${a.name}</h4>
      <pre class="diff"><span class="del">- ${describeScalar(a.before)}</span><span class="add">+ ${describeScalar(a.after)}</span></pre>
    </div>`;
  }
}

function organizationSection(plan: Plan, changes: readonly Change[], applied?: ApplyOutcome): Markup {
  return html`<section aria-labelledby="organization" data-testid="organization">
  <h2 id="organization">Organisation-wide <span class="muted">(changed first, in this order)</span></h2>
  ${changes.map((c) => {
    const outcome = applied?.organization?.find((o) => o.address === c.address);
    return html`<div class="card" data-address="${c.address}" data-kind="${c.kind}">
    <h3>${c.title ?? c.address} <span class="badge update">${c.action}</span>${
      outcome
        ? html` <span class="badge ${outcome.state === 'done' ? '' : 'failed'}" data-testid="change-result" data-state="${outcome.state}">${
            ({ done: 'done', 'not-done': 'not done', restored: 'done, then restored', 'restore-failed': 'done; restore FAILED' } as const)[outcome.state]
          }</span>`
        : null
    }</h3>
    <p class="muted"><span>${plan.kinds[c.kind]?.noun[0] ?? c.kind}</span> <span class="mono">${c.address}</span></p>
    ${c.attributes.map((a) => attribute(a, c.address))}
  </div>`;
  })}
</section>`;
}

/** Each distinct server change once, with the servers it is made on; a server whose change differs has its own. */
function serverChangesSection(groups: readonly ChangeGroup[]): Markup {
  return html`<section aria-labelledby="server-changes" data-testid="server-changes">
  <h2 id="server-changes">Changes on servers <span class="muted">(each change once, with the servers it is made on)</span></h2>
  ${groups.map((g, i) => {
    const c = g.change;
    return html`<div class="card" id="${groupId(i)}" data-change="${groupId(i)}" data-file="${c.title ?? g.address}" data-kind="${c.kind}" data-servers="${g.servers.join(' ')}">
    <h3><span class="mono">${c.title ?? g.address}</span> <span class="badge ${c.action}">${c.action}</span></h3>
    <p data-testid="on-servers">on <strong>${g.servers.join(', ')}</strong>${g.servers.length > 1 ? html` <span class="muted">(${g.servers.length} servers, the same change)</span>` : null}</p>
    ${c.attributes.map((a) => attribute(a, g.address))}
  </div>`;
  })}
</section>`;
}

const groupId = (i: number): string => `change-${i + 1}`;

function serversSection(plan: Plan, changes: readonly Change[], groups: readonly ChangeGroup[], applied?: ApplyOutcome): Markup {
  const names = [...plan.servers];
  for (const c of changes) if (c.server !== undefined && !names.includes(c.server)) names.push(c.server);
  for (const o of applied?.servers ?? []) if (!names.includes(o.server)) names.push(o.server);
  if (names.length === 0) return html``;
  return html`<section aria-labelledby="servers" data-testid="servers">
  <h2 id="servers">Servers <span class="muted">(in the order they are changed)</span></h2>
  ${names.map((name) =>
    serverCard(
      name,
      groups.flatMap((g, i) => (g.servers.includes(name) ? [{ group: g, id: groupId(i) }] : [])),
      plan.restarts.find((r) => r.server === name),
      applied?.servers.find((o) => o.server === name),
    ),
  )}
</section>`;
}

function serverCard(
  name: string,
  mine: readonly { readonly group: ChangeGroup; readonly id: string }[],
  restart: PlannedRestart | undefined,
  outcome: ApplyOutcome['servers'][number] | undefined,
): Markup {
  return html`<div class="card" data-server="${name}">
  <h3>${name}${outcome ? html` <span class="badge ${outcome.outcome === 'failed' ? 'failed' : ''}" data-testid="server-result">${outcome.outcome}${outcome.restarted && outcome.outcome !== 'restarted' ? ', restarted' : ''}</span>` : null}</h3>
  ${outcome?.message ? html`<p>${outcome.message}</p>` : null}
  ${outcome?.backups?.length ? html`<p class="muted">Backups on the server:</p><ul class="plain mono">${outcome.backups.map((b) => html`<li>${b}</li>`)}</ul>` : null}
  ${mine.length === 0 ? html`<p class="muted">${restart && restart.mode !== 'none' ? 'No file changes on this server; a restart is pending.' : 'No changes on this server.'}</p>` : null}
  ${
    mine.length > 0
      ? html`<p>Changes:</p><ul class="plain">${mine.map(({ group, id }) => {
          const others = group.servers.filter((s) => s !== name);
          return html`<li data-file="${group.change.title ?? group.address}" data-change-ref="${id}"><a href="#${id}" class="mono">${group.change.title ?? group.address}</a>${
            others.length > 0 ? html` <span class="muted">(the same on ${others.join(', ')})</span>` : null
          }</li>`;
        })}</ul>`
      : null
  }
  ${restart ? html`<p><strong>Restart:</strong> ${restartLabel(restart)}${restart.expectedUnavailableSeconds !== undefined ? html` <span class="muted">(${expectedUnavailability(restart)})</span>` : null}</p>` : null}
  ${outcome?.unavailability ? html`<p data-testid="unavailability"><strong>Service impact:</strong> ${observedUnavailability(outcome.unavailability)}</p>` : null}
</div>`;
}

function assumptionsSection(plan: Plan): Markup {
  return html`<section aria-labelledby="assumptions" data-testid="assumptions">
  <h2 id="assumptions">Assumptions <span class="muted">(unconfirmed Exchange behaviour this plan relies on)</span></h2>
  <ul class="plain">${plan.assumptions.map(
    (a) => html`<li data-assumption="${a.id}"><code>${a.id}</code> = <code>${JSON.stringify(a.value)}</code> ${a.isDefault ? '(default)' : '(set in the spec)'} [${a.confidence}]: ${a.effect} <span class="muted">${a.assumes} Source: ${a.source}.</span></li>`,
  )}</ul>
</section>`;
}

// ---- restarts -----------------------------------------------------------------------------------

const restartLabel = restartHow;

function restartsSection(restarts: readonly PlannedRestart[]): Markup {
  if (restarts.length === 0) return html``;
  return html`<section aria-labelledby="restarts" data-testid="restarts">
  <h2 id="restarts">Restarts</h2>
  ${restarts.map(
    (r) => html`<div class="card" data-restart="${r.server}">
    <h3>${r.server} <span class="badge">${r.mode}</span></h3>
    <p>${restartLabel(r)}</p>
    ${r.expectedUnavailableSeconds !== undefined ? html`<p class="muted">${expectedUnavailability(r)}</p>` : null}
    ${r.reasons.length > 0 ? html`<p class="muted">Why:</p><ul class="plain">${r.reasons.map((why) => html`<li>${why}</li>`)}</ul>` : null}
  </div>`,
  )}
</section>`;
}
