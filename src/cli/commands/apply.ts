/** hybridcfg apply [SPEC | PLANFILE]: make the changes, backed up, restarting only where needed. */
import type { ApplyEvent, ApplyResult } from '../../apply/apply';
import { DiagnosticError, error } from '../../diag/diagnostic';
import { EXIT, note, out, type CliIo } from '../io';
import { parallelismOption, parseCommandArgs } from '../args';

const USAGE = `Usage: hybridcfg apply [SPEC | PLANFILE] [options]

Reads the live state, shows the plan, asks for confirmation, then makes the changes in a safe order:
partner applications first, then server by server each web.config (backed up on the server, written
atomically) followed by that server's restart. Restarts only servers where something changed.
Given a plan saved with "plan --out", applies exactly that plan, and refuses it if the live state
changed since.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --json                 Print the plan and the result as JSON
  --html FILE            Write a self-contained HTML report of the plan and its result
  --verify               Run "hybridcfg verify" after a successful apply
  --parallelism N        Servers read at the same time (default 10)

Examples:
  hybridcfg apply --yes
  hybridcfg plan --out plan.json && hybridcfg apply plan.json --yes
`;

async function confirm(io: CliIo): Promise<boolean> {
  if (io.stdin.isTTY !== true) {
    throw new DiagnosticError(
      error(
        'apply.needs-confirmation',
        'apply needs confirmation, and there is no terminal to ask on.',
        'Nothing was changed. Review the plan above, then run again with --yes (in a pipeline: apply a saved plan with --yes).',
      ),
    );
  }
  const { createInterface } = require('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question('Apply these changes? Only "yes" is accepted: ');
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

function renderEvent(e: ApplyEvent): string {
  switch (e.type) {
    case 'partner-application':
      return `Set-PartnerApplication "${e.name}": ${e.properties.join(', ')} ... done`;
    case 'write-files':
      return `${e.server}: wrote ${e.files.join(', ')} (backup: ${e.backups.join(', ')})`;
    case 'restart-start':
      return `${e.server}: ${e.how} ...`;
    case 'restart-done':
      return `${e.server}: ${e.how} done`;
    case 'failed':
      return `FAILED: ${e.step}`;
  }
}

export function renderResult(result: ApplyResult): string {
  const lines = [result.status === 'succeeded' ? 'Apply complete.' : 'Apply FAILED. The run stopped at the first failure.'];
  for (const a of result.partnerApplications) lines.push(`  partner application "${a.name}": ${a.done ? 'changed' : 'NOT changed'}`);
  for (const s of result.servers) {
    const did = [
      ...(s.filesWritten.length ? [`wrote ${s.filesWritten.join(', ')}`] : []),
      ...(s.restarted ? ['restarted'] : []),
    ];
    const what =
      s.outcome === 'not-started' ? 'not touched' : s.outcome === 'failed' ? `FAILED${did.length ? ` after: ${did.join(', ')}` : ''}` : did.join(', ') || 'no change';
    lines.push(`  ${s.server}: ${what}`);
  }
  return lines.join('\n') + '\n';
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'apply',
    argv,
    {
      yes: { type: 'boolean', short: 'y' },
      json: { type: 'boolean' },
      html: { type: 'string' },
      verify: { type: 'boolean' },
      parallelism: { type: 'string' },
    },
    1,
  );
  if (args.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const { readFileSync, existsSync } = require('node:fs') as typeof import('node:fs');
  const { resolve } = require('node:path') as typeof import('node:path');
  const { specPath, withSession } = require('../../engine/session') as typeof import('../../engine/session');
  const { renderPlanText, planJsonView } = require('../../render/plan-text') as typeof import('../../render/plan-text');
  const { applyPlan, stalePlanError } = require('../../apply/apply') as typeof import('../../apply/apply');
  const { looksLikePlanFile, loadPlan } = require('../../plan/file') as typeof import('../../plan/file');
  const parallelism = parallelismOption(args.values.parallelism, 'apply');

  const given = specPath(args.positionals[0], io.cwd);
  let saved: import('../../plan/types').Plan | undefined;
  let file = given;
  if (existsSync(given) && looksLikePlanFile(readFileSync(given, 'utf8'))) {
    saved = loadPlan(given);
    file = saved.spec.path;
  }

  note(io, `Reading the live state for ${file} ...`);
  const outcome = await withSession(file, { parallelism }, async (s) => {
    if (saved) {
      if (saved.spec.digest !== s.loaded.digest) {
        throw new DiagnosticError(
          error(
            'apply.spec-changed',
            `The spec ${file} changed since the plan ${given} was made.`,
            'Nothing was changed. Make the plan again from the current spec and review it.',
          ),
        );
      }
      if (saved.fingerprint !== s.plan.fingerprint) throw stalePlanError(args.positionals[0] ?? given);
    }
    const plan = saved ?? s.plan;
    if (!args.values.json) out(io, renderPlanText(plan, { color: io.color }));
    if (plan.changes.length === 0) {
      if (args.values.json) out(io, JSON.stringify({ plan: planJsonView(plan), result: { status: 'no-changes' } }, null, 2));
      return { plan, result: undefined, loaded: s.loaded };
    }
    if (!args.values.yes && !(await confirm(io))) {
      note(io, 'Apply cancelled. Nothing was changed.');
      return { plan, result: undefined, cancelled: true };
    }
    const result = await applyPlan(plan, s.target, s.live.servers, {
      restart: s.loaded.spec.restart,
      onEvent: (e) => note(io, renderEvent(e)),
    });
    if (args.values.json) out(io, JSON.stringify({ plan: planJsonView(plan), result }, null, 2));
    else out(io, renderResult(result));
    return { plan, result, loaded: s.loaded };
  });
  if (typeof args.values.html === 'string') {
    const { writeHtmlReport } = require('../report') as typeof import('../report');
    writeHtmlReport(resolve(io.cwd, args.values.html), outcome.plan, outcome.result);
  }
  if ('cancelled' in outcome) return EXIT.error;
  if (outcome.result?.status === 'failed') {
    const { renderDiagnostics } = require('../../render/diagnostics') as typeof import('../../render/diagnostics');
    io.stderr.write(renderDiagnostics(outcome.result.diagnostics, { color: io.color }));
    return EXIT.error;
  }
  if (args.values.verify && 'loaded' in outcome && outcome.loaded !== undefined) {
    const { runVerifyCommand } = require('./verify') as typeof import('./verify');
    return runVerifyCommand(outcome.loaded, io, { json: args.values.json === true });
  }
  return EXIT.ok;
}
