/**
 * verify's Entra checks end to end: the facts come from the lab's live state through two kinds of the test
 * tree (ResourceKind.verifyFacts), the session merges them, and verify reads the loopback Graph's directory.
 * One test per finding, checked as a user reads the report (the check's row, the cause and the fix), and
 * the all-good case. No test calls the public cloud.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY, withKinds, type Registry } from '../../src/resources/registry';
import { initLab } from '../../src/session/lab';
import { loadSpec } from '../../src/session/session';
import { verifySpec } from '../../src/session/verify';
import type { VerifyReport } from '../../src/verify';
import { renderVerifyJson, renderVerifyText } from '../../src/views/verify';
import { testAuthConfig, testHybridApp } from '../kinds/verify-facts';
import { makeAppCert, type KeyPair } from './certs';
import { startProxy } from './proxy-server';
import { notAfterOf, thumbprintOf, type FakeApplication, type FakeDirectory, type FakeKey, type FakeServicePrincipal } from './fake-directory';
import { SECRET, withCloud, workdir, writeSpec } from './harness';
import type { FakeCloud, FakeCloudOptions } from './idp-server';

const { dir, tls } = workdir();
const ONPREM = 'onprem.user@contoso.com';
const EXO = '00000002-0000-0ff1-ce00-000000000000';
const FULL_ACCESS = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40';
const DEDICATED = '44444444-5555-6666-7777-888888888888';
const APP_OBJECT = 'a0000000-0000-0000-0000-00000000000a';
const APP_SP = 'b0000000-0000-0000-0000-00000000000b';
const EXO_SP = 'e0000000-0000-0000-0000-00000000000e';
const READER_ROLES = ['Mail.Read', 'Application.Read.All'];

// The built-in kinds without their own verify facts (the auth server's appId, AuthConfig's certificates,
// tested through the real kinds in entra-hybrid-unit.test.ts): here the test kinds give every fact.
const BUILT_IN_WITHOUT_FACTS: Registry = { kinds: REGISTRY.kinds.map(({ verifyFacts: _facts, ...k }) => k as typeof k) };
const registry: Registry = withKinds(BUILT_IN_WITHOUT_FACTS, testHybridApp, testAuthConfig);
const current: KeyPair = makeAppCert(dir, 'auth-current');
const next: KeyPair = makeAppCert(dir, 'auth-next');
const other: KeyPair = makeAppCert(dir, 'other');
const T_CURRENT = thumbprintOf(current.certPem);
const T_NEXT = thumbprintOf(next.certPem);
const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

interface Directory {
  readonly appKeys?: readonly FakeKey[];
  readonly requiredResourceAccess?: FakeApplication['requiredResourceAccess'];
  readonly assignments?: FakeServicePrincipal['appRoleAssignments'];
  readonly sharedKeys?: readonly FakeKey[];
  readonly withApp?: boolean;
  readonly withAppServicePrincipal?: boolean;
  readonly pageSize?: number;
  readonly nextLinkOrigin?: string;
  readonly fault?: FakeDirectory['fault'];
}

const GRANTED = [{ id: 'assignment-1', appRoleId: FULL_ACCESS, resourceId: EXO_SP, resourceDisplayName: 'Office 365 Exchange Online' }];

/** The tenant as Microsoft's script leaves it, unless a test says otherwise. */
function directory(d: Directory = {}): FakeDirectory {
  return {
    applications:
      d.withApp === false
        ? []
        : [
            {
              id: APP_OBJECT,
              appId: DEDICATED,
              displayName: 'ExchangeServerApp-6c8f0a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f',
              keyCredentials: d.appKeys ?? [{ certPem: current.certPem }, { certPem: next.certPem }],
              requiredResourceAccess: d.requiredResourceAccess ?? [{ resourceAppId: EXO, resourceAccess: [{ id: FULL_ACCESS, type: 'Role' }] }],
            },
          ],
    servicePrincipals: [
      { id: EXO_SP, appId: EXO, displayName: 'Office 365 Exchange Online', keyCredentials: d.sharedKeys ?? [{ certPem: other.certPem }], appRoleAssignments: [] },
      ...(d.withAppServicePrincipal === false ? [] : [{ id: APP_SP, appId: DEDICATED, displayName: 'ExchangeServerApp', keyCredentials: [], appRoleAssignments: d.assignments ?? GRANTED }]),
    ],
    ...(d.pageSize !== undefined ? { pageSize: d.pageSize } : {}),
    ...(d.nextLinkOrigin !== undefined ? { nextLinkOrigin: d.nextLinkOrigin } : {}),
    ...(d.fault ? { fault: d.fault } : {}),
  };
}

interface Live {
  readonly appId?: string | null;
  readonly current?: string | null;
  readonly next?: string | null;
  readonly notAfter?: Readonly<Record<string, string>>;
}

/** A lab with the test kinds, whose live state gives these facts. */
async function lab(live: Live = {}): Promise<void> {
  const labDir = join(dir, 'lab');
  await fs.rm(labDir, { recursive: true, force: true });
  await initLab(labDir, { servers: ['EX01'] }, registry);
  const file = join(labDir, 'organization.json');
  const org = JSON.parse(await fs.readFile(file, 'utf8'));
  org.testHybridApp = { ApplicationIdentifier: live.appId === undefined ? DEDICATED : live.appId };
  org.testAuthConfig = {
    CurrentCertificateThumbprint: live.current === undefined ? T_CURRENT : live.current,
    NextCertificateThumbprint: live.next === undefined ? T_NEXT : live.next,
    NotAfter: live.notAfter ?? { [T_CURRENT]: notAfterOf(current.certPem), [T_NEXT]: notAfterOf(next.certPem) },
  };
  await fs.writeFile(file, JSON.stringify(org, null, 2) + '\n');
}

interface Run {
  readonly report: VerifyReport;
  readonly text: string;
  readonly cloud: FakeCloud;
  readonly spec: string;
}

async function verify(
  opts: { readonly directory?: FakeDirectory; readonly cloud?: Partial<FakeCloudOptions>; readonly managed?: string; readonly registry?: Registry; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<Run> {
  return withCloud(tls, { roles: READER_ROLES, mailboxes: { [ONPREM]: { kind: 'ok' } }, directory: opts.directory ?? directory(), ...opts.cloud }, async (cloud) => {
    // The spec manages the (test) auth server, as a spec of the hybrid unit does: that is what asks for the Entra checks.
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], managed: opts.managed ?? ['testHybridApps:', `  - applicationIdentifier: ${DEDICATED}`].join('\n') });
    const reg = opts.registry ?? registry;
    const report = await verifySpec(await loadSpec(spec, reg), { env: { HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: tls.certFile, ...opts.env }, cwd: dir, registry: reg });
    return { report, text: renderVerifyText(report, { color: false }), cloud, spec };
  });
}

/** The row of an Entra check, split into its columns (title, result, cause, fix). */
function checkRow(text: string, title: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(title + ' '));
  if (!line) throw new Error(`no row "${title}" in:\n${text}`);
  return line.split(/\s{2,}/);
}

/** The explanation numbered `ref` ("[2]"): its heading, cause and fix lines. */
function explanation(text: string, ref: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${ref} `));
  if (start < 0) throw new Error(`no explanation ${ref} in:\n${text}`);
  const end = lines.findIndex((l, i) => i > start && (/^\[\d+\] /.test(l) || l === ''));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const APPLICATION = 'Dedicated application exists';
const CURRENT = 'Current Auth certificate is a key of the app';
const NEXT = 'Next Auth certificate is a key of the app';
const REQUESTED = 'full_access_as_app among its API permissions';
const CONSENT = 'Admin consent for full_access_as_app';
const SHARED = 'Shared service principal holds no Auth certificate';

beforeEach(() => lab());
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

test('all good: every check ok, exit status ok, four reads of Graph by appId', async () => {
  const { report, text, cloud } = await verify();
  expect(report.ok).toBe(true);
  expect(text).toContain(`Entra:  dedicated application ${DEDICATED} "ExchangeServerApp-6c8f0a9e-1d2b-4c3d-8e4f-5a6b7c8d9e0f"; Auth certificate ${T_CURRENT}, next ${T_NEXT}`);
  for (const title of [APPLICATION, CURRENT, NEXT, REQUESTED, CONSENT, SHARED]) expect(checkRow(text, title)).toEqual([title, 'ok', '-', '-']);
  expect(text).toContain('Verified: all 1 mailbox read succeeded. Entra: 6 of 6 checks passed.');
  expect(cloud.directoryRequests).toEqual([
    `/v1.0/applications(appId='${DEDICATED}')?$select=id,appId,displayName,keyCredentials,requiredResourceAccess`,
    `/v1.0/servicePrincipals(appId='${EXO}')?$select=id,appId,displayName,keyCredentials`,
    `/v1.0/servicePrincipals(appId='${DEDICATED}')?$select=id,appId,displayName`,
    `/v1.0/servicePrincipals/${APP_SP}/appRoleAssignments`,
  ]);
});

test('behind HTTPS_PROXY the Entra reads take the proxy too', async () => {
  const proxy = await startProxy({});
  try {
    const { report, cloud } = await verify({ env: { HTTPS_PROXY: proxy.url } });
    expect(report.ok).toBe(true);
    expect(report.entra?.requests).toBe(4);
    expect(cloud.directoryRequests).toHaveLength(4);
    // The token, the mailbox read and the four directory reads each through a tunnel to the loopback Graph.
    expect(proxy.connects.length).toBeGreaterThanOrEqual(6);
    expect(proxy.connects.every((c) => c.target === new URL(cloud.url).host && c.status === 200)).toBe(true);
  } finally {
    await proxy.close();
  }
});

test('--json: format version 2 with the entra section as documented', async () => {
  const { report } = await verify();
  const json = JSON.parse(renderVerifyJson(report));
  expect(json.formatVersion).toBe(2);
  expect(json.entra).toMatchObject({
    status: 'checked',
    reason: null,
    input: { dedicatedAppId: DEDICATED, authCertificates: { current: { thumbprint: T_CURRENT, notAfter: notAfterOf(current.certPem) }, next: { thumbprint: T_NEXT } } },
    application: { id: APP_OBJECT, keyCredentials: [expect.objectContaining({ thumbprint: T_CURRENT, type: 'AsymmetricX509Cert', usage: 'Verify' }), expect.objectContaining({ thumbprint: T_NEXT })] },
    servicePrincipal: { id: APP_SP },
    sharedServicePrincipal: { id: EXO_SP, keyCredentials: [expect.objectContaining({ thumbprint: thumbprintOf(other.certPem) })] },
    requests: 4,
    summary: { total: 6, passed: 6, failed: 0, warnings: 0, notChecked: 0 },
    ok: true,
  });
  expect(json.entra.checks.map((c: { check: string; outcome: string }) => [c.check, c.outcome])).toEqual([
    ['application', 'ok'],
    ['current-certificate', 'ok'],
    ['next-certificate', 'ok'],
    ['permission-requested', 'ok'],
    ['admin-consent', 'ok'],
    ['shared-service-principal', 'ok'],
  ]);
  // The keys themselves are not in the report.
  expect(JSON.stringify(json)).not.toContain(current.certPem.split('\n')[1]);
});

test('the current Auth certificate is not a key of the app: FAILED, with the upload as fix', async () => {
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: next.certPem }] }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CURRENT)).toEqual([CURRENT, 'FAILED', 'Entra auth-certificate-not-uploaded', '[1]']);
  expect(checkRow(text, NEXT)[1]).toBe('ok');
  const e = explanation(text, '[1]');
  expect(e).toContain(`The dedicated application ${DEDICATED} has no key for the current Auth certificate ${T_CURRENT} (Get-AuthConfig CurrentCertificateThumbprint)`);
  expect(e).toContain(`Its keys: ${T_NEXT} (AsymmetricX509Cert/Verify, until`);
  expect(e).toContain('.\\ConfigureExchangeHybridApplication.ps1 -UpdateCertificate');
  expect(e).toContain(`Export-Certificate -Cert Cert:\\LocalMachine\\My\\${T_CURRENT} -FilePath auth.cer`);
  expect(e).toContain(`App registrations > ${DEDICATED} > Certificates & secrets > Certificates > Upload certificate`);
  expect(text).toContain('Verification FAILED: 1 of 1 mailbox reads succeeded. Entra: 5 of 6 checks passed, 1 failed.');
});

test('the next Auth certificate is missing: FAILED, saying when it starts to matter', async () => {
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem }] }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, NEXT)).toEqual([NEXT, 'FAILED', 'Entra auth-certificate-not-uploaded', '[1]']);
  expect(explanation(text, '[1]')).toContain(`no key for the next Auth certificate ${T_NEXT} (Get-AuthConfig NextCertificateThumbprint)`);
  expect(explanation(text, '[1]')).toContain('once it becomes the current one (Get-AuthConfig NextCertificateEffectiveDate)');
});

test('without a next certificate in AuthConfig there is no next check', async () => {
  await lab({ next: null });
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem }] }) });
  expect(report.ok).toBe(true);
  expect(text).not.toContain(NEXT);
  expect(text).toContain('Entra: 5 of 5 checks passed.');
});

test('a key that ends before the certificate does: FAILED, delete it and upload again', async () => {
  const early = inDays(1);
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem, endDateTime: early }, { certPem: next.certPem }] }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CURRENT)).toEqual([CURRENT, 'FAILED', 'Entra auth-certificate-key-expires-early', '[1]']);
  const e = explanation(text, '[1]');
  expect(e).toContain(`ends on ${early.replace(/\.\d+Z$/, 'Z')}, before the certificate does (${notAfterOf(current.certPem).replace(/\.\d+Z$/, 'Z')})`);
  expect(e).toContain('delete the key 00000000-0000-4000-8000-000000000000 and upload the certificate again');
});

test('an expired key: FAILED as expired', async () => {
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem, endDateTime: inDays(-1) }, { certPem: next.certPem }] }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CURRENT)).toEqual([CURRENT, 'FAILED', 'Entra auth-certificate-key-expired', '[1]']);
  expect(explanation(text, '[1]')).toContain(`The dedicated application's key for the current Auth certificate ${T_CURRENT} expired on`);
});

test('a key with the thumbprint but not for verifying: FAILED, naming what it is', async () => {
  const { text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem, usage: 'Sign' }, { certPem: next.certPem }] }) });
  expect(checkRow(text, CURRENT)).toEqual([CURRENT, 'FAILED', 'Entra auth-certificate-not-uploaded', '[1]']);
  expect(explanation(text, '[1]')).toContain('A key with this thumbprint is there, but as AsymmetricX509Cert/Sign, not AsymmetricX509Cert/Verify.');
});

test('a key without customKeyIdentifier is matched by the SHA-1 of its key', async () => {
  const { report, text } = await verify({ directory: directory({ appKeys: [{ certPem: current.certPem, customKeyIdentifier: null }, { certPem: next.certPem, customKeyIdentifier: null }] }) });
  expect(report.ok).toBe(true);
  expect(checkRow(text, CURRENT)[1]).toBe('ok');
  expect(report.entra?.application?.keyCredentials.map((k) => k.thumbprint)).toEqual([T_CURRENT, T_NEXT]);
});

test('no admin consent: FAILED, with the portal step and the Graph PowerShell command', async () => {
  const { report, text } = await verify({ directory: directory({ assignments: [{ id: 'a2', appRoleId: 'e0000000-1111-2222-3333-444444444444', resourceId: 'graph-sp', resourceDisplayName: 'Microsoft Graph' }] }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CONSENT)).toEqual([CONSENT, 'FAILED', 'Entra no-admin-consent', '[1]']);
  const e = explanation(text, '[1]');
  expect(e).toContain(`the dedicated application's service principal ${APP_SP} has no such app role assignment (it has: Microsoft Graph e0000000-1111-2222-3333-444444444444)`);
  expect(e).toContain(`App registrations > ${DEDICATED} > API permissions > Grant admin consent for the tenant`);
  expect(e).toContain(`New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId ${APP_SP} -PrincipalId ${APP_SP} -ResourceId ${EXO_SP} -AppRoleId ${FULL_ACCESS}`);
});

test('the grant on the second page of assignments is found (nextLink followed)', async () => {
  const assignments = [{ id: 'a2', appRoleId: 'e0000000-1111-2222-3333-444444444444', resourceId: 'graph-sp', resourceDisplayName: 'Microsoft Graph' }, ...GRANTED];
  const { report, cloud } = await verify({ directory: directory({ assignments, pageSize: 1 }) });
  expect(report.ok).toBe(true);
  expect(cloud.directoryRequests.filter((r) => r.includes('appRoleAssignments'))).toEqual([
    `/v1.0/servicePrincipals/${APP_SP}/appRoleAssignments`,
    `/v1.0/servicePrincipals/${APP_SP}/appRoleAssignments?$skiptoken=1`,
  ]);
});

test('a nextLink to another host is not followed: the token goes to the spec\'s Graph only', async () => {
  const assignments = [{ id: 'a2', appRoleId: 'e0000000-1111-2222-3333-444444444444', resourceId: 'graph-sp', resourceDisplayName: 'Microsoft Graph' }, ...GRANTED];
  const { report, text, cloud } = await verify({ directory: directory({ assignments, pageSize: 1, nextLinkOrigin: 'https://graph.example.net' }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CONSENT)).toEqual([CONSENT, 'not checked', 'Graph unexpected-next-link', '[1]']);
  expect(explanation(text, '[1]')).toContain('continues at https://graph.example.net, or past 20 pages: not followed.');
  expect(cloud.directoryRequests.filter((r) => r.includes('appRoleAssignments'))).toHaveLength(1);
});

test('no service principal for the app: FAILED, create it then grant', async () => {
  const { report, text } = await verify({ directory: directory({ withAppServicePrincipal: false }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CONSENT)).toEqual([CONSENT, 'FAILED', 'Entra no-service-principal', '[1]']);
  expect(explanation(text, '[1]')).toContain(`has no service principal (enterprise application) in tenant`);
  expect(explanation(text, '[1]')).toContain(`New-MgServicePrincipal -AppId ${DEDICATED}`);
});

test('full_access_as_app not among the API permissions: a warning, verify still passes', async () => {
  const { report, text } = await verify({ directory: directory({ requiredResourceAccess: [] }) });
  expect(report.ok).toBe(true);
  expect(checkRow(text, REQUESTED)).toEqual([REQUESTED, 'warning', 'Entra full-access-as-app-not-requested', '[1]']);
  expect(explanation(text, '[1]')).toContain('Office 365 Exchange Online > Application permissions > full_access_as_app, then Grant admin consent');
  expect(text).toContain('Verified: all 1 mailbox read succeeded. Entra: 5 of 6 checks passed, 1 warning.');
});

test('the shared service principal still holds the Auth certificate (CVE-2025-53786): a warning with the clean-up, in order', async () => {
  const { report, text } = await verify({ directory: directory({ sharedKeys: [{ certPem: current.certPem }, { certPem: other.certPem }] }) });
  expect(report.ok).toBe(true);
  expect(checkRow(text, SHARED)).toEqual([SHARED, 'warning', 'Entra shared-service-principal-holds-auth-certificate', '[1]']);
  const e = explanation(text, '[1]');
  expect(e).toContain(`still holds the current Auth certificate ${T_CURRENT} as a keyCredential: Microsoft's script removes it once the dedicated application works (its clean-up of CVE-2025-53786).`);
  expect(e).toContain('It holds 1 other key as well.');
  expect(e).toContain(`Once the dedicated application works and every Exchange server runs a build that supports it, run on an Exchange server .\\ConfigureExchangeHybridApplication.ps1 -ResetFirstPartyServicePrincipalKeyCredentials -CertificateInformation ${T_CURRENT}`);
});

test('no application with that appId: FAILED, the app checks not checked with the same explanation, the fix at the spec line', async () => {
  const managed = ['testHybridApps:', `  - applicationIdentifier: ${DEDICATED}`].join('\n');
  const { report, text, cloud, spec } = await verify({ directory: directory({ withApp: false, withAppServicePrincipal: false }), managed });
  expect(report.ok).toBe(false);
  expect(checkRow(text, APPLICATION)).toEqual([APPLICATION, 'FAILED', 'Entra dedicated-app-missing', '[1]']);
  for (const title of [CURRENT, NEXT, REQUESTED, CONSENT]) expect(checkRow(text, title)).toEqual([title, 'not checked', 'Entra dedicated-app-missing', '[1]']);
  expect(checkRow(text, SHARED)[1]).toBe('ok');
  const e = explanation(text, '[1]');
  expect(e).toContain(`has no application with appId ${DEDICATED}, the auth server's ApplicationIdentifier`);
  expect(e).toContain('-FullyConfigureExchangeHybridApplication');
  expect(e).toContain(`(${spec}:6:5)`);
  expect(cloud.directoryRequests).toHaveLength(2);
});

test('an ApplicationIdentifier that is not a GUID: FAILED, and Graph is not asked about it', async () => {
  await lab({ appId: "x') or (1 eq 1" });
  const { report, text, cloud } = await verify();
  expect(report.ok).toBe(false);
  expect(checkRow(text, APPLICATION)).toEqual([APPLICATION, 'FAILED', 'Entra dedicated-app-id-invalid', '[1]']);
  expect(cloud.directoryRequests).toEqual([`/v1.0/servicePrincipals(appId='${EXO}')?$select=id,appId,displayName,keyCredentials`]);
});

test('the verify app lacks Application.Read.All: one refused read, its own diagnosis, no crash', async () => {
  const { report, text, cloud } = await verify({ cloud: { roles: ['Mail.Read'] } });
  expect(report.ok).toBe(false);
  expect(report.mailboxes[0].outcome).toBe('success');
  for (const title of [APPLICATION, CURRENT, NEXT, REQUESTED, CONSENT, SHARED]) expect(checkRow(text, title)).toEqual([title, 'not checked', 'Graph Authorization_RequestDenied', '[1]']);
  const e = explanation(text, '[1]');
  expect(e).toContain('Graph refused to read the dedicated application');
  expect(e).toContain("The token's roles (Mail.Read) include none that reads applications (Application.Read.All");
  expect(e).toContain('Microsoft Graph > Application permissions > Application.Read.All, then Grant admin consent');
  expect(cloud.directoryRequests).toHaveLength(1);
  expect(text).toContain('Verification FAILED: 1 of 1 mailbox reads succeeded. Entra: 0 of 6 checks passed, 6 not checked.');
});

test('Graph fails on one read: the check that needs it is not checked, the others are made', async () => {
  const { report, text } = await verify({ directory: directory({ fault: { on: 'appRoleAssignments', status: 500, code: 'InternalServerError', message: 'Something broke.' } }) });
  expect(report.ok).toBe(false);
  expect(checkRow(text, CONSENT)).toEqual([CONSENT, 'not checked', 'Graph InternalServerError', '[1]']);
  expect(explanation(text, '[1]')).toContain('Reading the app role assignments of 44444444-5555-6666-7777-888888888888 failed: Graph answered 500 InternalServerError: Something broke.');
  for (const title of [APPLICATION, CURRENT, NEXT, REQUESTED, SHARED]) expect(checkRow(text, title)[1]).toBe('ok');
});

test('the live state gives no appId (the auth server has none yet): not checked, verify as before', async () => {
  await lab({ appId: null });
  const { report, text, cloud } = await verify();
  expect(report.ok).toBe(true);
  expect(report.entra).toMatchObject({ status: 'not-checked', input: null, checks: [], ok: true });
  expect(text).toContain("Entra:  not checked: The live state does not give the dedicated application's appId (the auth server has no ApplicationIdentifier: Set-AuthServer -ApplicationIdentifier).");
  expect(text).toContain('Verified: all 1 mailbox read succeeded. Entra: not checked.');
  expect(text).not.toContain('ENTRA CHECK');
  expect(cloud.directoryRequests).toEqual([]);
});

test('facts come from every kind with the hook: without the Auth certificate kind, not checked', async () => {
  const { report } = await verify({ registry: withKinds(BUILT_IN_WITHOUT_FACTS, testHybridApp) });
  expect(report.entra?.status).toBe('not-checked');
  expect(report.entra?.reason).toContain("the Auth certificate's thumbprint (Get-AuthConfig CurrentCertificateThumbprint)");
});

test('a live state that cannot be read: not checked with the reason, the mailbox reads still made', async () => {
  await fs.rm(join(dir, 'lab'), { recursive: true, force: true });
  const { report, text } = await verify();
  expect(report.ok).toBe(true);
  expect(report.mailboxes[0].outcome).toBe('success');
  expect(text).toContain(`Entra:  not checked: The live state could not be read through the spec's target (lab ${join(dir, 'lab')}): There is no lab at ${join(dir, 'lab')}`);
});

test('no token: the Entra checks are not attempted', async () => {
  const { report, text, cloud } = await verify({ env: { HYBRIDCFG_CLIENT_SECRET: 'wrong' } });
  expect(report.ok).toBe(false);
  expect(report.entra).toMatchObject({ status: 'not-attempted', input: { dedicatedAppId: DEDICATED } });
  expect(text).toContain('Entra:  not attempted: No token was issued (see Token above), so Graph was not asked.');
  expect(cloud.directoryRequests).toEqual([]);
});

test('a spec that manages no kind with verify facts (the Graph app-only scenario): no entra section, no directory read', async () => {
  const { report, text, cloud } = await verify({ registry: REGISTRY, managed: '' });
  expect(report.entra).toBeNull();
  expect(text).not.toContain('Entra');
  expect(text).toContain('Verified: all 1 mailbox read succeeded.');
  expect(cloud.directoryRequests).toEqual([]);
});
