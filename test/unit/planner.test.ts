import { createHash } from 'node:crypto';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { readAppSettings, decodeWebConfig } from '../../src/webconfig/appsettings';
import { ACT_AS, fixtureBytes, graph, GRAPH_ID, live, loaded, newBytes, planOf, REST } from '../helpers/live';

const plan = (spec: Parameters<typeof planOf>[0], state: Parameters<typeof planOf>[1]) => planOf(spec, state);

const QUICKSTART = loaded({
  partnerApplications: [{ name: 'Microsoft Graph', applicationIdentifier: GRAPH_ID, enabled: true, appOnlyPermissions: { sameAs: 'actAsPermissions' } }],
  webConfigs: [{ file: REST, appSettings: { 'OAuthHttpModule.Profiles': { include: ['V1S2SAppOnly'] } } }],
  restart: { mode: 'iisreset' },
});

const restFile = () => fixtureBytes('E19/IIS/DefaultWebSite-Rest_web.config');

function thrown(fn: () => unknown): DiagnosticError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DiagnosticError) return e;
    throw e;
  }
  throw new Error('expected a DiagnosticError');
}

describe('plan on a fresh organisation (the quick start)', () => {
  const state = live({ servers: { EX01: { [REST]: restFile() }, EX02: { [REST]: restFile() } } });
  const p = plan(QUICKSTART, state);

  it('copies ActAsPermissions into AppOnlyPermissions on the Graph partner application', () => {
    const app = p.changes.find((c) => c.kind === 'partnerApplication');
    expect(app).toMatchObject({
      address: `partnerApplication["${GRAPH_ID}"]`,
      action: 'update',
      data: { update: { AppOnlyPermissions: ACT_AS } },
    });
    // enabled is already true: not a change
    expect(app?.attributes.map((a) => a.name)).toEqual(['AppOnlyPermissions']);
  });

  it('appends V1S2SAppOnly to the profiles on every server, keeping the existing order', () => {
    const files = p.changes.filter((c) => c.kind === 'webConfig');
    expect(files.map((c) => c.address)).toEqual([`server["EX01"].webConfig["${REST}"]`, `server["EX02"].webConfig["${REST}"]`]);
    expect(files[0].attributes).toHaveLength(1);
    expect(files[0].attributes[0]).toMatchObject({
      name: 'OAuthHttpModule.Profiles',
      format: 'tokens',
      action: 'update',
      before: 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2',
      after: 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2|V1S2SAppOnly',
    });
  });

  it('apply writes bytes that differ only in that value, and hash to what the plan says', () => {
    const change = p.changes.find((c) => c.kind === 'webConfig')!;
    const after = newBytes(QUICKSTART, state, change);
    expect(createHash('sha256').update(after).digest('hex')).toBe(change.digest?.after);
    const settings = readAppSettings(decodeWebConfig(after, 'x'), 'x');
    expect(settings.find((s) => s.key === 'OAuthHttpModule.Profiles')?.value).toMatch(/\|V1S2SAppOnly$/);
    expect(after.length - restFile().length).toBe('|V1S2SAppOnly'.length);
  });

  it('restarts every server once, with both reasons', () => {
    expect(p.restarts.map((r) => [r.server, r.mode, r.reasons.length])).toEqual([
      ['EX01', 'iisreset', 2],
      ['EX02', 'iisreset', 2],
    ]);
  });

  it('says plainly that app-only access is being granted', () => {
    const w = p.warnings.find((d) => d.code === 'plan.app-only-access');
    expect(w?.detail).toContain('every on-premises mailbox');
    expect(w?.detail).toContain('Mail.Read');
  });
});

describe('plan on a converged organisation', () => {
  it('is empty and restarts nothing', () => {
    const converged = Buffer.from(
      restFile().toString('utf8').replace('|CallbackV2"', '|CallbackV2|V1S2SAppOnly"'),
      'utf8',
    );
    const p = plan(QUICKSTART, live({ apps: [graph({ AppOnlyPermissions: [...ACT_AS].reverse() })], servers: { EX01: { [REST]: converged } } }));
    expect(p.changes).toEqual([]);
    expect(p.restarts).toEqual([]);
  });
});

describe('restarts', () => {
  it('restart only the server whose file changed when no partner application changes', () => {
    const done = Buffer.from(restFile().toString('utf8').replace('|CallbackV2"', '|CallbackV2|V1S2SAppOnly"'), 'utf8');
    const p = plan(QUICKSTART, live({ apps: [graph({ AppOnlyPermissions: ACT_AS })], servers: { EX01: { [REST]: done }, EX02: { [REST]: restFile() } } }));
    expect(p.restarts.map((r) => r.server)).toEqual(['EX02']);
    expect(p.restarts[0].reasons).toEqual([`web.config changed: ${REST}`]);
  });

  it('mode appPools names the pools; mode none restarts nothing and warns', () => {
    const pools = plan(loaded({ ...QUICKSTART.spec, restart: { mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool'] } }), live({ servers: { EX01: { [REST]: restFile() } } }));
    expect(pools.restarts[0]).toMatchObject({ mode: 'appPools', appPools: ['MSExchangeRestFrontEndAppPool'] });
    const none = plan(loaded({ ...QUICKSTART.spec, restart: { mode: 'none' } }), live({ servers: { EX01: { [REST]: restFile() } } }));
    expect(none.summary.restarts).toBe(0);
    expect(none.warnings.map((w) => w.code)).toContain('plan.restart-none');
  });
});

describe('partner applications', () => {
  it('compares permission lists as sets', () => {
    const spec = loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, appOnlyPermissions: ['Mail.ReadWrite', 'Mail.Read'] }] });
    const p = plan(spec, live({ apps: [graph({ AppOnlyPermissions: ['Mail.Read', 'Mail.ReadWrite'] })] }));
    expect(p.changes).toEqual([]);
  });

  it('include/exclude edit the live list; an empty result is null, as Exchange stores it', () => {
    const spec = loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, appOnlyPermissions: { include: ['Mail.Read'], exclude: ['Calendars.Read'] } }] });
    const p = plan(spec, live({ apps: [graph({ AppOnlyPermissions: ['Calendars.Read'] })] }));
    expect(p.changes[0]).toMatchObject({ data: { update: { AppOnlyPermissions: ['Mail.Read'] } } });
    const clear = loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, appOnlyPermissions: [] }] });
    expect(plan(clear, live({ apps: [graph({ AppOnlyPermissions: ['Mail.Read'] })] })).changes[0]).toMatchObject({
      data: { update: { AppOnlyPermissions: null } },
    });
  });

  it('sameAs follows the desired value of the other list when the spec sets both', () => {
    const spec = loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, actAsPermissions: ['Mail.Read'], appOnlyPermissions: { sameAs: 'actAsPermissions' } }] });
    const p = plan(spec, live({}));
    expect(p.changes[0]).toMatchObject({ data: { update: { ActAsPermissions: ['Mail.Read'], AppOnlyPermissions: ['Mail.Read'] } } });
  });

  it('leaves properties the spec omits alone, and matches by name alone', () => {
    const spec = loaded({ partnerApplications: [{ name: 'Microsoft Graph', enabled: false }] });
    const p = plan(spec, live({}));
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ data: { update: { Enabled: false } } });
    expect(Object.keys((p.changes[0].data as { update: object }).update)).toEqual(['Enabled']);
  });

  it('an unknown application is a plan error that lists what exists', () => {
    const spec = loaded({ partnerApplications: [{ name: 'Microsoft Grahp' }] });
    const e = thrown(() => plan(spec, live({})));
    expect(e.diagnostics[0].code).toBe('plan.unknown-partner-application');
    expect(e.diagnostics[0].detail).toContain('Did you mean "Microsoft Graph"?');
  });

  it('fails the plan, not the apply, when Set-PartnerApplication does not expose -AppOnlyPermissions', () => {
    const params = ['Identity', 'Name', 'Enabled', 'ActAsPermissions'];
    const e = thrown(() => plan(QUICKSTART, live({ parameters: params, servers: { EX01: { [REST]: restFile() } } })));
    const d = e.diagnostics.find((x) => x.code === 'plan.parameter-not-exposed');
    expect(d?.summary).toContain('-AppOnlyPermissions');
    expect(d?.detail).toContain("A parameter cannot be found that matches parameter name 'AppOnlyPermissions'");
    expect(d?.detail).toContain('Get-ManagementRoleEntry');
  });
});

describe('web.config problems are plan errors', () => {
  it('a missing file names the server and the path', () => {
    const e = thrown(() => plan(QUICKSTART, live({ servers: { EX01: { [REST]: null } } })));
    expect(e.diagnostics[0]).toMatchObject({ code: 'plan.file-missing' });
    expect(e.diagnostics[0].summary).toContain('EX01');
  });

  it('a file that is not well-formed XML is reported with its server', () => {
    const broken = Buffer.from(restFile().toString('utf8').replace('</appSettings>', '</appSetting>'), 'utf8');
    const e = thrown(() => plan(QUICKSTART, live({ servers: { EX01: { [REST]: broken } } })));
    expect(e.diagnostics[0].code).toBe('webconfig.malformed');
    expect(e.diagnostics[0].source?.file).toContain('EX01');
  });

  it('a key that is missing is created; an exact value replaces the whole value', () => {
    const spec = loaded({ webConfigs: [{ file: REST, appSettings: { 'Custom.Key': 'a&b', 'OAuthHttpModule.V1AppScopes': 'Mail.Read' } }] });
    const p = plan(spec, live({ servers: { EX01: { [REST]: restFile() } } }));
    expect(p.changes.flatMap((c) => c.attributes.map((a) => [a.name, a.action, a.before, a.after]))).toEqual([
      ['Custom.Key', 'create', null, 'a&b'],
      ['OAuthHttpModule.V1AppScopes', 'update', '*', 'Mail.Read'],
    ]);
  });
});

describe('fingerprint', () => {
  it('changes when a file read changes and not otherwise', () => {
    const a = plan(QUICKSTART, live({ servers: { EX01: { [REST]: restFile() } } }));
    const b = plan(QUICKSTART, live({ servers: { EX01: { [REST]: restFile() } } }));
    const other = Buffer.concat([restFile(), Buffer.from('\r\n')]);
    const c = plan(QUICKSTART, live({ servers: { EX01: { [REST]: other } } }));
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});

describe('appSetting keys', () => {
  it('match the file case-insensitively, as .NET reads them, so no duplicate key is planned', () => {
    const spec = loaded({ webConfigs: [{ file: REST, appSettings: { 'oauthhttpmodule.profiles': { include: ['V1S2SAppOnly'] } } }] });
    const p = plan(spec, live({ servers: { EX01: { [REST]: restFile() } } }));
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0].attributes).toEqual([expect.objectContaining({ action: 'update', before: expect.stringContaining('CallbackV2') })]);
    const after = newBytes(spec, live({ servers: { EX01: { [REST]: restFile() } } }), p.changes[0]);
    expect(readAppSettings(decodeWebConfig(after, 'x'), 'x').filter((s) => s.key.toLowerCase() === 'oauthhttpmodule.profiles')).toHaveLength(1);
  });
});
