/** A plan for people, in the manner of `terraform plan`: what changes, old -> new, and which restarts. */
import { DEFAULT_SEPARATOR } from '../domain/exchange';
import { splitTokens } from '../domain/tokens';
import type { AppSettingChange, AttributeChange, Change, Plan } from '../plan/types';
import { renderDiagnostic } from './diagnostics';
import { paint } from './style';

type Opts = { readonly color: boolean };

function listValue(v: unknown): string {
  if (v === null || v === undefined) return '(not set)';
  if (Array.isArray(v)) return v.length === 0 ? '(empty)' : v.join(', ');
  return JSON.stringify(v);
}

/** Wraps a comma-separated list under an indent, so long permission lists stay readable. */
export function wrapList(items: readonly string[], indent: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    const next = line === '' ? item : `${line}, ${item}`;
    if (indent.length + next.length > width && line !== '') {
      lines.push(`${indent}${line},`);
      line = item;
    } else line = next;
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines;
}

function attributeLines(a: AttributeChange, o: Opts): string[] {
  if (Array.isArray(a.before) || Array.isArray(a.after)) {
    const before = new Set((a.before as string[] | null) ?? []);
    const after = new Set((a.after as string[] | null) ?? []);
    const added = [...after].filter((p) => !before.has(p));
    const removed = [...before].filter((p) => !after.has(p));
    const lines = [`      ~ ${a.name}: ${before.size === 0 ? '(not set)' : `${before.size} permissions`} -> ${after.size === 0 ? '(not set)' : `${after.size} permissions`}`];
    if (added.length) lines.push(...wrapList(added, '            ').map((l, i) => paint(i === 0 ? `          + ${l.trimStart()}` : l, 'green', o.color)));
    if (removed.length) lines.push(...wrapList(removed, '            ').map((l, i) => paint(i === 0 ? `          - ${l.trimStart()}` : l, 'red', o.color)));
    return lines;
  }
  return [`      ~ ${a.name}: ${listValue(a.before)} -> ${listValue(a.after)}`];
}

/** For a token list, which tokens come and go; for other values, nothing extra. */
export function tokenDiff(before: string | null, after: string, separator = DEFAULT_SEPARATOR) {
  const b = splitTokens(before ?? '', separator);
  const a = splitTokens(after, separator);
  return { added: a.filter((t) => !b.includes(t)), removed: b.filter((t) => !a.includes(t)) };
}

function appSettingLines(c: AppSettingChange, o: Opts): string[] {
  const sign = c.action === 'create' ? '+' : '~';
  const lines = [`      ${sign} ${c.key}${c.action === 'create' ? ' (new key)' : ''}`];
  if (c.before !== null) lines.push(paint(`          - ${JSON.stringify(c.before)}`, 'red', o.color));
  lines.push(paint(`          + ${JSON.stringify(c.after)}`, 'green', o.color));
  if (c.before !== null && c.before.includes(DEFAULT_SEPARATOR)) {
    const d = tokenDiff(c.before, c.after);
    const parts = [...d.added.map((t) => `+${t}`), ...d.removed.map((t) => `-${t}`)];
    if (parts.length > 0 && parts.length <= 6) lines.push(paint(`          (${parts.join(' ')})`, 'dim', o.color));
  }
  return lines;
}

function groupByResource(changes: readonly Change[]) {
  const groups = new Map<string, Change[]>();
  for (const c of changes) {
    const key = c.kind === 'partnerApplication' ? c.address : `server["${c.server}"].webConfig["${c.file}"]`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return groups;
}

export function renderPlanText(plan: Plan, o: Opts): string {
  const out: string[] = [];
  const scope = plan.servers.length === 0 ? 'no servers in scope' : `${plan.servers.length} server${plan.servers.length === 1 ? '' : 's'} in scope (${plan.servers.join(', ')})`;
  out.push(`Target: ${plan.target.description}; ${scope}.`, '');
  if (plan.changes.length === 0) {
    out.push(paint('No changes. The live state matches the spec.', 'green', o.color));
  } else {
    out.push('hybridcfg will make these changes:', '');
    for (const [resource, changes] of groupByResource(plan.changes)) {
      const first = changes[0];
      const title = first.kind === 'partnerApplication' ? `${resource} (${first.name})` : resource;
      out.push(paint(`  ~ ${title}`, 'yellow', o.color));
      for (const c of changes) {
        if (c.kind === 'partnerApplication') for (const a of c.attributes) out.push(...attributeLines(a, o));
        else out.push(...appSettingLines(c, o));
      }
      out.push('');
    }
  }
  const restarts = plan.restarts.filter((r) => r.mode !== 'none');
  if (restarts.length > 0) {
    out.push('Restarts, one server at a time after its changes:');
    for (const r of restarts) {
      const how = r.mode === 'iisreset' ? 'iisreset /noforce' : `recycle ${r.appPools?.join(', ')}`;
      out.push(`  ${r.server}: ${how}`);
      for (const why of r.reasons) out.push(paint(`      because ${why}`, 'dim', o.color));
    }
    out.push('');
  }
  for (const w of plan.warnings) out.push(renderDiagnostic(w, o));
  if (plan.changes.length > 0) {
    const apps = new Set(plan.changes.filter((c) => c.kind === 'partnerApplication').map((c) => c.address)).size;
    const s = plan.summary;
    out.push(
      paint(
        `Plan: ${s.changes} change${s.changes === 1 ? '' : 's'} (${apps} partner application${apps === 1 ? '' : 's'}, ` +
          `web.config on ${s.servers} server${s.servers === 1 ? '' : 's'}), ${s.restarts} restart${s.restarts === 1 ? '' : 's'}.`,
        'bold',
        o.color,
      ),
    );
  }
  return out.join('\n').replace(/\n*$/, '\n');
}

/** The documented JSON view: the plan itself minus the new file bytes, which only `--out` carries. */
export function planJsonView(plan: Plan): unknown {
  return { ...plan, fileEdits: plan.fileEdits.map(({ afterBase64: _omit, ...rest }) => rest) };
}
