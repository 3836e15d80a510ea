/**
 * `hybridcfg verify` end to end through the CLI, against the loopback identity provider and Graph:
 * one test per answer a user can meet, checked the way a user would read it.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeAppCert } from './certs';
import { DIAG_2000008 } from './idp-server';
import { CLIENT, runCli, SECRET, TENANT, withCloud, workdir, writeSpec, type Captured } from './harness';

const { dir, tls } = workdir();
const CA = join(dir, 'server.pem');
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: CA, ...extra });
const ONPREM = 'onprem.user@contoso.com';
const CLOUD = 'cloud.user@contoso.com';

/** 1-based line of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  return readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text)) + 1;
}

/** The table row of a mailbox, split into its columns. */
function row(out: string, mailbox: string): string[] {
  const line = out.split('\n').find((l) => l.startsWith(mailbox + ' '));
  if (!line) throw new Error(`no row for ${mailbox} in:\n${out}`);
  return line.split(/\s{2,}/);
}

function noStackTrace(r: Captured): void {
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  expect(r.stderr).not.toContain('failed unexpectedly');
}

test('every mailbox readable: exit 0, a row per mailbox, one small read per mailbox with the address URL-encoded', async () => {
  const tagged = 'first+tag@contoso.com';
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'ok' }, [tagged]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM, tagged] });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(0);
    expect(row(r.stdout, ONPREM)).toEqual([ONPREM, 'ok', '200', '-', '-']);
    expect(row(r.stdout, tagged)).toEqual([tagged, 'ok', '200', '-', '-']);
    expect(r.stdout).toContain('Verified: all 2 mailbox reads succeeded.');
    expect(cloud.graphRequests).toEqual([
      { mailbox: ONPREM, query: '?$top=1&$select=id' },
      { mailbox: tagged, query: '?$top=1&$select=id' },
    ]);
    expect(cloud.tokenRequests).toEqual([{ auth: 'secret', scope: `${cloud.url}/.default` }]);
    noStackTrace(r);
  });
});

test('wrong client secret: AADSTS7000215, names the variable and its spec line, Graph is not called', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM] });
    const r = await runCli(['verify'], dir, env({ HYBRIDCFG_CLIENT_SECRET: 'not-the-secret' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Token:  NOT acquired: identity provider AADSTS7000215');
    expect(r.stdout).toContain('rejected the client secret');
    expect(r.stdout).toContain('HYBRIDCFG_CLIENT_SECRET');
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'clientSecretEnv')}:3`);
    expect(row(r.stdout, ONPREM)).toEqual([ONPREM, 'not attempted', '-', 'no token', '[1]']);
    expect(cloud.graphRequests).toEqual([]);
    noStackTrace(r);
  });
});

test('expired client secret: AADSTS7000222 says to create a new secret', async () => {
  await withCloud(tls, { expiredSecret: 'old-secret-value', mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM] });
    const r = await runCli(['verify'], dir, env({ HYBRIDCFG_CLIENT_SECRET: 'old-secret-value' }));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AADSTS7000222');
    expect(r.stdout).toContain('The client secret has expired.');
    expect(r.stdout).toContain('Create a new client secret');
  });
});

test('unknown app: AADSTS700016 points at clientId', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    const other = '99999999-7777-8888-9999-000000000000';
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], clientId: other });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AADSTS700016');
    expect(r.stdout).toContain(`No application with client id ${other}`);
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'clientId:')}:`);
  });
});

test('unknown tenant: says the tenant is not known and points at tenantId', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], tenantId: 'fabrikam.onmicrosoft.com' });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AADSTS90002');
    expect(r.stdout).toContain('does not know the tenant fabrikam.onmicrosoft.com');
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'tenantId:')}:`);
  });
});

test('missing admin consent (no roles claim): reported as such, and Graph denial explained by it', async () => {
  await withCloud(tls, { roles: null, mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM] });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Token:  acquired');
    expect(r.stdout).toContain('no roles claim');
    expect(r.stdout).toContain('admin consent for the app\'s application permissions is missing');
    expect(row(r.stdout, ONPREM).slice(0, 4)).toEqual([ONPREM, 'FAILED', '403', 'Graph ErrorAccessDenied']);
    expect(r.stdout).toContain('Grant admin consent');
  });
});

test('2000008 from Exchange: names the spec line of the Graph partner app\'s appOnlyPermissions', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'exchange', diagnostics: DIAG_2000008 }, [CLOUD]: { kind: 'ok' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM, CLOUD] });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(row(r.stdout, ONPREM).slice(0, 4)).toEqual([ONPREM, 'FAILED', '401', 'Exchange 2000008']);
    expect(row(r.stdout, CLOUD)).toEqual([CLOUD, 'ok', '200', '-', '-']);
    expect(r.stdout).toContain('"Microsoft Graph" (00000003-0000-0000-c000-000000000000) has no AppOnlyPermissions');
    expect(r.stdout).toContain(`at ${spec}:${lineOf(spec, 'appOnlyPermissions')}:5`);
    expect(r.stdout).toContain('The token should have valid permissions or linked account associated with partner application');
    expect(r.stdout).toContain('Note: Microsoft has deprecated hybrid REST access');
    expect(r.stdout).toContain('Verification FAILED: 1 of 2 mailbox reads succeeded.');
  });
});

test('2000008 with a spec that does not manage the Graph partner app or the REST web.config: says what to add', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'exchange', diagnostics: DIAG_2000008 } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM], managed: '' });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The spec does not manage the partner application "Microsoft Graph"');
    expect(r.stdout).toContain('- applicationIdentifier: 00000003-0000-0000-c000-000000000000');
    expect(r.stdout).toContain('appOnlyPermissions: { sameAs: actAsPermissions }');
    expect(r.stdout).toContain('the web.config profile may be missing');
    expect(r.stdout).toContain('OAuthHttpModule.Profiles: { include: [V1S2SAppOnly] }');
  });
});

test('2000008 with a Graph partner app entry that lacks appOnlyPermissions: points at the entry', async () => {
  const managed = ['partnerApplications:', '  - applicationIdentifier: 00000003-0000-0000-c000-000000000000', '    enabled: true'].join('\n');
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'exchange', diagnostics: DIAG_2000008 } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], managed });
    const r = await runCli(['verify'], dir, env());
    expect(r.stdout).toContain(
      `Add "appOnlyPermissions: { sameAs: actAsPermissions }" to the partner application "Microsoft Graph" (00000003-0000-0000-c000-000000000000) at ${spec}:${lineOf(spec, 'applicationIdentifier')}:`,
    );
  });
});

test('other x-ms-diagnostics codes: the token-expired and certificate causes', async () => {
  const mailboxes = {
    'a@contoso.com': { kind: 'exchange' as const, diagnostics: '2000002;reason="The token has expired.";error_category="token_expired"' },
    'b@contoso.com': { kind: 'exchange' as const, diagnostics: '2000009;reason="The \\"certificate\\" is invalid; see Get-AuthConfig";error_category="invalid_certificate"' },
  };
  await withCloud(tls, { mailboxes }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: Object.keys(mailboxes) });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(row(r.stdout, 'a@contoso.com')[3]).toBe('Exchange 2000002');
    expect(r.stdout).toContain("Exchange server's clock is off");
    expect(row(r.stdout, 'b@contoso.com')[3]).toBe('Exchange 2000009');
    expect(r.stdout).toContain('Renew the OAuth certificate');
    expect(r.stdout).toContain('Exchange said: "The "certificate" is invalid; see Get-AuthConfig"');
  });
});

test('Graph UnknownError for an on-premises mailbox: both fixes with spec lines, and the deprecation note', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'graph-error', status: 500, code: 'UnknownError', message: '' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM] });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(row(r.stdout, ONPREM).slice(0, 4)).toEqual([ONPREM, 'FAILED', '500', 'Graph UnknownError']);
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'appOnlyPermissions')}:5`);
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'OAuthHttpModule.Profiles')}:7`);
    expect(r.stdout).toContain('Note: Microsoft has deprecated hybrid REST access');
    expect(r.stdout).not.toContain('Verified');
  });
});

test('MailboxNotEnabledForRESTAPI: reported with the deprecation note', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'graph-error', status: 404, code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM] });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(row(r.stdout, ONPREM)[3]).toBe('Graph MailboxNotEnabledForRESTAPI');
    expect(r.stdout).toContain('Note: Microsoft has deprecated hybrid REST access');
  });
});

test('429: one retry honouring Retry-After; a second 429 is reported, not retried again', async () => {
  const mailboxes = {
    'once@contoso.com': { kind: 'throttle' as const, times: 1, retryAfter: '0', then: { kind: 'ok' as const } },
    'always@contoso.com': { kind: 'throttle' as const, times: 100, retryAfter: '0', then: { kind: 'ok' as const } },
    'long@contoso.com': { kind: 'throttle' as const, times: 100, retryAfter: '3600', then: { kind: 'ok' as const } },
  };
  await withCloud(tls, { mailboxes }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: Object.keys(mailboxes) });
    const r = await runCli(['verify'], dir, env());
    expect(r.code).toBe(1);
    expect(row(r.stdout, 'once@contoso.com').slice(0, 3)).toEqual(['once@contoso.com', 'ok', '200 (2 tries)']);
    expect(row(r.stdout, 'always@contoso.com').slice(0, 4)).toEqual(['always@contoso.com', 'FAILED', '429 (2 tries)', 'Graph TooManyRequests']);
    expect(row(r.stdout, 'long@contoso.com').slice(0, 3)).toEqual(['long@contoso.com', 'FAILED', '429']);
    expect(r.stdout).toContain('it asked to wait 3600 s');
    const count = (m: string): number => cloud.graphRequests.filter((g) => g.mailbox === m).length;
    expect([count('once@contoso.com'), count('always@contoso.com'), count('long@contoso.com')]).toEqual([2, 2, 1]);
  });
});

test('certificate credential: signs a PS256 assertion the identity provider accepts', async () => {
  const app = makeAppCert(dir, 'app');
  await withCloud(tls, { certificatePem: app.certPem, mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM], credential: '  certificate: { certificateFile: app.pem, privateKeyFile: app.key }' });
    const r = await runCli(['verify'], dir, { HYBRIDCFG_CA_FILE: CA });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('signing in with a certificate');
    expect(cloud.tokenRequests.map((t) => t.auth)).toEqual(['assertion']);
  });
});

test('certificate not registered on the app: AADSTS700027 names the thumbprint and the certificate line', async () => {
  const registered = makeAppCert(dir, 'registered');
  const used = makeAppCert(dir, 'used');
  await withCloud(tls, { certificatePem: registered.certPem, mailboxes: { [ONPREM]: { kind: 'ok' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], credential: '  certificate:\n    certificateFile: used.pem\n    privateKeyFile: used.key' });
    const r = await runCli(['verify'], dir, { HYBRIDCFG_CA_FILE: CA });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('AADSTS700027');
    expect(r.stdout).toContain(new X509Certificate(used.certPem).fingerprint256.replace(/:/g, ''));
    expect(r.stdout).toContain(`${spec}:${lineOf(spec, 'certificateFile')}:`);
  });
});

test('--json: the documented, versioned shape', async () => {
  await withCloud(tls, { mailboxes: { [ONPREM]: { kind: 'exchange', diagnostics: DIAG_2000008 }, [CLOUD]: { kind: 'ok' } } }, async (cloud) => {
    const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM, CLOUD] });
    const r = await runCli(['verify', 'hybridcfg.yaml', '--json'], dir, env());
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      formatVersion: 2,
      tool: { name: 'hybridcfg' },
      spec: { path: spec },
      tenantId: TENANT,
      clientId: CLIENT,
      credential: 'clientSecret',
      authorityHost: cloud.url,
      graphEndpoint: cloud.url,
      token: { acquired: true, roles: ['Mail.Read'], mailRoles: ['Mail.Read'], diagnosis: null },
      summary: { total: 2, succeeded: 1, failed: 1 },
      entra: null,
      ok: false,
    });
    expect(report.mailboxes).toEqual([
      {
        mailbox: ONPREM,
        outcome: 'failure',
        status: 401,
        attempts: 1,
        diagnosis: {
          source: 'exchange',
          code: '2000008',
          cause: expect.stringContaining('has no AppOnlyPermissions'),
          fix: expect.stringContaining('hybridcfg apply'),
          refs: [{ pointer: '/partnerApplications/0/appOnlyPermissions', file: spec, line: lineOf(spec, 'appOnlyPermissions'), col: 5 }],
        },
        evidence: { wwwAuthenticate: expect.stringContaining('Bearer client_id="00000002-0000-0ff1-ce00-000000000000"'), xMsDiagnostics: DIAG_2000008 },
      },
      { mailbox: CLOUD, outcome: 'success', status: 200, attempts: 1, diagnosis: null, evidence: { requestId: expect.any(String) } },
    ]);
    expect(report.notes).toEqual([expect.stringContaining('deprecated hybrid REST access')]);
    expect(Number.isNaN(Date.parse(report.startedAt))).toBe(false);
  });
});

test('the secret, the token and the private key never appear in any output', async () => {
  const app = makeAppCert(dir, 'secretive');
  const outputs: string[] = [];
  await withCloud(tls, { certificatePem: app.certPem, expiredSecret: 'expired-but-still-secret', mailboxes: { [ONPREM]: { kind: 'exchange', diagnostics: DIAG_2000008 }, [CLOUD]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [ONPREM, CLOUD] }, 'secret.yaml');
    writeSpec(dir, cloud, { mailboxes: [ONPREM, CLOUD], credential: '  certificate: { certificateFile: secretive.pem, privateKeyFile: secretive.key }' }, 'cert.yaml');
    for (const json of [[], ['--json']]) {
      for (const r of [
        await runCli(['verify', 'secret.yaml', ...json], dir, env()),
        await runCli(['verify', 'secret.yaml', ...json], dir, env({ HYBRIDCFG_CLIENT_SECRET: 'expired-but-still-secret' })),
        await runCli(['verify', 'secret.yaml', ...json], dir, env({ HYBRIDCFG_CLIENT_SECRET: `${SECRET}-wrong` })),
        await runCli(['verify', 'cert.yaml', ...json], dir, env()),
      ]) {
        outputs.push(r.stdout, r.stderr);
      }
    }
    expect(cloud.issuedTokens.length).toBeGreaterThan(0);
    const all = outputs.join('\n');
    expect(all).toContain('Exchange 2000008'); // the runs did produce reports
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('expired-but-still-secret');
    for (const t of cloud.issuedTokens) {
      for (const part of t.split('.').slice(1)) expect(all).not.toContain(part);
    }
    for (const line of app.keyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) expect(all).not.toContain(line);
  });
});

describe('bad input: a diagnostic with the place and the way out, exit 1, no stack trace', () => {
  test('the secret variable is not set', async () => {
    await withCloud(tls, { mailboxes: {} }, async (cloud) => {
      const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM] });
      const r = await runCli(['verify'], dir, { HYBRIDCFG_CA_FILE: CA });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('Error: The environment variable HYBRIDCFG_CLIENT_SECRET is not set');
      expect(r.stderr).toContain(`at ${spec}:${lineOf(spec, 'clientSecretEnv')}:`);
      expect(cloud.tokenRequests).toEqual([]);
      noStackTrace(r);
    });
  });

  test('the certificate file cannot be read', async () => {
    await withCloud(tls, { mailboxes: {} }, async (cloud) => {
      const spec = writeSpec(dir, cloud, { mailboxes: [ONPREM], credential: '  certificate: { certificateFile: missing.pem, privateKeyFile: app.key }' });
      const r = await runCli(['verify'], dir, env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Cannot read the certificate file ${join(dir, 'missing.pem')}: no such file`);
      expect(r.stderr).toContain(`at ${spec}:${lineOf(spec, 'certificateFile')}:`);
      noStackTrace(r);
    });
  });

  test('certificate and key that do not match', async () => {
    const a = makeAppCert(dir, 'pair-a');
    makeAppCert(dir, 'pair-b');
    await withCloud(tls, { certificatePem: a.certPem, mailboxes: {} }, async (cloud) => {
      writeSpec(dir, cloud, { mailboxes: [ONPREM], credential: '  certificate: { certificateFile: pair-a.pem, privateKeyFile: pair-b.key }' });
      const r = await runCli(['verify'], dir, env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Error: The private key ${join(dir, 'pair-b.key')} does not belong to the certificate ${join(dir, 'pair-a.pem')}`);
      expect(cloud.tokenRequests).toEqual([]);
      noStackTrace(r);
    });
  });

  test('a key file that holds no key', async () => {
    makeAppCert(dir, 'nokey');
    writeFileSync(join(dir, 'garbage.key'), 'not a key\n');
    await withCloud(tls, { mailboxes: {} }, async (cloud) => {
      writeSpec(dir, cloud, { mailboxes: [ONPREM], credential: '  certificate: { certificateFile: nokey.pem, privateKeyFile: garbage.key }' });
      const r = await runCli(['verify'], dir, env());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('holds no usable private key');
      noStackTrace(r);
    });
  });

  test('no verify section', async () => {
    const spec = join(dir, 'noverify.yaml');
    writeFileSync(spec, 'apiVersion: hybridcfg/v1\nkind: HybridOAuth\ntarget: { lab: ./lab }\nservers: all\n');
    const r = await runCli(['verify', 'noverify.yaml'], dir, env());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error: The spec ${spec} has no verify section`);
    expect(r.stderr).toContain('clientSecretEnv: HYBRIDCFG_CLIENT_SECRET');
    noStackTrace(r);
  });
});
