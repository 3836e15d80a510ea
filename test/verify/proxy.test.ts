/**
 * `hybridcfg verify` behind a proxy, as on a runner in a customer network: HTTPS_PROXY / https_proxy
 * send msal's requests to the identity provider and the Graph reads through a CONNECT proxy, NO_PROXY /
 * no_proxy send them direct, and a proxy that refuses or is not there is diagnosed by name. The proxy
 * (proxy-server.ts) and the cloud (idp-server.ts) both listen on 127.0.0.1.
 */
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startProxy, type LoopbackProxy, type ProxyOptions } from './proxy-server';
import { runCli, SECRET, withCloud, workdir, writeSpec } from './harness';
import type { FakeCloud } from './idp-server';

const { dir, tls } = workdir();
const CA = join(dir, 'server.pem');
const MAILBOX = 'onprem.user@contoso.com';
const base = { HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: CA };

async function withProxy<T>(opts: ProxyOptions, fn: (proxy: LoopbackProxy) => Promise<T>): Promise<T> {
  const proxy = await startProxy(opts);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

const hostOf = (cloud: FakeCloud): string => new URL(cloud.url).host;

test('HTTPS_PROXY: the token and the Graph read both go through the proxy, with its credentials, and verify succeeds', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({ credentials: 'svc-proxy:p@ss word' }, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const proxyUrl = `http://svc-proxy:p%40ss%20word@127.0.0.1:${proxy.port}`;
      const r = await runCli(['verify'], dir, { ...base, HTTPS_PROXY: proxyUrl });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      // Every request opened a tunnel to the loopback cloud, authenticated; none went around the proxy.
      expect(proxy.connects.length).toBeGreaterThanOrEqual(2);
      expect(new Set(proxy.connects.map((c) => [c.target, c.status, c.credentials].join(' ')))).toEqual(
        new Set([`${hostOf(cloud)} 200 svc-proxy:p@ss word`]),
      );
      expect(cloud.tokenRequests).toHaveLength(1);
      expect(cloud.graphRequests.map((g) => g.mailbox)).toEqual([MAILBOX]);
      expect(r.stdout).toContain(`Proxy:  http://127.0.0.1:${proxy.port} from HTTPS_PROXY; identity provider through http://127.0.0.1:${proxy.port}, Graph through`);
      // The proxy's password is a secret too.
      expect(r.stdout).not.toContain('p@ss');
      expect(r.stdout).not.toContain('p%40ss');
    });
  });
});

test('--json says which way each endpoint went, and lower-case https_proxy wins over HTTPS_PROXY', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({}, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify', '--json'], dir, { ...base, https_proxy: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:9' });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).network).toEqual({ proxy: proxy.url, proxyFrom: 'https_proxy', authorityHost: 'proxy', graphEndpoint: 'proxy' });
      expect(proxy.connects.length).toBeGreaterThanOrEqual(2);
      expect(proxy.connects.every((c) => c.target === hostOf(cloud) && c.status === 200)).toBe(true);
    });
  });
});

test.each([
  ['NO_PROXY', '127.0.0.1'],
  ['no_proxy', 'login.contoso.com, 127.0.0.0/8'],
  ['NO_PROXY', '*'],
])('%s=%s: requests bypass the proxy and go direct', async (name, value) => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({ refuse: () => true }, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify'], dir, { ...base, HTTPS_PROXY: proxy.url, [name]: value });
      expect(r.code).toBe(0);
      expect(proxy.connects).toEqual([]);
      expect(cloud.graphRequests).toHaveLength(1);
      expect(r.stdout).toContain(`identity provider direct (${name}), Graph direct (${name})`);
    });
  });
});

test('NO_PROXY for another port of the same host does not bypass the proxy', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({}, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify'], dir, { ...base, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1:1' });
      expect(r.code).toBe(0);
      expect(proxy.connects.length).toBeGreaterThan(0);
    });
  });
});

test('a proxy that refuses the tunnel: a network diagnosis that names the proxy and its variable, and no request reaches the cloud', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({ refuse: () => true }, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify', '--json'], dir, { ...base, HTTPS_PROXY: proxy.url });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.token.diagnosis).toMatchObject({
        source: 'network',
        code: 'proxy-refused',
        cause: expect.stringContaining(`the proxy ${proxy.url} (from HTTPS_PROXY) refused to open a tunnel to ${hostOf(cloud)}: 403 Forbidden`),
        fix: expect.stringContaining('NO_PROXY'),
      });
      expect(report.mailboxes.map((m: { outcome: string }) => m.outcome)).toEqual(['not-attempted']);
      expect(cloud.tokenRequests).toEqual([]);
      expect(proxy.connects.map((c) => c.status)).toContain(403);
    });
  });
});

test('a proxy that wants credentials (407): the diagnosis says where to put them', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    await withProxy({ credentials: 'u:p' }, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify'], dir, { ...base, https_proxy: proxy.url });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`the proxy ${proxy.url} (from https_proxy) refused to open a tunnel to ${hostOf(cloud)}: 407 Proxy Authentication Required`);
      expect(r.stdout).toContain(`put them in https_proxy as http://USER:PASSWORD@127.0.0.1:${proxy.port}`);
    });
  });
});

test('a proxy that is not there: the diagnosis names it, and says ECONNREFUSED', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
    const r = await runCli(['verify', '--json'], dir, { ...base, HTTPS_PROXY: `127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).token.diagnosis).toMatchObject({
      source: 'network',
      code: 'proxy-unreachable',
      cause: expect.stringContaining(`could not reach the proxy http://127.0.0.1:${port} (from HTTPS_PROXY) to open a tunnel to ${hostOf(cloud)}: ECONNREFUSED`),
    });
    expect(cloud.tokenRequests).toEqual([]);
  });
});

test('a proxy that lets the sign-in through but refuses Graph: the mailbox fails with the proxy named', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    // The same loopback host serves both; refuse once a token has been issued, i.e. the Graph read.
    await withProxy({ refuse: () => cloud.issuedTokens.length > 0 }, async (proxy) => {
      writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
      const r = await runCli(['verify', '--json'], dir, { ...base, HTTPS_PROXY: proxy.url });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.token.acquired).toBe(true);
      expect(report.mailboxes[0]).toMatchObject({
        outcome: 'failure',
        status: null,
        diagnosis: { source: 'network', code: 'proxy-refused', cause: expect.stringContaining(`the proxy ${proxy.url} (from HTTPS_PROXY) refused`), fix: expect.stringContaining('NO_PROXY') },
      });
      expect(cloud.graphRequests).toEqual([]);
    });
  });
});

test('a proxy variable that cannot be used is an error naming the variable, before any request', async () => {
  await withCloud(tls, { mailboxes: { [MAILBOX]: { kind: 'ok' } } }, async (cloud) => {
    writeSpec(dir, cloud, { mailboxes: [MAILBOX] });
    const r = await runCli(['verify'], dir, { ...base, HTTPS_PROXY: 'socks5://127.0.0.1:1080' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The proxy setting HTTPS_PROXY cannot be used');
    expect(r.stderr).toContain("give the proxy's http:// address");
    expect(cloud.tokenRequests).toEqual([]);
  });
});
