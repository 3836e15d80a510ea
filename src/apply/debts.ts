/**
 * What a run owes is state (issue 13 #4): the restarts that make a changed web.config or partner
 * application take effect. A run records them in its journal start line before its first change; its end
 * line lists those it did not pay; a run that never ended owes them all (hybridcfg claims no restart it
 * did not observe). Every plan shows what is owed as pending restarts (plan --detailed-exitcode exits 2),
 * and the next apply pays them (and records them again before it starts, so an interruption keeps them).
 */
import type { Plan, PlannedRestart } from '../plan/types';
import type { OrganizationRead, OwedRestart } from '../targets/types';
import { describeHolder, holderState } from './lock';

/** The restarts the last run left owing, each with why. */
export function owedRestarts(org: OrganizationRead): OwedRestart[] {
  const last = org.lastRun;
  if (!last) return [];
  // A run still working (its lock held, its process alive) owes nothing yet: it is paying.
  if (!last.end && org.lock?.runId === last.start.runId && holderState(last.start.holder) === 'alive') return [];
  const owed = last.end ? (last.end.owed ?? []) : (last.start.owes ?? []);
  const who = `the run ${last.start.runId} (${describeHolder(last.start.holder)})`;
  const why = last.end ? `owed by ${who}, which ended "${last.end.status}" before restarting this server` : `owed by ${who}, which was interrupted: no restart of this server was observed`;
  return owed.filter((o) => o !== null && typeof o === 'object' && typeof o.server === 'string').map((o) => ({ ...o, reasons: [why, ...(Array.isArray(o.reasons) ? o.reasons : [])] }));
}

/** The plan with what is owed added to its restarts (servers in scope only), so that every view shows it. */
export function withDebts(plan: Plan, owed: readonly OwedRestart[]): Plan {
  if (owed.length === 0) return plan;
  const restarts: PlannedRestart[] = plan.restarts.map((r) => ({ ...r }));
  for (const o of owed) {
    const server = plan.servers.find((s) => s.toUpperCase() === o.server.toUpperCase());
    if (server === undefined) continue;
    const i = restarts.findIndex((r) => r.server === server);
    if (i >= 0) {
      const r = restarts[i]!;
      // Already restarting for a change of this plan: the debt is paid with it, and said so.
      restarts[i] = { ...r, ...(r.mode === 'none' ? { mode: o.mode, ...(o.appPools ? { appPools: o.appPools } : {}), ...(o.allExchangePools ? { allExchangePools: true } : {}) } : {}), reasons: [...r.reasons, ...o.reasons.slice(0, 1)] };
    } else {
      restarts.push({ server, mode: o.mode, ...(o.appPools ? { appPools: o.appPools } : {}), ...(o.allExchangePools ? { allExchangePools: true } : {}), reasons: o.reasons });
    }
  }
  const order = new Map(plan.servers.map((s, i) => [s, i]));
  restarts.sort((a, b) => (order.get(a.server) ?? 0) - (order.get(b.server) ?? 0));
  return { ...plan, restarts, summary: { ...plan.summary, restarts: restarts.filter((r) => r.mode !== 'none').length } };
}

/** Whether a plan has anything to do: a change, or a restart (owed or planned). */
export function hasPendingWork(plan: Plan): boolean {
  return plan.changes.length > 0 || plan.restarts.some((r) => r.mode !== 'none');
}

/** A planned restart as the journal records it. */
export function owedOf(r: PlannedRestart): OwedRestart {
  return { server: r.server, mode: r.mode as 'iisreset' | 'appPools', ...(r.appPools ? { appPools: r.appPools } : {}), ...(r.allExchangePools ? { allExchangePools: true } : {}), reasons: r.reasons };
}
