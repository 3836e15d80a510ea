/** Reading HTTPS_PROXY / NO_PROXY as curl does: which variable wins, and which hosts go direct. */
import { bypassesProxy, proxyFor, proxyFromEnv } from '../../src/verify/proxy';

const url = (u: string): URL => new URL(u);

test('no proxy variable, or an empty one: direct', () => {
  expect(proxyFromEnv({})).toBeUndefined();
  expect(proxyFromEnv({ HTTPS_PROXY: '  ' })).toBeUndefined();
  // HTTP_PROXY is for http:// URLs; verify only makes https requests.
  expect(proxyFromEnv({ HTTP_PROXY: 'http://proxy:3128' })).toBeUndefined();
});

test('the proxy is shown without its credentials, and a bare host:port means http', () => {
  const p = proxyFromEnv({ HTTPS_PROXY: 'http://user:secret@proxy.contoso.com:3128' })!;
  expect({ from: p.from, display: p.display, user: p.url.username }).toEqual({ from: 'HTTPS_PROXY', display: 'http://proxy.contoso.com:3128', user: 'user' });
  expect(proxyFromEnv({ https_proxy: 'proxy.contoso.com:8080' })!.display).toBe('http://proxy.contoso.com:8080');
});

test('an unusable proxy variable names itself', () => {
  expect(() => proxyFromEnv({ https_proxy: 'https://proxy:443' })).toThrow(/https_proxy names a https:\/\/ proxy/);
  expect(() => proxyFromEnv({ HTTPS_PROXY: 'http://[bad' })).toThrow(/HTTPS_PROXY is not a URL/);
});

test.each([
  ['*', 'https://login.microsoftonline.com', true],
  ['microsoftonline.com', 'https://login.microsoftonline.com', true],
  ['.microsoftonline.com', 'https://login.microsoftonline.com', true],
  ['*.microsoftonline.com', 'https://login.microsoftonline.com', true],
  ['MicrosoftOnline.com', 'https://login.microsoftonline.com', true],
  ['online.com', 'https://login.microsoftonline.com', false],
  ['graph.microsoft.com:443', 'https://graph.microsoft.com', true],
  ['graph.microsoft.com:8443', 'https://graph.microsoft.com', false],
  ['10.0.0.0/8', 'https://10.1.2.3', true],
  ['10.0.0.0/8', 'https://11.1.2.3', false],
  ['10.0.0.0/8', 'https://ten.contoso.com', false],
  ['::1', 'https://[::1]:8443', true],
  ['[::1]:8443', 'https://[::1]:8443', true],
  ['fd00::/8', 'https://[fd12::1]', true],
  ['127.0.0.1', 'https://localhost', false],
])('NO_PROXY=%s for %s: bypass %s', (entry, target, expected) => {
  expect(bypassesProxy(url(target), [entry])).toBe(expected);
});

test('NO_PROXY lists are split on commas and spaces, and no_proxy wins over NO_PROXY', () => {
  const p = proxyFromEnv({ HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'a.contoso.com,  b.contoso.com', NO_PROXY: '*' })!;
  expect(p.noProxy).toEqual(['a.contoso.com', 'b.contoso.com']);
  expect(p.noProxyFrom).toBe('no_proxy');
  expect(proxyFor(url('https://b.contoso.com'), p)).toBeUndefined();
  expect(proxyFor(url('https://graph.microsoft.com'), p)).toBe(p);
});
