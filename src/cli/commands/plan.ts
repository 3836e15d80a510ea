/** hybridcfg plan [SPEC]: read the live state and show what apply would change. */
import { EXIT, note, out, type CliIo } from '../io';
import { parallelismOption, parseCommandArgs } from '../args';

const USAGE = `Usage: hybridcfg plan [SPEC] [options]

Reads the live state (partner applications, each server's web.config files) and shows what apply would
change, like terraform plan. Changes nothing. SPEC defaults to hybridcfg.yaml.

Options:
  --json                 Print the plan as JSON (docs/plan-json.md) instead of text
  --out FILE             Save the plan, with a fingerprint of the live state, for "hybridcfg apply FILE"
  --html FILE            Also write a self-contained HTML report of the plan
  --detailed-exitcode    Exit 0 when there is nothing to do, 2 when changes are pending, 1 on error
  --parallelism N        Servers read at the same time (default 10)

Examples:
  hybridcfg plan
  hybridcfg plan hybridcfg.yaml --detailed-exitcode
  hybridcfg plan prod.yaml --out plan.json --html plan.html
`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'plan',
    argv,
    {
      json: { type: 'boolean' },
      out: { type: 'string' },
      html: { type: 'string' },
      'detailed-exitcode': { type: 'boolean' },
      parallelism: { type: 'string' },
    },
    1,
  );
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { resolve } = require('node:path') as typeof import('node:path');
  const { specPath, withSession } = require('../../engine/session') as typeof import('../../engine/session');
  const { renderPlanText, planJsonView } = require('../../render/plan-text') as typeof import('../../render/plan-text');
  const file = specPath(args.positionals[0], io.cwd);
  const parallelism = parallelismOption(args.values.parallelism, 'plan');
  note(io, `Reading the live state for ${file} ...`);
  const { reportFailures } = require('../report') as typeof import('../report');
  const html = typeof args.values.html === 'string' ? resolve(io.cwd, args.values.html) : undefined;
  const plan = await reportFailures(html, 'hybridcfg plan failed', () => withSession(file, { parallelism }, async (s) => s.plan));
  if (typeof args.values.out === 'string') {
    const { savePlan } = require('../../plan/file') as typeof import('../../plan/file');
    const dest = resolve(io.cwd, args.values.out);
    savePlan(dest, plan);
    note(io, `Saved the plan to ${dest}. Apply exactly it with: hybridcfg apply ${args.values.out}`);
  }
  if (typeof args.values.html === 'string') {
    const { writeHtmlReport } = require('../report') as typeof import('../report');
    writeHtmlReport(resolve(io.cwd, args.values.html), plan);
  }
  if (args.values.json) out(io, JSON.stringify(planJsonView(plan), null, 2));
  else out(io, renderPlanText(plan, { color: io.color }));
  if (args.values['detailed-exitcode'] && plan.changes.length > 0) return EXIT.changes;
  return EXIT.ok;
}
