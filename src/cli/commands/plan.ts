/** hybridcfg plan [SPEC]: read the live state and show what apply would change. */
import { COMMAND_OPTIONS } from '../options';
import { resolve } from 'node:path';
import { savePlan } from '../../plan/file';
import { specPath, withSession } from '../../session/session';
import { planJson } from '../../views/json';
import { renderPlanText } from '../../views/plan-text';
import { parallelismOption, parseCommandArgs, serversOption } from '../args';
import { PLAN_USAGE } from '../help';
import { cliHost } from '../host';
import { EXIT, note, out, type CliIo } from '../io';
import { reportFailures, writeHtmlReport } from '../report';
import { hasPendingWork } from '../../apply/debts';
import { currentActor } from '../../apply/lock';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'plan',
    argv,
    COMMAND_OPTIONS.plan,
    1,
  );
  if (args.help) {
    io.stdout.write(PLAN_USAGE);
    return EXIT.ok;
  }
  const file = specPath(args.positionals[0], io.cwd);
  const parallelism = parallelismOption(args.values.parallelism, 'plan');
  const only = serversOption(args.values.servers, 'plan');
  const html = typeof args.values.html === 'string' ? resolve(io.cwd, args.values.html) : undefined;
  const host = cliHost(io, { json: args.values.json === true });
  const plan = await reportFailures(html, 'hybridcfg plan failed', () =>
    withSession(file, { host, by: currentActor(), ...(parallelism !== undefined ? { parallelism } : {}), ...(only ? { only } : {}) }, async (s) => s.plan),
  );
  if (typeof args.values.out === 'string') {
    const dest = resolve(io.cwd, args.values.out);
    savePlan(dest, plan);
    note(io, `Saved the plan to ${dest}. Apply exactly it with: hybridcfg apply ${args.values.out}`);
  }
  if (html !== undefined) writeHtmlReport(html, plan);
  if (args.values.json) out(io, JSON.stringify(planJson(plan), null, 2));
  else out(io, renderPlanText(plan, { color: io.color }));
  // Pending work is a change or a restart (one an interrupted run still owes): never exit 0 while one is.
  if (args.values['detailed-exitcode'] && hasPendingWork(plan)) return EXIT.changes;
  return EXIT.ok;
}
