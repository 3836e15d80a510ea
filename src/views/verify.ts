/**
 * Two views of one VerifyReport: a table for people (one row per mailbox, one per Entra check, the causes
 * and fixes below them, numbered so that rows with the same problem share one explanation) and JSON for
 * pipelines.
 */
import { paint } from './style';
import type { Diagnosis, DiagnosisSource, EntraCheck, EntraReport, MailboxResult, VerifyReport } from '../verify/types';

const SOURCE_LABEL: Record<DiagnosisSource, string> = {
  'identity-provider': 'identity provider',
  'token-claims': 'token',
  graph: 'Graph',
  exchange: 'Exchange',
  network: 'network',
  entra: 'Entra',
};

function label(d: Diagnosis): string {
  return `${SOURCE_LABEL[d.source]} ${d.code}`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

type Colour = 'green' | 'red' | 'yellow';

/** Columns padded to their widest cell; the second column coloured. */
function table(header: readonly string[], rows: readonly { cells: string[]; colour?: Colour }[], color: boolean): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r.cells[c].length)));
  const line = (cells: readonly string[], colour?: Colour): string =>
    cells
      .map((cell, c) => {
        const padded = c === cells.length - 1 ? cell : cell.padEnd(widths[c]);
        return c === 1 && colour ? paint(padded, colour, color) : padded;
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map((r) => line(r.cells, r.colour))];
}

const CHECK_RESULT: Record<EntraCheck['outcome'], { text: string; colour: Colour }> = {
  ok: { text: 'ok', colour: 'green' },
  failed: { text: 'FAILED', colour: 'red' },
  warning: { text: 'warning', colour: 'yellow' },
  'not-checked': { text: 'not checked', colour: 'yellow' },
};

/** The Entra line under the token: what was checked, or why not. */
function entraHeader(e: EntraReport): string {
  if (e.status === 'not-checked') return `Entra:  not checked: ${e.reason ?? 'no reason given'}`;
  if (e.status === 'not-attempted') return `Entra:  not attempted: ${e.reason ?? 'no reason given'}`;
  const input = e.input!;
  const name = e.application?.displayName ? ` "${e.application.displayName}"` : '';
  const next = input.authCertificates.next ? `, next ${input.authCertificates.next.thumbprint}` : '';
  return `Entra:  dedicated application ${input.dedicatedAppId}${name}; Auth certificate ${input.authCertificates.current.thumbprint}${next}`;
}

function summaryLine(report: VerifyReport, color: boolean): string {
  const s = report.summary;
  const mail = report.ok
    ? `Verified: all ${s.total} mailbox read${s.total === 1 ? '' : 's'} succeeded.`
    : `Verification FAILED: ${s.succeeded} of ${s.total} mailbox reads succeeded.`;
  const e = report.entra;
  let entra = '';
  if (e?.status === 'checked') {
    const t = e.summary;
    const more = [t.failed > 0 ? `${t.failed} failed` : '', t.warnings > 0 ? `${t.warnings} warning${t.warnings === 1 ? '' : 's'}` : '', t.notChecked > 0 ? `${t.notChecked} not checked` : ''].filter((x) => x !== '');
    entra = ` Entra: ${t.passed} of ${t.total} checks passed${more.length > 0 ? `, ${more.join(', ')}` : ''}.`;
  } else if (e) entra = ` Entra: not ${e.status === 'not-attempted' ? 'attempted' : 'checked'}.`;
  return paint(mail + entra, report.ok ? 'green' : 'red', color);
}

function resultText(m: MailboxResult): { text: string; colour: 'green' | 'red' | 'yellow' } {
  if (m.outcome === 'success') return { text: 'ok', colour: 'green' };
  if (m.outcome === 'not-attempted') return { text: 'not attempted', colour: 'yellow' };
  return { text: 'FAILED', colour: 'red' };
}

export function renderVerifyText(report: VerifyReport, opts: { color: boolean }): string {
  const lines: string[] = [];
  const credential = report.credential === 'clientSecret' ? 'client secret' : 'certificate';
  lines.push(`Verify: app ${report.clientId} in tenant ${report.tenantId}, signing in with a ${credential} at ${report.authorityHost}`);
  const n = report.network;
  // Only when a proxy is configured: whether a request took it is the first question when one fails.
  if (n.proxy !== null) {
    const route = (via: 'proxy' | 'direct'): string => (via === 'proxy' ? `through ${n.proxy}` : `direct (${n.noProxyFrom ?? 'NO_PROXY'})`);
    lines.push(`Proxy:  ${n.proxy} from ${n.proxyFrom}; identity provider ${route(n.authorityHost)}, Graph ${route(n.graphEndpoint)}`);
  }

  // Explanations, numbered in order of first use; identical ones share a number.
  const explained: Diagnosis[] = [];
  const ref = (d: Diagnosis): string => {
    let i = explained.findIndex((e) => e.code === d.code && e.cause === d.cause && e.fix === d.fix);
    if (i < 0) i = explained.push(d) - 1;
    return `[${i + 1}]`;
  };

  const t = report.token;
  if (!t.acquired) {
    lines.push(`Token:  ${paint('NOT acquired', 'red', opts.color)}: ${t.diagnosis ? `${label(t.diagnosis)} ${ref(t.diagnosis)}` : 'no reason given'}`);
  } else {
    const roles = t.roles === null ? 'no roles claim' : t.roles.length === 0 ? 'roles claim empty' : `roles ${t.roles.join(', ')}`;
    lines.push(`Token:  acquired for ${report.graphEndpoint} (${roles})${t.diagnosis ? `: ${paint('warning', 'yellow', opts.color)} ${label(t.diagnosis)} ${ref(t.diagnosis)}` : ''}`);
  }
  if (report.entra) lines.push(entraHeader(report.entra));
  lines.push('');

  const rows = report.mailboxes.map((m) => {
    const r = resultText(m);
    const cause = m.diagnosis ? label(m.diagnosis) : m.outcome === 'not-attempted' ? 'no token' : '-';
    const fix = m.diagnosis ? ref(m.diagnosis) : m.outcome === 'not-attempted' && t.diagnosis ? ref(t.diagnosis) : '-';
    const attempts = m.attempts > 1 ? ` (${m.attempts} tries)` : '';
    return { cells: [m.mailbox, r.text, m.status === null ? '-' : `${m.status}${attempts}`, cause, fix], colour: r.colour };
  });
  lines.push(...table(['MAILBOX', 'RESULT', 'HTTP', 'CAUSE', 'FIX'], rows, opts.color));

  const e = report.entra;
  if (e && e.checks.length > 0) {
    const checkRows = e.checks.map((c) => {
      const r = CHECK_RESULT[c.outcome];
      return { cells: [c.title, r.text, c.diagnosis ? label(c.diagnosis) : '-', c.diagnosis ? ref(c.diagnosis) : '-'], colour: r.colour };
    });
    lines.push('', ...table(['ENTRA CHECK', 'RESULT', 'CAUSE', 'FIX'], checkRows, opts.color));
  }

  if (explained.length > 0) lines.push('');
  explained.forEach((d, i) => {
    lines.push(`[${i + 1}] ${label(d)}`);
    lines.push(indent(d.cause, '    Cause: ').replace(/\n {4}Cause: /g, '\n           '));
    lines.push(indent(d.fix, '    Fix:   ').replace(/\n {4}Fix: {3}/g, '\n           '));
  });

  for (const n of report.notes) lines.push('', `Note: ${n}`);

  lines.push('', summaryLine(report, opts.color));
  return lines.join('\n') + '\n';
}

/** The documented JSON view (docs/verify.md); the report type is already plain data. */
export function renderVerifyJson(report: VerifyReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
