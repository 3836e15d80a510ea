/** What apply (and rollback) did, for people: one line per message while it runs, then the result. */
import type { ApplyResult } from '../apply/apply';
import type { Plan } from '../plan/types';
import { printable } from './style';
import { observedUnavailability } from './restart';

function noun(plan: Plan, kind: string): string {
  return plan.kinds[kind]?.noun[0] ?? kind;
}

export function renderApplyResult(result: ApplyResult, plan: Plan, what: 'Apply' | 'Rollback' = 'Apply'): string {
  const lines = [result.status === 'succeeded' ? `${what} complete.` : `${what} FAILED. The run stopped at the first failure.`];
  for (const a of result.organization) {
    const action = plan.changes.find((c) => c.address === a.address)?.action;
    const verb = action === 'create' ? ['created', 'NOT created'] : action === 'delete' ? ['removed', 'NOT removed'] : ['changed', 'NOT changed'];
    const said = { done: verb[0], 'not-done': verb[1], restored: `${verb[0]}, then RESTORED to its values before the apply`, 'restore-failed': `${verb[0]}, and its restore FAILED` } as const;
    lines.push(`  ${noun(plan, a.kind)} "${a.title ?? a.address}": ${said[a.state]}`);
  }
  for (const s of result.servers) {
    const did = [
      ...(s.written.length ? [`wrote ${s.written.join(', ')}`] : []),
      ...(s.restarted ? [s.unavailability ? `restarted, ${observedUnavailability(s.unavailability)}` : 'restarted'] : []),
      ...(s.health ? [s.health.ok ? 'healthy' : `health check FAILED (${s.health.failures.map((f) => f.path || 'server').join(', ')})`] : []),
      ...(s.restored ? [`RESTORED ${s.restored.join(', ')} byte for byte`] : []),
    ];
    const line =
      s.outcome === 'not-started'
        ? 'not touched'
        : s.outcome === 'failed' || s.outcome === 'rolledBack'
          ? `FAILED${s.message ? `: ${s.message}` : ''}${did.length ? `; did: ${did.join(', ')}` : ''}`
          : did.join(', ') || 'no change';
    lines.push(`  ${s.server}: ${line}`);
  }
  const down = result.servers.filter((s) => s.unavailability);
  if (down.length > 0) {
    const total = down.reduce((t, s) => t + s.unavailability!.ms, 0);
    const how = down.every((s) => s.unavailability!.how === 'modelled') ? 'modelled by the lab' : 'as measured';
    lines.push(`Service impact: ${down.length} server${down.length === 1 ? '' : 's'} unavailable for ${(total / 1000).toFixed(1)} s in total (${how}).`);
  }
  if (result.rollback) {
    lines.push(result.rollback.complete ? 'Rolled back:' : 'Rollback INCOMPLETE:');
    for (const n of result.rollback.notes) lines.push(`  ${n}`);
  }
  // Names and messages come from the live state: no control character reaches the terminal raw.
  return lines.map(printable).join('\n') + '\n';
}
