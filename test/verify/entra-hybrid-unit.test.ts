/**
 * verify's Entra checks fed by the real kinds (issue 12): after the dedicated hybrid app example is
 * applied to the default lab, the auth server gives the dedicated app's appId and AuthConfig with the
 * servers' certificate stores the Auth certificate, and verify reads the loopback directory for them.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY } from '../../src/resources/registry';
import { loadSpec } from '../../src/session/session';
import { verifySpec } from '../../src/session/verify';
import { renderVerifyText } from '../../src/views/verify';
import { initLab } from '../helpers/targets';
import { runCli as runCliHere } from '../helpers/cli';
import { makeAppCert } from './certs';
import type { FakeDirectory } from './fake-directory';
import { SECRET, withCloud, workdir, writeSpec } from './harness';

const { dir, tls } = workdir();
const ONPREM = 'onprem.user@contoso.com';
const EXO = '00000002-0000-0ff1-ce00-000000000000';
const FULL_ACCESS = 'dc890d15-9560-4a4c-9b7f-a736ec74ec40';
const DEDICATED = '66666666-7777-8888-9999-000000000000';
const EXO_SP = 'e0000000-0000-0000-0000-00000000000e';
const some = makeAppCert(dir, 'key');

/** The example's sections below `servers:` (writeSpec adds the target and the verify section). */
async function managedOfExample(): Promise<string> {
  const text = await fs.readFile(join(__dirname, '..', '..', 'examples', 'specs', 'dedicated-hybrid-app.yaml'), 'utf8');
  return text.slice(text.indexOf('\nservers:') + 1).split('\n').slice(1).join('\n');
}

function tenant(thumbprint: string, keyEnd: string): FakeDirectory {
  return {
    applications: [
      {
        id: 'a0000000-0000-0000-0000-00000000000a',
        appId: DEDICATED,
        displayName: 'ExchangeServerApp',
        keyCredentials: [{ certPem: some.certPem, customKeyIdentifier: thumbprint, endDateTime: keyEnd }],
        requiredResourceAccess: [{ resourceAppId: EXO, resourceAccess: [{ id: FULL_ACCESS, type: 'Role' }] }],
      },
    ],
    servicePrincipals: [
      { id: EXO_SP, appId: EXO, displayName: 'Office 365 Exchange Online', keyCredentials: [], appRoleAssignments: [] },
      {
        id: 'b0000000-0000-0000-0000-00000000000b',
        appId: DEDICATED,
        displayName: 'ExchangeServerApp',
        keyCredentials: [],
        appRoleAssignments: [{ id: 'g1', appRoleId: FULL_ACCESS, resourceId: EXO_SP, resourceDisplayName: 'Office 365 Exchange Online' }],
      },
    ],
  };
}

test('after the example is applied, verify checks the dedicated app named by the auth server against the lab Auth certificate', async () => {
  const lab = join(dir, 'lab');
  await initLab(lab, { servers: ['EX01', 'EX02'], appOnlyExposed: false });
  const store = join(lab, 'servers', 'EX01', 'Cert', 'LocalMachine', 'My');
  const [file] = await fs.readdir(store);
  const cert = JSON.parse(await fs.readFile(join(store, file!), 'utf8')) as { Thumbprint: string; NotAfter: string };
  const managed = await managedOfExample();

  await withCloud(tls, { roles: ['Mail.Read', 'Application.Read.All'], mailboxes: { [ONPREM]: { kind: 'ok' } }, directory: tenant(cert.Thumbprint, '2099-01-01T00:00:00Z') }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], managed });
    expect((await runCliHere(['apply', spec, '--yes'], { cwd: dir })).code).toBe(0);
    const report = await verifySpec(await loadSpec(spec, REGISTRY), { env: { HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: tls.certFile }, cwd: dir });
    expect(report.entra).toMatchObject({ status: 'checked', ok: true, input: { dedicatedAppId: DEDICATED, authCertificates: { current: { thumbprint: cert.Thumbprint } } } });
    expect(renderVerifyText(report, { color: false })).toContain('Entra');
    expect(report.ok).toBe(true);
  });

  // The app's key ends before the Auth certificate does: a finding, and verify fails.
  await withCloud(tls, { roles: ['Mail.Read', 'Application.Read.All'], mailboxes: { [ONPREM]: { kind: 'ok' } }, directory: tenant(cert.Thumbprint, new Date(Date.parse(cert.NotAfter) - 86_400_000).toISOString()) }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], managed });
    const report = await verifySpec(await loadSpec(spec, REGISTRY), { env: { HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: tls.certFile }, cwd: dir });
    expect(report.entra).toMatchObject({ status: 'checked', ok: false });
    expect(report.ok).toBe(false);
  });
}, 60_000);
