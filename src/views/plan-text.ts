/**
 * A plan for people, in the manner of `terraform plan`: what changes, old -> new, which restarts, and
 * the assumptions it rests on. Any kind's changes are shown from their attributes alone (each says how
 * its values compare: scalar, text, set or tokens), so a new kind needs nothing here.
 */
import type { Plan } from '../plan/types';
import type { AttributeChange, Change } from '../resources/types';
import { splitTokens } from '../domain/tokens';
import { renderDiagnostic } from './diagnostics';
import { buildsLine, probeText, restartHow } from './restart';
import { paint, printable } from './style';

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

/** For a token list, which tokens come and go. */
export function tokenDiff(before: string | null, after: string, separator: string) {
  const b = splitTokens(before ?? '', separator);
  const a = splitTokens(after, separator);
  return { added: a.filter((t) => !b.includes(t)), removed: b.filter((t) => !a.includes(t)) };
}

export { printable } from './style';

function setLines(a: AttributeChange, o: Opts): string[] {
  const before = new Set((a.before as string[] | null) ?? []);
  const after = new Set((a.after as string[] | null) ?? []);
  const added = [...after].filter((p) => !before.has(p));
  const removed = [...before].filter((p) => !after.has(p));
  const [one, many] = a.unit ?? ['value', 'values'];
  const count = (s: Set<string>) => (s.size === 0 ? '(not set)' : `${s.size} ${s.size === 1 ? one : many}`);
  // A new object's list: its members, no "before".
  const lines = a.action === 'create' ? [`      + ${printable(a.name)}: ${count(after)}`] : [`      ~ ${printable(a.name)}: ${count(before)} -> ${count(after)}`];
  if (added.length) lines.push(...wrapList(added.map(printable), '            ').map((l, i) => paint(i === 0 ? `          + ${l.trimStart()}` : l, 'green', o.color)));
  if (removed.length) lines.push(...wrapList(removed.map(printable), '            ').map((l, i) => paint(i === 0 ? `          - ${l.trimStart()}` : l, 'red', o.color)));
  return lines;
}

function textLines(a: AttributeChange, o: Opts): string[] {
  if (a.action === 'delete') {
    return [`      - ${printable(a.name)} (key removed)`, paint(`          - ${printable(JSON.stringify(a.before))}`, 'red', o.color)];
  }
  const sign = a.action === 'create' ? '+' : '~';
  const lines = [`      ${sign} ${printable(a.name)}${a.action === 'create' ? ' (new key)' : ''}`];
  if (a.before !== null) lines.push(paint(`          - ${printable(JSON.stringify(a.before))}`, 'red', o.color));
  lines.push(paint(`          + ${printable(JSON.stringify(a.after))}`, 'green', o.color));
  if (a.format === 'tokens' && typeof a.before === 'string' && typeof a.after === 'string' && a.separator !== undefined && a.before.includes(a.separator)) {
    const d = tokenDiff(a.before, a.after, a.separator);
    const parts = [...d.added.map((t) => `+${t}`), ...d.removed.map((t) => `-${t}`)];
    if (parts.length > 0 && parts.length <= 6) lines.push(paint(`          (${printable(parts.join(' '))})`, 'dim', o.color));
  }
  return lines;
}

export function attributeLines(a: AttributeChange, o: Opts): string[] {
  switch (a.format) {
    case 'set':
      return setLines(a, o);
    case 'text':
    case 'tokens':
      return textLines(a, o);
    case 'scalar':
      return a.action === 'create'
        ? [`      + ${printable(a.name)} = ${printable(listValue(a.after))}`]
        : [`      ~ ${printable(a.name)}: ${printable(listValue(a.before))} -> ${printable(listValue(a.after))}`];
  }
}

function changeTitle(c: Change): string {
  // A server change's title is the file in its address already; an organisation object's is its name.
  return c.server === undefined && c.title !== undefined ? `${c.address} (${printable(c.title)})` : printable(c.address);
}

/** `(1 partner application, web.config on 2 servers)`: the plan's changes counted by kind. */
export function countByKind(plan: Plan): string {
  const parts: string[] = [];
  for (const [id, k] of Object.entries(plan.kinds)) {
    const n = plan.summary.byKind[id] ?? 0;
    if (k.scope === 'organization') parts.push(`${n} ${n === 1 ? k.noun[0] : k.noun[1]}`);
    else {
      const servers = new Set(plan.changes.filter((c) => c.kind === id).map((c) => c.server)).size;
      parts.push(`${k.noun[0]} on ${servers} server${servers === 1 ? '' : 's'}`);
    }
  }
  return parts.join(', ');
}

export function renderPlanText(plan: Plan, o: Opts): string {
  const out: string[] = [];
  const scope = plan.servers.length === 0 ? 'no servers in scope' : `${plan.servers.length} server${plan.servers.length === 1 ? '' : 's'} in scope (${printable(plan.servers.join(', '))})`;
  out.push(`Target: ${printable(plan.target.description)}; ${scope}.`);
  const builds = buildsLine(plan);
  if (builds !== undefined) out.push(`Builds: ${printable(builds)}.`);
  out.push('');
  const restarts = plan.restarts.filter((r) => r.mode !== 'none');
  // "No changes" only when nothing at all is pending: no change, no restart.
  if (plan.changes.length === 0 && restarts.length === 0) {
    out.push(paint(plan.purpose === 'rollback' ? 'No changes. Nothing to roll back.' : 'No changes. The live state matches the spec.', 'green', o.color));
  } else if (plan.changes.length === 0) {
    out.push('No file or object changes, but restarts are pending:', '');
  } else {
    out.push(plan.purpose === 'rollback' ? "hybridcfg will put back the values it changed (everything else in each file stays as it is now):" : 'hybridcfg will make these changes:', '');
    for (const c of plan.changes) {
      const mark = c.action === 'create' ? '+' : c.action === 'delete' ? '-' : '~';
      out.push(paint(`  ${mark} ${changeTitle(c)}`, c.action === 'create' ? 'green' : c.action === 'delete' ? 'red' : 'yellow', o.color));
      for (const a of c.attributes) out.push(...attributeLines(a, o));
      if (c.attributes.length === 0) out.push('      (no setting changes: the bytes of the file change)');
      // Follow-up commands the target runs in the same call (a refresh); they restart nothing.
      for (const e of c.effects) if (e.type === 'followUp') out.push(`      then: ${e.command}`, `            (${e.why})`);
      out.push('');
    }
  }
  if (restarts.length > 0) {
    out.push('Restarts, one server at a time after its changes:');
    for (const r of restarts) {
      out.push(`  ${printable(r.server)}: ${printable(restartHow(r))}`);
      for (const why of r.reasons) out.push(paint(`      because ${printable(why)}`, 'dim', o.color));
      for (const p of r.probes ?? []) out.push(paint(`      then checks that ${printable(probeText(p))}`, 'dim', o.color));
    }
    out.push('');
  }
  if (plan.changes.length > 0 && plan.assumptions.length > 0) {
    out.push('Assumptions this plan relies on (set them under `assumptions:` in the spec):');
    for (const a of plan.assumptions) {
      out.push(`  ${a.id} = ${JSON.stringify(a.value)}${a.isDefault ? ' (default)' : ' (set in the spec)'} [${a.confidence}]: ${a.effect}`);
    }
    out.push('');
  }
  for (const w of plan.warnings) out.push(renderDiagnostic(w, o));
  if (plan.changes.length > 0 || restarts.length > 0) {
    const s = plan.summary;
    out.push(
      paint(
        `Plan: ${s.changes} change${s.changes === 1 ? '' : 's'} (${countByKind(plan)}), ${s.restarts} restart${s.restarts === 1 ? '' : 's'}.`,
        'bold',
        o.color,
      ),
    );
  }
  return out.join('\n').replace(/\n*$/, '\n');
}
