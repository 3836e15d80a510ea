/** Inserting keys, entities and quoting, and the diagnostics a user gets for files hybridcfg will not edit. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DiagnosticError, type Diagnostic } from '../../src/diag/diagnostic';
import { decodeWebConfig, encodeWebConfig, readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';

const REST = readFileSync(join(__dirname, '../../fixtures/exchange/E19/IIS/DefaultWebSite-Rest_web.config'), 'utf8');
const BACKEND_REST = readFileSync(join(__dirname, '../../fixtures/exchange/E19/IIS/ExchangeBackEnd-Rest_web.config'), 'utf8');
const crlf = (s: string) => s.replace(/\n/g, '\r\n');

/** The single diagnostic `f` throws; fails the test if it throws anything else or nothing. */
function diagnosticOf(f: () => unknown): Diagnostic {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DiagnosticError);
    const list = (e as DiagnosticError).diagnostics;
    expect(list).toHaveLength(1);
    return list[0];
  }
  throw new Error('expected a DiagnosticError, nothing was thrown');
}

/** Lines with their own line endings, so that CRLF and LF can be told apart. */
const linesOf = (s: string) => s.split(/(?<=\n)/);

describe('inserting a key that is missing', () => {
  test.each([
    ['LF', REST],
    ['CRLF', crlf(REST)],
  ])('%s: one new line after the last entry, same indentation and line ending', (_name, text) => {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const out = setAppSetting(text, 'Hybridcfg.Test', 'a&b', 'rest');
    const before = linesOf(text);
    const after = linesOf(out);
    const last = before.findIndex((l) => l.includes('OAuthHttpModule.ResourceType'));
    expect(after).toEqual([...before.slice(0, last + 1), `    <add key="Hybridcfg.Test" value="a&amp;b" />${eol}`, ...before.slice(last + 1)]);
    expect(readAppSettings(out, 'rest').at(-1)).toMatchObject({ key: 'Hybridcfg.Test', value: 'a&b', line: last + 2, col: 5 });
  });

  test('a file with tabs and single quotes gets a tab-indented, single-quoted entry', () => {
    const text = "<configuration>\r\n\t<appSettings>\r\n\t\t<add key='A' value='1' />\r\n\t</appSettings>\r\n</configuration>\r\n";
    expect(setAppSetting(text, 'B', "it's", 'f')).toBe(
      "<configuration>\r\n\t<appSettings>\r\n\t\t<add key='A' value='1' />\r\n\t\t<add key='B' value='it&apos;s' />\r\n\t</appSettings>\r\n</configuration>\r\n",
    );
  });

  test('goes after a trailing <remove>, which would otherwise cancel it', () => {
    const text = '<configuration>\n  <appSettings>\n    <add key="A" value="1" />\n    <remove key="B" />\n  </appSettings>\n</configuration>\n';
    const out = setAppSetting(text, 'B', '2', 'f');
    expect(out).toBe('<configuration>\n  <appSettings>\n    <add key="A" value="1" />\n    <remove key="B" />\n    <add key="B" value="2" />\n  </appSettings>\n</configuration>\n');
  });

  test.each([
    ['empty element', '<configuration>\r\n  <appSettings>\r\n  </appSettings>\r\n</configuration>\r\n', '<configuration>\r\n  <appSettings>\r\n    <add key="K" value="V" />\r\n  </appSettings>\r\n</configuration>\r\n'],
    ['on one line', '<configuration>\n  <appSettings></appSettings>\n</configuration>\n', '<configuration>\n  <appSettings>\n    <add key="K" value="V" />\n  </appSettings>\n</configuration>\n'],
    ['self-closing', '<configuration>\n  <appSettings/>\n</configuration>\n', '<configuration>\n  <appSettings>\n    <add key="K" value="V" />\n  </appSettings>\n</configuration>\n'],
    ['only a comment', '<configuration>\n  <appSettings>\n    <!-- none -->\n  </appSettings>\n</configuration>\n', '<configuration>\n  <appSettings>\n    <add key="K" value="V" />\n    <!-- none -->\n  </appSettings>\n</configuration>\n'],
  ])('appSettings with no entries (%s): just inside it', (_name, text, expected) => {
    expect(setAppSetting(text, 'K', 'V', 'f')).toBe(expected);
  });

  test('mixed line endings: the new line takes the ending of the line it follows', () => {
    const text = '<configuration>\n  <appSettings>\r\n    <add key="A" value="1" />\r\n  </appSettings>\n</configuration>\n';
    expect(setAppSetting(text, 'B', '2', 'f')).toBe(
      '<configuration>\n  <appSettings>\r\n    <add key="A" value="1" />\r\n    <add key="B" value="2" />\r\n  </appSettings>\n</configuration>\n',
    );
  });

  test('no <appSettings>: created as the first child of <configuration>', () => {
    const without = crlf(REST.replace(/ {2}<appSettings>[\s\S]*?<\/appSettings>\n/, ''));
    const out = setAppSetting(without, 'K', 'V', 'f');
    expect(out).toBe(without.replace('<configuration>\r\n', '<configuration>\r\n  <appSettings>\r\n    <add key="K" value="V" />\r\n  </appSettings>\r\n'));
  });

  test('no <appSettings> but <configSections>: created after it, as ASP.NET requires configSections first', () => {
    const without = BACKEND_REST.replace(/ {2}<appSettings>[\s\S]*?<\/appSettings>\n/, '');
    expect(readAppSettings(without, 'f')).toEqual([]);
    const out = setAppSetting(without, 'K', 'V', 'f');
    expect(out).toBe(without.replace('</configSections>\n', '</configSections>\n  <appSettings>\n    <add key="K" value="V" />\n  </appSettings>\n'));
  });
});

describe('only real appSettings entries are read and changed', () => {
  const text = [
    '\uFEFF<?xml version="1.0" encoding="utf-8"?>',
    '<!-- <add key="OAuthHttpModule.Profiles" value="in a comment before the root" /> -->',
    '<configuration>',
    '  <appSettings>',
    '    <!--<add key="OAuthHttpModule.Profiles" value="commented out" />-->',
    '    <?note <add key="OAuthHttpModule.Profiles" value="in a PI" /> ?>',
    '    <add key="OAuthHttpModule.Profiles" value="S2SAppActAs|V1AppOnly" />',
    '  </appSettings>',
    '  <system.web><x><![CDATA[ <add key="Other" value="cdata" /> ]]></x></system.web>',
    '  <location path="api">',
    '    <appSettings>',
    '      <add key="Other" value="in a location" />',
    '    </appSettings>',
    '  </location>',
    '</configuration>',
    '',
  ].join('\r\n');

  test('comments, PIs, CDATA and <location> are not appSettings', () => {
    expect(readAppSettings(text, 'f')).toEqual([{ key: 'OAuthHttpModule.Profiles', value: 'S2SAppActAs|V1AppOnly', line: 7, col: 5 }]);
  });

  test('setting the key edits the real entry and leaves the commented one alone', () => {
    const out = setAppSetting(text, 'OAuthHttpModule.Profiles', 'S2SAppActAs|V1AppOnly|V1S2SAppOnly', 'f');
    expect(out).toBe(text.replace('value="S2SAppActAs|V1AppOnly"', 'value="S2SAppActAs|V1AppOnly|V1S2SAppOnly"'));
  });

  test('a key that exists only in a comment or a <location> is added, the others untouched', () => {
    const out = setAppSetting(text, 'Other', 'new', 'f');
    expect(out).toBe(text.replace('V1AppOnly" />\r\n', 'V1AppOnly" />\r\n    <add key="Other" value="new" />\r\n'));
  });
});

test('a DOCTYPE is skipped, markup inside it is not read, and its entities are refused', () => {
  const doctype = '<?xml version="1.0"?>\n<!DOCTYPE configuration [\n  <!ENTITY e "<add key=\'K\' value=\'dtd\'/>">\n]>\n';
  const text = doctype + '<configuration>\n  <appSettings>\n    <add key="K" value="real" />\n  </appSettings>\n</configuration>\n';
  expect(readAppSettings(text, 'f')).toEqual([{ key: 'K', value: 'real', line: 7, col: 5 }]);
  expect(setAppSetting(text, 'K', 'new', 'f')).toBe(text.replace('"real"', '"new"'));
  const d = diagnosticOf(() => readAppSettings(text.replace('"real"', '"&e;"'), 'f'));
  expect(d.code).toBe('webconfig.malformed');
  expect(d.source).toEqual({ file: 'f', line: 7, col: 25 });
});

test('a 1 MB web.config is read and patched correctly', () => {
  const filler = '  <location path="p">\r\n    <system.web><!-- <add key="K" value="no" /> --></system.web>\r\n  </location>\r\n';
  const text = crlf(REST).replace('</configuration>', filler.repeat(Math.ceil(1_000_000 / filler.length)) + '</configuration>');
  expect(text.length).toBeGreaterThan(1_000_000);
  const out = setAppSetting(text, 'OAuthHttpModule.Profiles', 'V1S2SAppOnly', 'big');
  expect(out).toBe(text.replace(/(key="OAuthHttpModule.Profiles" value=")[^"]*"/, '$1V1S2SAppOnly"'));
  expect(readAppSettings(setAppSetting(text, 'K', 'yes', 'big'), 'big').at(-1)).toMatchObject({ key: 'K', value: 'yes' });
});

describe('attribute syntax', () => {
  const text =
    "<configuration>\n  <appSettings>\n    <add\n      value='a&amp;b&#124;c&#x7C;&quot;&lt;&gt;&apos;\"'\n      key = \"Odd\"\n    />\n" +
    '    <add key="Spaced" value="one\n  two" />\n    <add key="NoValue" />\n    <remove key="Inherited" />\n  </appSettings>\n</configuration>\n';

  test('entities, either quote, any attribute order, newlines in the tag', () => {
    expect(readAppSettings(text, 'f')).toEqual([
      { key: 'Odd', value: 'a&b|c|"<>\'"', line: 3, col: 5 },
      // XML normalises a literal line break (and the indentation stays) in an attribute to spaces.
      { key: 'Spaced', value: 'one   two', line: 7, col: 5 },
      { key: 'NoValue', value: '', line: 9, col: 5 },
    ]);
  });

  test('the value is escaped for the quote the attribute uses', () => {
    const out = setAppSetting(text, 'Odd', `x'y"z&<>`, 'f');
    expect(out).toBe(text.replace(`'a&amp;b&#124;c&#x7C;&quot;&lt;&gt;&apos;"'`, `'x&apos;y"z&amp;&lt;&gt;'`));
  });

  test('the same value, spelt with different references, is left byte for byte', () => {
    expect(setAppSetting(text, 'Odd', 'a&b|c|"<>\'"', 'f')).toBe(text);
  });

  test('line breaks and tabs are written as references so that they read back', () => {
    const out = setAppSetting(text, 'Spaced', 'a\r\nb\tc', 'f');
    expect(out).toContain('value="a&#13;&#10;b&#9;c"');
    expect(readAppSettings(out, 'f').find((s) => s.key === 'Spaced')?.value).toBe('a\r\nb\tc');
  });

  test('an entry without a value attribute gets one after its key', () => {
    expect(setAppSetting(text, 'NoValue', 'v', 'f')).toBe(text.replace('<add key="NoValue" />', '<add key="NoValue" value="v" />'));
  });

  test('keys match ignoring case by default, keeping the file\'s spelling', () => {
    const out = setAppSetting(REST, 'oauthhttpmodule.profiles', 'X', 'f');
    expect(out).toBe(REST.replace(/(key="OAuthHttpModule.Profiles" value=")[^"]*"/, '$1X"'));
  });
});

describe('files hybridcfg will not edit', () => {
  test('a key present twice: both lines are named', () => {
    const text = REST.replace('<add key="OAuthHttpModule.V1AppRoles"', '<add key="OAuthHttpModule.Profiles" value="x" />\n    <add key="OAuthHttpModule.V1AppRoles"');
    const d = diagnosticOf(() => readAppSettings(text, 'rest/web.config'));
    expect(d.code).toBe('webconfig.duplicate-key');
    expect(d.summary).toContain('OAuthHttpModule.Profiles');
    expect(d.summary).toMatch(/lines 11 and 13\b/);
    expect(d.source).toEqual({ file: 'rest/web.config', line: 13, col: 5 });
    expect(() => setAppSetting(text, 'Other', 'x', 'rest/web.config')).toThrow(DiagnosticError);
  });

  test('keys differing only in case are duplicates, unless keys are compared exactly', () => {
    const text = '<configuration><appSettings><add key="a" value="1"/><add key="A" value="2"/></appSettings></configuration>';
    expect(diagnosticOf(() => readAppSettings(text, 'f')).code).toBe('webconfig.duplicate-key');
    expect(readAppSettings(text, 'f', { caseSensitiveKeys: true }).map((s) => s.value)).toEqual(['1', '2']);
  });

  test.each([
    ['an unclosed element (validator)', REST.replace('  </appSettings>\n', '  </appSetting>\n'), 15, 3],
    ['< inside a value', REST.replace('value="Rest"', 'value="Re<st"'), 8, 48],
    ['an unknown entity in a value', REST.replace('value="Rest"', 'value="R&nbsp;"'), 8, 47],
    ['an unclosed comment', REST + '<!-- <add key="a" value="b" />', 97, 1],
    ['a comment that swallows the start tag', REST.replace('  <appSettings>', '  <!-- <appSettings>'), 46, 5],
    ['a control character', REST.replace('value="Rest"', 'value="Re\u0001st"'), 8, 48],
  ])('malformed XML: %s, reported at line:col', (_name, text, line, col) => {
    for (const t of [text, crlf(text)]) {
      const d = diagnosticOf(() => readAppSettings(t, 'rest/web.config'));
      expect(d.code).toBe('webconfig.malformed');
      expect(d.summary).toContain('rest/web.config');
      expect(d.source).toEqual({ file: 'rest/web.config', line, col });
      expect(() => setAppSetting(t, 'OAuthHttpModule.Profiles', 'x', 'rest/web.config')).toThrow(DiagnosticError);
    }
  });

  test('UTF-16 with a BOM is refused with the encoding fix', () => {
    const d = diagnosticOf(() => decodeWebConfig(Buffer.from('\uFEFF' + REST.replace(/^\uFEFF/, ''), 'utf16le'), 'C:\\rest\\web.config'));
    expect(d.code).toBe('webconfig.encoding');
    expect(d.summary).toContain('C:\\rest\\web.config');
    expect(d.summary).toContain('UTF-16');
    expect(d.detail).toContain('UTF-8');
  });

  test('UTF-16 without a BOM and invalid UTF-8 bytes are refused', () => {
    expect(diagnosticOf(() => decodeWebConfig(Buffer.from('<configuration/>', 'utf16le'), 'f')).code).toBe('webconfig.encoding');
    const bad = Buffer.concat([Buffer.from('<configuration>\n  <x a="'), Buffer.from([0xc3, 0x28]), Buffer.from('"/>\n</configuration>')]);
    const d = diagnosticOf(() => decodeWebConfig(bad, 'f'));
    expect(d.code).toBe('webconfig.encoding');
    expect(d.source).toEqual({ file: 'f', line: 2, col: 9 });
  });

  test('appSettings kept in another file', () => {
    const d = diagnosticOf(() => readAppSettings('<configuration><appSettings configSource="app.config" /></configuration>', 'f'));
    expect(d.code).toBe('webconfig.external-settings');
    expect(d.summary).toContain('app.config');
  });

  test('not a configuration file', () => {
    expect(diagnosticOf(() => readAppSettings('<html><appSettings/></html>', 'f')).code).toBe('webconfig.not-configuration');
  });

  test('a value XML cannot hold is refused before anything is written', () => {
    const d = diagnosticOf(() => setAppSetting(REST, 'OAuthHttpModule.Profiles', 'a\u0000b', 'f'));
    expect(d.code).toBe('webconfig.invalid-value');
    expect(d.summary).toContain('U+0000');
  });
});

describe('encoding', () => {
  test('decode(encode(x)) is exact, with or without a BOM', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.string({ unit: 'grapheme' }), (bom, body) => {
        const text = (bom ? '\uFEFF' : '') + '<configuration>' + body.replace(/\u0000/g, '') + '</configuration>';
        const bytes = encodeWebConfig(text);
        expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(bom);
        expect(decodeWebConfig(bytes, 'f')).toBe(text);
      }),
    );
  });
});
