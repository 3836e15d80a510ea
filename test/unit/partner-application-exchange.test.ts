/**
 * Partner applications as Set-PartnerApplication really takes them (issue 11, defects 5, 6 and 8):
 * matched on (ApplicationIdentifier, Realm) and changed by Guid; several matches are a plan error that
 * lists the candidates; Realm, IssuerIdentifier and AuthMetadataUrl are read-only for the spec; the
 * -AppOnlyPermissions diagnosis says which case it is; a grant names the dangerous permissions it copies;
 * LinkedAccount compared and recorded by DistinguishedName.
 */
import { DiagnosticError } from '../../src/diag/diagnostic';
import { dangerousPermission } from '../../src/resources/partner-application/plan';
import type { PartnerApplication } from '../../src/resources/partner-application/types';
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER } from '../../src/domain/exchange';
import { graph, GRAPH_ID, live, loaded, planOf, rollbackOf } from '../helpers/live';

const EXO = EXCHANGE_ONLINE_APPLICATION_IDENTIFIER;
const TENANT = '11111111-2222-3333-4444-555555555555';
/** Microsoft's hybrid script expects several "Exchange Online" objects and picks the one with an empty Realm. */
const exo = (realm: string, guid: string, overrides: Partial<PartnerApplication> = {}): PartnerApplication =>
  graph({ Name: 'Exchange Online', ApplicationIdentifier: EXO, Realm: realm, Guid: guid, DistinguishedName: `CN=Exchange Online${realm ? ' ' + realm : ''},CN=Partner Applications`, ActAsPermissions: null, UseAuthServer: true, ...overrides });
const TWO_EXO = [exo('', 'aaaaaaaa-0000-0000-0000-000000000001', { Enabled: false }), exo(TENANT, 'aaaaaaaa-0000-0000-0000-000000000002', { Enabled: false })];

function errorsOf(fn: () => unknown): DiagnosticError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DiagnosticError) return e;
    throw e;
  }
  throw new Error('expected a DiagnosticError');
}

describe('matching: (ApplicationIdentifier, Realm), then the Guid', () => {
  it('realm "" selects the object with the empty Realm, and the change names it by its Guid', () => {
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: EXO, realm: '', enabled: true }] }), live({ apps: TWO_EXO }));
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]!.address).toBe(`partnerApplication["${EXO}"]`);
    expect(p.changes[0]!.data).toMatchObject({ guid: 'aaaaaaaa-0000-0000-0000-000000000001', applicationIdentifier: EXO, realm: '', update: { Enabled: true } });
  });

  it('the other one by its Realm, with the Realm in its address', () => {
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: EXO, realm: TENANT, enabled: true }] }), live({ apps: TWO_EXO }));
    expect(p.changes[0]!.address).toBe(`partnerApplication["${EXO}/${TENANT}"]`);
    expect(p.changes[0]!.data).toMatchObject({ guid: 'aaaaaaaa-0000-0000-0000-000000000002', realm: TENANT });
  });

  it('an ApplicationIdentifier two objects share is ambiguous without realm: the error lists both and says how to choose', () => {
    const e = errorsOf(() => planOf(loaded({ partnerApplications: [{ applicationIdentifier: EXO, enabled: true }] }), live({ apps: TWO_EXO })));
    const d = e.diagnostics.find((x) => x.code === 'plan.ambiguous-partner-application')!;
    expect(d.summary).toBe('2 partner applications match `partnerApplications[0]`.');
    expect(d.detail).toContain('Add `realm` to the entry');
    expect(d.detail).toContain('realm: ""');
    expect(d.detail).toContain('Guid aaaaaaaa-0000-0000-0000-000000000001');
    expect(d.detail).toContain(`Realm ${TENANT}, Guid aaaaaaaa-0000-0000-0000-000000000002`);
    expect(d.path).toBe('/partnerApplications/0');
  });

  it('two objects with the same ApplicationIdentifier and Realm cannot be told apart even with realm', () => {
    const twins = [exo('', 'aaaaaaaa-0000-0000-0000-000000000001'), exo('', 'aaaaaaaa-0000-0000-0000-000000000003')];
    const e = errorsOf(() => planOf(loaded({ partnerApplications: [{ applicationIdentifier: EXO, realm: '', enabled: false }] }), live({ apps: twins })));
    expect(e.diagnostics[0]!.detail).toContain('Exchange cannot tell them apart either');
  });

  it('names compare case-insensitively, as Active Directory names do', () => {
    const p = planOf(loaded({ partnerApplications: [{ name: 'microsoft graph', enabled: false }] }), live({}));
    expect(p.changes[0]!.data).toMatchObject({ guid: graph().Guid });
  });
});

describe('read-only properties', () => {
  it('a Realm, AuthMetadataUrl or IssuerIdentifier that differs is an error that says why, never a change', () => {
    const e = errorsOf(() =>
      planOf(loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, authMetadataUrl: 'https://evil.example/metadata', issuerIdentifier: 'x' }] }), live({})),
    );
    const codes = e.diagnostics.map((d) => [d.code, d.path]);
    expect(codes).toEqual([
      ['plan.read-only-property', '/partnerApplications/0/authMetadataUrl'],
      ['plan.read-only-property', '/partnerApplications/0/issuerIdentifier'],
    ]);
    expect(e.diagnostics[0]!.detail).toContain('own parameter set');
    expect(e.diagnostics[1]!.detail).toContain('Exchange 2013 only');
  });

  it('the live value stated as it is asserts it and changes nothing', () => {
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, authMetadataUrl: '', enabled: true }] }), live({}));
    expect(p.changes).toEqual([]);
  });

  it('Realm selects; it is never sent to Set-PartnerApplication', () => {
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: EXO, realm: TENANT, enabled: true, name: 'EXO tenant' }] }), live({ apps: TWO_EXO }));
    expect(Object.keys((p.changes[0]!.data as { update: object }).update)).toEqual(['Name', 'Enabled']);
  });
});

describe('-AppOnlyPermissions, honestly', () => {
  const withoutAppOnly = ['Identity', 'Name', 'Enabled', 'ActAsPermissions', 'LinkedAccount'];
  const spec = loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, appOnlyPermissions: ['Mail.Read'] }] });
  const diagnose = (appOnly: NonNullable<Parameters<typeof live>[0]['appOnly']>) =>
    errorsOf(() => planOf(spec, live({ parameters: withoutAppOnly, appOnly }))).diagnostics.find((d) => d.code === 'plan.parameter-not-exposed')!;

  it('no role entry of the organisation exposes it: the documented state, no role assignment will add it, only routes that exist', () => {
    const d = diagnose({ state: 'no-role' });
    expect(d.detail).toContain('No management role in this organisation exposes it');
    expect(d.detail).toContain('documented state of Exchange 2016, 2019 and SE');
    expect(d.detail).toContain('snap-in');
    expect(d.detail).toContain('Unsupported, opt-in');
    expect(d.detail).not.toMatch(/install|cumulative update|\bCU\b/i);
  });

  it('a role exposes it and this account lacks it: names the role and the assignment', () => {
    const d = diagnose({ state: 'not-assigned', roles: ['Partner Application Admins'] });
    expect(d.detail).toContain('Role Partner Application Admins exposes it, and this account has none of them');
    expect(d.detail).toContain('New-ManagementRoleAssignment -Role "Partner Application Admins"');
  });

  it('the probe could not run: says so, and how to ask Exchange', () => {
    const d = diagnose({ state: 'unknown', reason: 'Get-ManagementRoleEntry is not available to this account' });
    expect(d.detail).toContain('could not tell whether any role exposes it (Get-ManagementRoleEntry is not available to this account)');
  });

  it('the grant warning names what sameAs: actAsPermissions copies that a daemon never needs, and a list without it', () => {
    const act = ['Mail.Read', 'Calendars.Read', 'Privilege.SkipClientAccessRules', 'Mail.ReadWrite.All', 'Contacts.ReadWrite.All'];
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, appOnlyPermissions: { sameAs: 'actAsPermissions' } }] }), live({ apps: [graph({ ActAsPermissions: act })] }));
    const w = p.warnings.find((x) => x.code === 'plan.app-only-access')!;
    expect(w.detail).toContain('Among them: Privilege.SkipClientAccessRules, Mail.ReadWrite.All, Contacts.ReadWrite.All');
    expect(w.detail).toContain('skip client access rules');
    expect(w.detail).toContain('appOnlyPermissions: [Mail.Read, Calendars.Read]');
    expect([dangerousPermission('Privilege.SkipClientAccessRules'), dangerousPermission('Mail.ReadWrite.All'), dangerousPermission('Mail.Read')]).toEqual([true, true, false]);
  });
});

describe('LinkedAccount by DistinguishedName', () => {
  const dn = 'CN=Microsoft Graph-ApplicationAccount,CN=Users,DC=contoso,DC=lab';
  it('the DistinguishedName or the printed name of the live account is no change', () => {
    for (const linkedAccount of [dn, dn.toLowerCase(), 'contoso.lab/Users/Microsoft Graph-ApplicationAccount']) {
      expect(planOf(loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, linkedAccount }] }), live({})).changes).toEqual([]);
    }
  });

  it('an undo puts the old account back by its DistinguishedName', () => {
    const p = planOf(loaded({ partnerApplications: [{ applicationIdentifier: GRAPH_ID, linkedAccount: 'CN=Other,CN=Users,DC=contoso,DC=lab' }] }), live({}));
    expect(p.changes[0]!.data).toMatchObject({ linkedAccountBefore: dn, update: { LinkedAccount: 'CN=Other,CN=Users,DC=contoso,DC=lab' } });
  });

  it('a recorded original of a property hybridcfg no longer sets is reported, not restored', () => {
    const r = rollbackOf(loaded({ partnerApplications: [] }), live({ appOriginals: { [GRAPH_ID]: { Enabled: false, Realm: 'old' } as never } }));
    expect(r.changes[0]!.data).toMatchObject({ update: { Enabled: false } });
    expect(r.warnings.find((d) => d.code === 'rollback.property-not-restored')?.summary).toContain('Realm of "Microsoft Graph"');
  });
});
