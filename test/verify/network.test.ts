/** No answer from the identity provider or Graph: a diagnosis, never a hang or a crash. */
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { parseSpec } from '../helpers/spec';
import { runVerify } from '../../src/verify';
import { renderVerifyText } from '../../src/views/verify';
import { CLIENT, SECRET, TENANT, withCloud, workdir } from './harness';

const { tls } = workdir();

function spec(authorityHost: string, graphEndpoint: string) {
  return parseSpec(
    [
      'apiVersion: hybridcfg/v1',
      'kind: HybridOAuth',
      'target: { lab: ./lab }',
      'servers: all',
      'verify:',
      `  tenantId: ${TENANT}`,
      `  clientId: ${CLIENT}`,
      '  clientSecretEnv: S',
      '  mailboxes: [a@contoso.com]',
      `  authorityHost: ${authorityHost}`,
      `  graphEndpoint: ${graphEndpoint}`,
      '',
    ].join('\n'),
    '/specs/hybridcfg.yaml',
  );
}

test('an identity provider that accepts the connection and never answers: timeout, reported as a network failure', async () => {
  const silent = createTlsServer({ cert: tls.certPem, key: tls.keyPem }, () => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  try {
    const report = await runVerify(spec(url, url), { env: { S: SECRET }, caCerts: tls.certPem, timeoutMs: 300 });
    expect(report.ok).toBe(false);
    expect(report.token.acquired).toBe(false);
    expect(report.token.diagnosis).toMatchObject({ source: 'network', code: 'timeout' });
    expect(report.mailboxes.map((m) => m.outcome)).toEqual(['not-attempted']);
    expect(renderVerifyText(report, { color: false })).toContain('network timeout');
  } finally {
    silent.close();
  }
});

test('an untrusted TLS certificate (no CA given): a network failure that says how to trust a CA', async () => {
  await withCloud(tls, { mailboxes: {} }, async (cloud) => {
    const report = await runVerify(spec(cloud.url, cloud.url), { env: { S: SECRET } });
    expect(report.token.diagnosis?.source).toBe('network');
    expect(report.token.diagnosis?.fix).toContain('HYBRIDCFG_CA_FILE');
    expect(cloud.tokenRequests).toEqual([]);
  });
});

test('Graph unreachable after a token was issued: the mailbox fails with a network diagnosis', async () => {
  const closed = createNetServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await withCloud(tls, { mailboxes: {} }, async (cloud) => {
    const report = await runVerify(spec(cloud.url, `https://127.0.0.1:${port}`), { env: { S: SECRET }, caCerts: tls.certPem });
    expect(report.token.acquired).toBe(true);
    expect(report.mailboxes[0]).toMatchObject({ outcome: 'failure', status: null, diagnosis: { source: 'network', code: 'ECONNREFUSED' } });
    expect(report.ok).toBe(false);
  });
});
