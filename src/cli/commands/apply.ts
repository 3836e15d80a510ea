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
  --audit-log FILE       Append one JSON line describing this run (who, when, digests, changes, result)
  --parallelism N        Servers read at the same time (default 10)

Safety (docs/safety.md): one run at a time per organisation (a lock names its holder); nothing is
changed unless every server in scope was read and can take backups; servers go in batches of
restart.rolling.maxUnavailable, each health-checked before the next; with restart.onFailure: rollback
a failing batch is restored byte for byte. "hybridcfg rollback" restores the first originals.

Examples:
  hybridcfg apply --yes
  hybridcfg plan --out plan.json && hybridcfg apply plan.json --yes
`;

export async function confirm(io: CliIo, command = 'apply', question = 'Apply these changes?'): Promise<boolean> {
  if (io.stdin.isTTY !== true) {
    throw new DiagnosticError(
      error(
        `${command}.needs-confirmation`,
        `${command} needs confirmation, and there is no terminal to ask on.`,
        'Nothing was changed. Review the plan above, then run again with --yes (in a pipeline: apply a saved plan with --yes).',
      ),
    );
  }
  const { createInterface } = require('node:readline/promises') as typeof import('node:readline/promises');
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`${question} Only "yes" is accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}

export function renderEvent(e: ApplyEvent): string {
  switch (e.type) {
    case 'partner-application':
      return `Set-PartnerApplication "${e.name}": ${e.properties.join(', ')} ... done`;
    case 'write-files':
      return `${e.server}: wrote ${e.files.join(', ')} (backup: ${e.backups.join(', ')})`;
    case 'restart-start':
      return `${e.server}: ${e.how} ...`;
    case 'restart-done':
      return `${e.server}: ${e.how} done${e.healthy ? ', health check passed' : ''}`;
    case 'failed':
      return `FAILED: ${e.step}`;
    case 'rollback':
      return `rollback: ${e.what}${e.ok ? '' : ' (FAILED)'}`;
  }
}

export function renderResult(result: ApplyResult, what = 'Apply'): string {
  const lines = [result.status === 'succeeded' ? `${what} complete.` : `${what} FAILED. The run stopped at the first failure.`];
  for (const a of result.partnerApplications) {
    const restored = a.restored === true ? ', then RESTORED to its values before the apply' : a.restored === false ? ', and its restore FAILED' : '';
    lines.push(`  partner application "${a.name}": ${a.done ? 'changed' : 'NOT changed'}${restored}`);
  }
  for (const s of result.servers) {
    const did = [
      ...(s.filesWritten.length ? [`wrote ${s.filesWritten.join(', ')}`] : []),
      ...(s.restarted ? ['restarted'] : []),
      ...(s.health ? [s.health.ok ? 'healthy' : `health check FAILED (${s.health.failures.map((f) => f.path || 'server').join(', ')})`] : []),
      ...(s.restored ? [`RESTORED ${s.restored.join(', ')} byte for byte`] : []),
    ];
    const what =
      s.outcome === 'not-started'
        ? 'not touched'
        : s.outcome === 'failed' || s.outcome === 'rolledBack'
          ? `FAILED${s.message ? `: ${s.message}` : ''}${did.length ? `; did: ${did.join(', ')}` : ''}`
          : did.join(', ') || 'no change';
    lines.push(`  ${s.server}: ${what}`);
  }
  if (result.rollback) {
    lines.push(result.rollback.complete ? 'Rolled back:' : 'Rollback INCOMPLETE:');
    for (const n of result.rollback.notes) lines.push(`  ${n}`);
  }
  return lines.join('\n') + '\n';
}

/** What apply and rollback share after their plan is made: show, confirm, carry out, report, audit. */
export async function carryOut(
  command: 'apply' | 'rollback',
  s: import('../../engine/session').Session,
  plan: import('../../plan/types').Plan,
  io: CliIo,
  opts: {
    readonly yes: boolean;
    readonly json: boolean;
    readonly auditLog?: string;
    /** Receives the JSON document instead of stdout, so `apply --json --verify` prints one document. */
    readonly emitJson?: (doc: Record<string, unknown>) => void;
  },
): Promise<{ readonly result?: ApplyResult; readonly cancelled?: boolean }> {
  const { renderPlanText, planJsonView } = require('../../render/plan-text') as typeof import('../../render/plan-text');
  const { applyPlan } = require('../../apply/apply') as typeof import('../../apply/apply');
  const { auditRecord, appendAuditLine } = require('../../apply/audit') as typeof import('../../apply/audit');
  const { resolve } = require('node:path') as typeof import('node:path');
  const emit = opts.emitJson ?? ((doc: Record<string, unknown>) => out(io, JSON.stringify(doc, null, 2)));
  const audit = (result: Parameters<typeof auditRecord>[2]) => {
    if (opts.auditLog) appendAuditLine(resolve(io.cwd, opts.auditLog), auditRecord(command, plan, result, { runId: s.holder?.runId }));
  };
  if (!opts.json) out(io, renderPlanText(plan, { color: io.color }));
  if (plan.changes.length === 0 && plan.fileEdits.length === 0) {
    if (opts.json) emit({ plan: planJsonView(plan), result: { status: 'no-changes' } });
    audit('no-changes');
    return {};
  }
  if (s.lockUnsupported) note(io, `Warning: target "${s.target.description}" cannot take the organisation's lock; make sure no other apply runs.`);
  const verb = command === 'apply' ? 'Apply these changes?' : 'Roll back to these originals?';
  if (!opts.yes && !(await confirm(io, command, verb))) {
    note(io, `${command === 'apply' ? 'Apply' : 'Rollback'} cancelled. Nothing was changed.`);
    audit('cancelled');
    return { cancelled: true };
  }
  const restart = s.loaded.spec.restart;
  const result = await applyPlan(plan, s.target, s.live, {
    // A rollback that fails stops where it is: rolling back a rollback would only confuse.
    restart: command === 'rollback' && restart ? { ...restart, onFailure: 'stop' } : restart,
    onEvent: (e) => note(io, renderEvent(e)),
    ...(s.holder ? { journal: { holder: s.holder } } : {}),
  });
  audit(result);
  if (opts.json) emit({ plan: planJsonView(plan), result });
  else out(io, renderResult(result, command === 'apply' ? 'Apply' : 'Rollback'));
  return { result };
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
      'audit-log': { type: 'string' },
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
  const { stalePlanError } = require('../../apply/apply') as typeof import('../../apply/apply');
  const { looksLikePlanFile, loadPlan } = require('../../plan/file') as typeof import('../../plan/file');
  const parallelism = parallelismOption(args.values.parallelism, 'apply');

  const given = specPath(args.positionals[0], io.cwd);
  let saved: import('../../plan/types').Plan | undefined;
  let file = given;
  if (existsSync(given) && looksLikePlanFile(readFileSync(given, 'utf8'))) {
    saved = loadPlan(given);
    file = saved.spec.path;
  }

  const jsonAndVerify = args.values.json === true && args.values.verify === true;
  let applyDoc: Record<string, unknown> | undefined;
  note(io, `Reading the live state for ${file} ...`);
  const lock = { command: 'apply', specArg: args.positionals[0] ?? '' };
  const { reportFailures } = require('../report') as typeof import('../report');
  const html = typeof args.values.html === 'string' ? resolve(io.cwd, args.values.html) : undefined;
  const outcome = await reportFailures(html, 'hybridcfg apply failed', () => withSession(file, { parallelism, lock }, async (s) => {
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
    // A saved plan is applied as it was made; what the journal says now is shown with it.
    const plan = saved ? { ...saved, warnings: [...saved.warnings, ...s.plan.warnings.filter((w) => w.code.startsWith('plan.previous-run') || w.code === 'plan.run-in-progress')] } : s.plan;
    const done = await carryOut('apply', s, plan, io, {
      yes: args.values.yes === true,
      json: args.values.json === true,
      auditLog: typeof args.values['audit-log'] === 'string' ? args.values['audit-log'] : undefined,
      ...(jsonAndVerify ? { emitJson: (doc: Record<string, unknown>) => (applyDoc = doc) } : {}),
    });
    return { plan, loaded: s.loaded, ...done };
  }));
  if (html !== undefined) {
    const { writeHtmlReport } = require('../report') as typeof import('../report');
    writeHtmlReport(html, outcome.plan, outcome.result);
  }
  const failed = outcome.cancelled === true || outcome.result?.status === 'failed';
  if (applyDoc && (failed || !args.values.verify)) out(io, JSON.stringify(applyDoc, null, 2));
  if (outcome.cancelled) return EXIT.error;
  if (outcome.result?.status === 'failed') {
    const { renderDiagnostics } = require('../../render/diagnostics') as typeof import('../../render/diagnostics');
    io.stderr.write(renderDiagnostics(outcome.result.diagnostics, { color: io.color }));
    return EXIT.error;
  }
  if (args.values.verify) {
    const { runVerifyCommand } = require('./verify') as typeof import('./verify');
    try {
      return await runVerifyCommand(outcome.loaded, io, {
        json: args.values.json === true,
        ...(applyDoc ? { wrap: (verify: unknown) => ({ ...applyDoc, verify }) } : {}),
      });
    } catch (err) {
      // Verify could not start (no verify section, no secret): the apply result is still the answer.
      if (applyDoc) out(io, JSON.stringify(applyDoc, null, 2));
      throw err;
    }
  }
  return EXIT.ok;
}
