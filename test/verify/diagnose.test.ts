import { parseSpec } from '../helpers/spec';
import { diagnoseExchange, diagnoseGraphAnswer, diagnoseRoles, diagnoseTokenFailure, retryAfterSeconds, type DiagnoseContext } from '../../src/verify/diagnose';
import { parseMsDiagnostics } from '../../src/verify/headers';

const SPEC = [
  'apiVersion: hybridcfg/v1',
  'kind: HybridOAuth',
  'target: { lab: ./lab }',
  'servers: all',
  'verify:',
  '  tenantId: 11111111-2222-3333-4444-555555555555',
  '  clientId: 66666666-7777-8888-9999-000000000000',
  '  clientSecretEnv: APP_SECRET',
  '  mailboxes: [a@contoso.com]',
  '',
].join('\n');

const loaded = parseSpec(SPEC, '/specs/hybridcfg.yaml');
const ctx: DiagnoseContext = { loaded, verify: loaded.spec.verify!, credential: 'clientSecret' };

test('every documented x-ms-diagnostics code 2000000..2000009 has its own cause and fix', () => {
  const seen = new Set<string>();
  for (let code = 2000000; code <= 2000009; code++) {
    const d = diagnoseExchange(ctx, parseMsDiagnostics(`${code};reason="r${code}";error_category="c"`)!);
    expect(d.source).toBe('exchange');
    expect(d.code).toBe(String(code));
    expect(d.cause).toContain(`Exchange said: "r${code}"`);
    expect(d.cause).not.toMatch(/^Exchange refused the token \(code/); // i.e. not the fallback for unknown codes
    seen.add(d.cause.split(' Exchange said:')[0] + '|' + d.fix);
  }
  expect(seen.size).toBe(10);
});

test('an undocumented code is reported with its number and category, not guessed at', () => {
  const d = diagnoseExchange(ctx, parseMsDiagnostics('2000042;error_category="weird"')!);
  expect(d.cause).toBe('Exchange refused the token (code 2000042, weird).');
});

test('2000008 naming another partner application points at that application', () => {
  const d = diagnoseExchange(
    ctx,
    parseMsDiagnostics(`2000008;reason="... partner application 'aaaaaaaa-0000-0000-0000-000000000000'.";error_category="invalid_grant"`)!,
  );
  expect(d.cause).toContain('aaaaaaaa-0000-0000-0000-000000000000 has no AppOnlyPermissions');
  expect(d.fix).toContain('- applicationIdentifier: aaaaaaaa-0000-0000-0000-000000000000');
});

test('roles: none is missing consent; roles without a mail role say which are there', () => {
  expect(diagnoseRoles(ctx, null)?.code).toBe('no-roles');
  expect(diagnoseRoles(ctx, [])?.code).toBe('no-roles');
  expect(diagnoseRoles(ctx, ['User.Read.All'])?.cause).toContain('(User.Read.All) include none that reads mail');
  for (const r of ['Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.ReadWrite']) expect(diagnoseRoles(ctx, [r])).toBeNull();
});

test('an unknown AADSTS code links to the lookup page; a network failure names the CA variable', () => {
  const other = diagnoseTokenFailure(ctx, { aadsts: '123456', errorCode: 'invalid_request', message: 'AADSTS123456: something', network: false });
  expect(other.code).toBe('AADSTS123456');
  expect(other.fix).toContain('https://login.microsoftonline.com/error?code=123456');
  const net = diagnoseTokenFailure(ctx, { errorCode: 'timeout', message: 'no answer within 30 s', network: true });
  expect(net).toMatchObject({ source: 'network', code: 'timeout' });
  expect(net.fix).toContain('HYBRIDCFG_CA_FILE');
});

test('a 401 with only Exchange\'s challenge is on-premises; Graph\'s own 401 is not', () => {
  const exchange = diagnoseGraphAnswer(
    ctx,
    0,
    { status: 401, headers: { 'www-authenticate': 'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", error="invalid_token"' }, body: '' },
    ['Mail.Read'],
    0,
  );
  expect(exchange.onPremises).toBe(true);
  expect(exchange.diagnosis).toMatchObject({ source: 'exchange', code: 'invalid_token' });
  const graph = diagnoseGraphAnswer(
    ctx,
    0,
    { status: 401, headers: { 'www-authenticate': 'Bearer realm=""' }, body: '{"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure."}}' },
    ['Mail.Read'],
    0,
  );
  expect(graph.onPremises).toBe(false);
  expect(graph.diagnosis).toMatchObject({ source: 'graph', code: 'InvalidAuthenticationToken' });
});

test('ErrorAccessDenied with a mail role points at application access policies', () => {
  const d = diagnoseGraphAnswer(ctx, 0, { status: 403, headers: {}, body: '{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}' }, ['Mail.Read'], 0);
  expect(d.diagnosis?.fix).toContain('Test-ApplicationAccessPolicy');
});

test('Retry-After: seconds, an HTTP date, nonsense', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  expect(retryAfterSeconds('7', now)).toBe(7);
  expect(retryAfterSeconds('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
  expect(retryAfterSeconds('soon', now)).toBeUndefined();
  expect(retryAfterSeconds(undefined, now)).toBeUndefined();
});
