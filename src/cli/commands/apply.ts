/** hybridcfg apply [SPEC | PLANFILE]: make the changes, backed up, restarting only where needed. */
import { COMMAND_OPTIONS } from '../options';
import { resolve } from 'node:path';
import { isPlanFile, loadPlan } from '../../plan/file';
import { applySpec, type Outcome } from '../../session/apply';
import { loadSpec, specPath } from '../../session/session';
import { renderApplyResult } from '../../views/apply-text';
import { renderDiagnostics } from '../../views/diagnostics';
import { applyJson, type ApplyDocument } from '../../views/json';
import { parallelismOption, parseCommandArgs, serversOption } from '../args';
import { DiagnosticError, error } from '../../diag/diagnostic';
import { currentActor } from '../../apply/lock';
import { APPLY_USAGE } from '../help';
import { cliHost } from '../host';
import { interruptOnSignals } from '../signals';
import { EXIT, endedWith, out, type CliIo } from '../io';
import { reportFailures, writeHtmlReport } from '../report';
import { verifyPreconditions, verifySpec } from '../../session/verify';
import { renderVerifyJson, renderVerifyText } from '../../views/verify';

/** The JSON document of an apply or a rollback, whatever became of it. */
export function outcomeDocument(command: 'apply' | 'rollback', outcome: Outcome): ApplyDocument {
  return applyJson(command, outcome.plan, outcome.result ?? { status: outcome.cancelled ? 'cancelled' : 'no-changes' }, outcome.appliedBy);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(
    'apply',
    argv,
    COMMAND_OPTIONS.apply,
    1,
  );
  if (args.help) {
    io.stdout.write(APPLY_USAGE);
    return EXIT.ok;
  }
  const parallelism = parallelismOption(args.values.parallelism, 'apply');
  const json = args.values.json === true;
  const given = specPath(args.positionals[0], io.cwd);
  const saved = isPlanFile(given) ? { plan: loadPlan(given), file: args.positionals[0] ?? given } : undefined;
  const file = saved ? saved.plan.spec.path : given;
  const asked = serversOption(args.values.servers, 'apply');
  if (saved && asked) {
    throw new DiagnosticError(
      error('cli.usage', 'hybridcfg apply: --servers cannot be given with a saved plan: the plan carries the servers it was made for.', `Make the plan with --servers instead: hybridcfg plan --servers ${asked.join(',')} --out FILE`),
    );
  }
  const only = saved ? saved.plan.selected : asked;
  const html = typeof args.values.html === 'string' ? resolve(io.cwd, args.values.html) : undefined;
  const host = cliHost(io, { yes: args.values.yes === true, json });
  // apply --verify: what verify needs is checked before anything changes.
  if (args.values.verify) await verifyPreconditions(await loadSpec(file), { env: io.env, cwd: io.cwd });
  const signals = interruptOnSignals(io);
  const outcome = await reportFailures(html, 'hybridcfg apply failed', () =>
    applySpec(file, {
      host,
      cwd: io.cwd,
      specArg: args.positionals[0] ?? '',
      ...(parallelism !== undefined ? { parallelism } : {}),
      ...(typeof args.values['audit-log'] === 'string' ? { auditLog: args.values['audit-log'] } : {}),
      ...(saved ? { saved } : {}),
      interrupted: signals.requested,
      ...(only ? { only } : {}),
      by: currentActor(),
    }),
  ).finally(signals.dispose);
  if (html !== undefined) {
    writeHtmlReport(html, outcome.plan, outcome.result ? { ...outcome.result, finishedAt: new Date().toISOString(), ...(outcome.appliedBy ? { appliedBy: outcome.appliedBy } : {}) } : undefined);
  }
  const doc = outcomeDocument('apply', outcome);
  const failed = outcome.cancelled === true || outcome.result?.status === 'failed';
  if (!json && outcome.result) out(io, renderApplyResult(outcome.result, outcome.plan, 'Apply'));
  if (failed || !args.values.verify) {
    if (json) out(io, JSON.stringify(doc, null, 2));
    if (outcome.result?.status === 'failed') io.stderr.write(renderDiagnostics(outcome.result.diagnostics, { color: io.color }));
    return failed ? endedWith(io, outcome.result?.diagnostics ?? [], signals.exitCode() ?? EXIT.error) : EXIT.ok;
  }
  let report;
  try {
    report = await verifySpec(outcome.loaded, { env: io.env, cwd: io.cwd });
  } catch (err) {
    // Verify could not start (no verify section, no secret): the apply result is still the answer.
    if (json) out(io, JSON.stringify(doc, null, 2));
    throw err;
  }
  out(io, json ? JSON.stringify({ ...doc, verify: JSON.parse(renderVerifyJson(report)) }, null, 2) : renderVerifyText(report, { color: io.color }));
  return report.ok ? EXIT.ok : EXIT.error;
}
