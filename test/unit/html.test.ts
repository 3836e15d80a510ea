/** The HTML report as text: what it says for each kind of change, and that nothing in it is live markup from a value. */
import { error, warning } from '../../src/diag/diagnostic';
import { DEFAULT_REST_PROFILES, GRAPH_APPLICATION_IDENTIFIER, PROFILES_KEY } from '../../src/domain/exchange';
import { fileChange, graphChange, plan } from '../helpers/plans';
import type { ApplyResult } from '../../src/apply/apply';
import { NO_CHANGES, renderDiagnosticsHtml, renderPlanHtml, type ApplyOutcome } from '../../src/views/html';
import { diffSet, diffTokens } from '../../src/views/html/diff';
import { groupAcrossServers } from '../../src/views/group';
import { escapeHtml, html } from '../../src/views/html/markup';

const REST = 'FrontEnd/HttpProxy/rest/web.config';
const graph = graphChange;
const profiles = (before: string | null, after: string, key = PROFILES_KEY) => fileChange('EX01', REST, [key, before, after]);

/** The text a reader sees, roughly: tags dropped, entities decoded. */
function visibleText(page: string): string {
  const body = page.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<title>[\s\S]*?<\/title>/, '');
  return body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('diffTokens', () => {
  test('an appended profile shows at the end, the rest unchanged', () => {
    const before = DEFAULT_REST_PROFILES.split('|');
    const d = diffTokens(before, [...before, 'V1S2SAppOnly']);
    expect(d.filter((t) => t.op !== 'same')).toEqual([{ token: 'V1S2SAppOnly', op: 'added' }]);
    expect(d.map((t) => t.token)).toEqual([...before, 'V1S2SAppOnly']);
  });

  test('a removed profile shows where it was; a replaced one reads old then new', () => {
    expect(diffTokens(['A', 'B', 'C'], ['A', 'C'])).toEqual([
      { token: 'A', op: 'same' },
      { token: 'B', op: 'removed' },
      { token: 'C', op: 'same' },
    ]);
    expect(diffTokens(['A', 'b', 'C'], ['A', 'B', 'C']).map((t) => `${t.op}:${t.token}`)).toEqual([
      'same:A',
      'removed:b',
      'added:B',
      'same:C',
    ]);
  });

  test('from and to an empty list', () => {
    expect(diffTokens([], ['A'])).toEqual([{ token: 'A', op: 'added' }]);
    expect(diffTokens(['A'], [])).toEqual([{ token: 'A', op: 'removed' }]);
  });
});

describe('diffSet', () => {
  test('order does not matter, only membership', () => {
    expect(diffSet(['Mail.Read', 'Tasks.Read'], ['Tasks.Read', 'Mail.Read'])).toEqual({
      added: [],
      removed: [],
      kept: ['Tasks.Read', 'Mail.Read'],
    });
    expect(diffSet(['Mail.Read', 'Tasks.Read'], ['Mail.Send', 'Mail.Read'])).toEqual({
      added: ['Mail.Send'],
      removed: ['Tasks.Read'],
      kept: ['Mail.Read'],
    });
  });
});

describe('markup', () => {
  test('interpolated text is escaped, nested markup is not escaped twice', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p title="${'"x"'}">${inner}${['<', html`<br>`]}${null}${undefined}${false}</p>`.markup).toBe(
      '<p title="&quot;x&quot;"><b>&lt;i&gt;</b>&lt;<br></p>',
    );
  });
});

describe('renderPlanHtml', () => {
  test('an empty plan says there is nothing to do, and is a complete standalone page', () => {
    const page = renderPlanHtml(plan([]));
    expect(visibleText(page)).toContain(NO_CHANGES);
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    // No script and nothing fetched: the CSP forbids both, and there is nothing to fetch.
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(page).not.toMatch(/<script|<link|<img|\ssrc=|href="(?!#)/i);
    expect(page).toContain('@media print');
  });

  test('values from servers and specs never become markup', () => {
    const evil = `</style><script>alert("x")</script><img src=x onerror=alert(1)>`;
    const page = renderPlanHtml(
      plan([profiles(`a|${evil}`, `b|${evil}`, `K${evil}`), graph({ name: 'Realm', before: evil, after: '' })], {
        servers: [evil],
        warnings: [warning('w', evil, evil, { source: { file: evil, line: 1, col: 1 } })],
        restarts: [{ server: evil, mode: 'appPools', appPools: [evil], reasons: [evil] }],
        spec: { path: evil, digest: '' },
        plannedBy: { user: evil, host: evil },
        organization: { name: evil },
        target: { kind: 'lab', description: evil },
      }),
      {
        title: evil,
        applied: {
          status: 'failed',
          servers: [{ server: evil, outcome: 'failed', restarted: false, written: [], message: evil, backups: [evil] }],
          diagnostics: [error('x.y', evil, evil)],
          rollback: { complete: false, notes: [evil] },
          appliedBy: { user: evil, host: evil, runId: evil, startedAt: evil },
          finishedAt: evil,
        },
      },
    );
    expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
    expect(page.match(/<\/style>/g)).toHaveLength(1);
    expect(visibleText(page)).toContain(evil);
  });

  test('a Profiles change is a line diff plus a token diff, and unknown profile names are flagged', () => {
    const page = renderPlanHtml(plan([profiles(DEFAULT_REST_PROFILES, `${DEFAULT_REST_PROFILES}|v1s2sapponly`)]));
    const text = visibleText(page);
    expect(text).toContain(`- ${DEFAULT_REST_PROFILES}`);
    expect(text).toContain(`+ ${DEFAULT_REST_PROFILES}|v1s2sapponly`);
    expect(text).toContain('1 added, 0 removed');
    expect(page).toMatch(/<li class="added unknown" data-op="added" title="Not a known profile name: Exchange ignores it">v1s2sapponly<\/li>/);
    expect(page).toContain('<li class="" data-op="same">S2SAppActAs</li>');
  });

  test('a trailing space in a profile name is made visible, since Exchange does not trim it', () => {
    const page = renderPlanHtml(plan([profiles('S2SAppActAs', 'S2SAppActAs|V1S2SAppOnly ')]));
    expect(page).toContain('>V1S2SAppOnly\u2423</li>');
  });

  test('a new key has only an added line; a plain value has no token list', () => {
    const page = renderPlanHtml(plan([profiles(null, 'true', 'SomeFlag')]));
    expect(visibleText(page)).toContain('SomeFlag new key + true');
    expect(page).not.toContain('class="del"');
    expect(page).not.toContain('data-testid="token-diff"');
  });

  test("granting app-only permissions shows the planner's warning, tied to the change it is about", () => {
    const change = graph({ name: 'AppOnlyPermissions', before: null, after: ['Mail.Read', 'Calendars.Read'] });
    const grant = warning('plan.app-only-access', 'This grants app-only access through partner application "Microsoft Graph".', 'every on-premises mailbox', { address: change.address });
    const page = renderPlanHtml(plan([change], { warnings: [grant] }));
    const text = visibleText(page);
    expect(page).toContain(`data-code="plan.app-only-access" data-for="partnerApplication[&quot;${GRAPH_APPLICATION_IDENTIFIER}&quot;]"`);
    expect(text).toContain('This grants app-only access through partner application "Microsoft Graph". every on-premises mailbox');
    expect(text).toContain('AppOnlyPermissions not set → 2 permissions');
  });

  test('removing app-only permissions (restore defaults) is a set diff', () => {
    const page = renderPlanHtml(plan([graph({ name: 'AppOnlyPermissions', before: ['Mail.Read', 'Tasks.Read'], after: null })]));
    const text = visibleText(page);
    expect(text).toContain('AppOnlyPermissions 2 permissions → not set');
    expect(text).toMatch(/Removed: Mail\.Read Tasks\.Read/);
  });

  test('an empty list and an unset list are told apart; scalar attributes show old and new', () => {
    const page = renderPlanHtml(
      plan([graph({ name: 'ActAsPermissions', before: null, after: [] }, { name: 'Enabled', before: false, after: true })]),
    );
    const text = visibleText(page);
    expect(text).toContain('ActAsPermissions not set → 0 permissions');
    expect(text).toContain('Enabled - false + true');
  });

  test('restarts say how and why; warnings and errors carry their place', () => {
    const page = renderPlanHtml(
      plan([profiles('A', 'A|B', 'Other')], {
        restarts: [{ server: 'EX01', mode: 'iisreset', reasons: [`${REST} changed`] }],
        warnings: [warning('plan.w', 'Something to know', 'Why it matters.', { source: { file: 'spec.yaml', line: 3, col: 7 } })],
      }),
    );
    const text = visibleText(page);
    expect(text).toContain(`iisreset /noforce (all of IIS on this server) Why: ${REST} changed`);
    expect(text).toContain('Warning Something to know at spec.yaml:3:7 Why it matters. plan.w');
  });

  test('an apply outcome shows per-server results, backups and partner application results', () => {
    const page = renderPlanHtml(plan([profiles('A', 'A|B', 'Other'), graph({ name: 'Enabled', before: false, after: true })]), {
      applied: {
        status: 'failed',
        organization: [{ kind: 'partnerApplication', title: 'Microsoft Graph', address: `partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]`, done: true, state: 'done' }],
        servers: [
          {
            server: 'EX01',
            outcome: 'rolledBack',
            restarted: true,
            written: [REST],
            message: 'Health check /owa failed; restored the backup.',
            backups: ['C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\rest\\web.config.hybridcfg-1.bak'],
          },
        ],
        diagnostics: [error('apply.health', 'EX01 failed its health check')],
      },
    });
    const text = visibleText(page);
    expect(text).toContain('hybridcfg apply report');
    expect(text).toContain('Apply failed');
    expect(text).toContain('Microsoft Graph update done');
    expect(text).toContain('EX01 rolledBack, restarted Health check /owa failed; restored the backup. Backups on the server: C:\\Program Files');
    expect(text).toContain('Errors during apply Error EX01 failed its health check');
    expect(text).not.toContain('Apply exactly this plan');
  });

  test("the apply engine's result can be given as it is", () => {
    // Compile-time: fails `tsc` if ApplyResult stops being assignable to ApplyOutcome.
    const result: ApplyResult = {
      status: 'succeeded',
      organization: [],
      servers: [{ server: 'EX01', outcome: 'restarted', written: [REST], backups: ['b'], restarted: true }],
      diagnostics: [],
    };
    const outcome: ApplyOutcome = result;
    expect(visibleText(renderPlanHtml(plan([profiles('A', 'A|B')]), { applied: outcome }))).toContain('EX01 restarted');
  });
});

describe('groupAcrossServers', () => {
  const on = (server: string, before: string, after: string, file = REST) => fileChange(server, file, [PROFILES_KEY, before, after]);

  test('changes that differ only in their server are one group, in the plan\'s order', () => {
    const groups = groupAcrossServers([on('EX01', 'A', 'A|B'), on('EX02', 'A', 'A|B'), on('EX03', 'A', 'A|B')]);
    expect(groups.map((g) => [g.address, g.servers])).toEqual([[`server[*].webConfig["${REST}"]`, ['EX01', 'EX02', 'EX03']]]);
  });

  test('another before, another after or another file is another change', () => {
    const groups = groupAcrossServers([on('EX01', 'A', 'A|B'), on('EX02', 'C', 'C|B'), on('EX03', 'A', 'A|D'), on('EX04', 'A', 'A|B', 'FrontEnd/HttpProxy/ews/web.config'), on('EX05', 'A', 'A|B')]);
    expect(groups.map((g) => g.servers)).toEqual([['EX01', 'EX05'], ['EX02'], ['EX03'], ['EX04']]);
  });
});

describe('renderDiagnosticsHtml', () => {
  test('a run without a plan still yields a report of what went wrong and where', () => {
    const page = renderDiagnosticsHtml([
      error('spec.unknown-key', 'Unknown key "webconfig"', 'Did you mean "webConfigs"?', { source: { file: 'hybridcfg.yaml', line: 4, col: 1 } }),
    ]);
    const text = visibleText(page);
    expect(text).toContain('1 error stopped the plan. Nothing was changed. Unknown key "webconfig" What to do: Did you mean "webConfigs"?');
    expect(text).toContain('Error Unknown key "webconfig" at hybridcfg.yaml:4:1 Did you mean "webConfigs"?');
  });
});
