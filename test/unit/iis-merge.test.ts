/**
 * Issue 13 #11: an appSetting that ASP.NET would not see as the spec intends is refused with an
 * explanation, never planned as a change Exchange will not see: a key inside <location path=".">, a key
 * both at the top and in such a location, a <remove> or <clear/> after it.
 */
import { DiagnosticError } from '../../src/diag/diagnostic';
import { readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';

const wrap = (inner: string) => `<configuration>\n${inner}\n</configuration>\n`;
function code(text: string): string | undefined {
  try {
    readAppSettings(text, 'f');
    setAppSetting(text, 'K', 'new', 'f');
    return undefined;
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics[0]!.code;
    throw err;
  }
}

test.each([
  ['the key only inside <location path=".">', '<location path="."><appSettings><add key="K" value="v" /></appSettings></location>', 'webconfig.location-app-settings'],
  ['the key inside <location> without a path', '<location><appSettings><add key="K" value="v" /></appSettings></location>', 'webconfig.location-app-settings'],
  ['the key at the top and in <location path="">', '<appSettings><add key="K" value="a" /></appSettings><location path=""><appSettings><add key="K" value="b" /></appSettings></location>', 'webconfig.location-app-settings'],
  ['a <remove> after the key', '<appSettings><add key="K" value="v" /><remove key="k" /></appSettings>', 'webconfig.removed-setting'],
  ['a <clear/> after the key', '<appSettings><add key="K" value="v" /><clear /></appSettings>', 'webconfig.cleared-setting'],
])('%s: refused (%s)', (_what, inner, expected) => {
  expect(code(wrap(inner))).toBe(expected);
});

test.each([
  ['a <clear/> before every entry (it clears inherited ones)', '<appSettings><clear /><add key="K" value="v" /></appSettings>'],
  ['a <remove> of a key not set in the file', '<appSettings><remove key="Other" /><add key="K" value="v" /></appSettings>'],
  ['appSettings in a <location> for another path', '<appSettings><add key="K" value="v" /></appSettings><location path="ping.ecp"><appSettings><add key="K" value="x" /></appSettings></location>'],
])('%s: read and edited as ASP.NET sees it', (_what, inner) => {
  expect(code(wrap(inner))).toBeUndefined();
  expect(readAppSettings(setAppSetting(wrap(inner), 'K', 'new', 'f'), 'f').find((s) => s.key === 'K')!.value).toBe('new');
});
