import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DiagnosticError, type Diagnostic } from '../../src/diag/diagnostic';
import { loadSpec, parseSpec } from '../helpers/spec';
import { partnerApplicationsOf, webConfigsOf } from '../helpers/spec';

const SPECS = path.join(__dirname, '..', 'fixtures', 'specs');
const EXAMPLE = readFileSync(path.join(SPECS, 'example.yaml'), 'utf8');
const FILE = path.join(SPECS, 'test.yaml');

/** 1-based line:col of the `nth` occurrence of `needle` in `text`, as an editor shows it. */
function posOf(text: string, needle: string, nth = 1): { line: number; col: number } {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`"${needle}" not in text`);
  }
  const before = text.slice(0, index).split('\n');
  return { line: before.length, col: before[before.length - 1].length + 1 };
}

function diagnosticsOf(text: string): readonly Diagnostic[] {
  try {
    parseSpec(text, FILE);
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics;
    throw err;
  }
  throw new Error('expected the spec to be rejected');
}

function only(text: string): Diagnostic {
  const list = diagnosticsOf(text);
  expect(list).toHaveLength(1);
  return list[0];
}

const at = (d: Diagnostic) => ({ line: d.source?.line, col: d.source?.col });

describe('the example spec', () => {
  test('loads, with paths resolved against the spec folder', async () => {
    const loaded = await loadSpec(path.join(SPECS, 'example.yaml'));
    expect(loaded.spec.servers).toBe('all');
    expect(loaded.spec.target).toEqual({ lab: path.join(SPECS, 'lab') });
    expect(loaded.spec.partnerApplications).toEqual([
      {
        name: 'Microsoft Graph',
        applicationIdentifier: '00000003-0000-0000-c000-000000000000',
        enabled: true,
        appOnlyPermissions: { sameAs: 'actAsPermissions' },
      },
    ]);
    expect(webConfigsOf(loaded.spec)[0].appSettings['OAuthHttpModule.Profiles']).toEqual({ include: ['V1S2SAppOnly'] });
    expect(loaded.spec.restart).toEqual({ mode: 'iisreset' });
    expect(loaded.path).toBe(path.join(SPECS, 'example.yaml'));
    expect(loaded.dir).toBe(SPECS);
    expect(loaded.warnings).toBeUndefined();
  });

  test('digest is the sha256 of the file bytes', async () => {
    const file = path.join(SPECS, 'example.yaml');
    const loaded = await loadSpec(file);
    expect(loaded.digest).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
  });

  test('locate maps JSON pointers to the key in the file', () => {
    const loaded = parseSpec(EXAMPLE, FILE);
    expect(loaded.locate('/partnerApplications/0/appOnlyPermissions')).toEqual({
      file: FILE,
      ...posOf(EXAMPLE, 'appOnlyPermissions'),
    });
    expect(loaded.locate('/webConfigs/0/appSettings/OAuthHttpModule.Profiles')).toEqual({
      file: FILE,
      ...posOf(EXAMPLE, 'OAuthHttpModule.Profiles'),
    });
    expect(loaded.locate('/webConfigs/0/appSettings/OAuthHttpModule.Profiles/include/0')).toEqual({
      file: FILE,
      ...posOf(EXAMPLE, 'V1S2SAppOnly'),
    });
    expect(loaded.locate('/partnerApplications/0')).toEqual({ file: FILE, ...posOf(EXAMPLE, 'name: Microsoft Graph') });
    expect(loaded.locate('/verify')).toBeUndefined();
  });
});

describe('a spec with every section', () => {
  test('loads; relative paths become absolute and web.config paths use /', async () => {
    const { spec } = await loadSpec(path.join(SPECS, 'full.yaml'));
    expect(spec.target).toEqual({
      powershell: {
        shell: 'powershell',
        exchange: { connectionUri: 'http://ex01.contoso.com/PowerShell/', authentication: 'Kerberos' },
        files: 'winrm',
        lab: path.resolve(SPECS, '..', 'lab'),
        timeoutSeconds: 300,
      },
    });
    expect(webConfigsOf(spec).map((w) => [w.file, w.fileAsWritten])).toEqual([
      ['FrontEnd/HttpProxy/rest/web.config', 'FrontEnd\\HttpProxy\\rest\\web.config'],
      ['ClientAccess/exchweb/ews/web.config', 'ClientAccess/exchweb/ews/./web.config'],
    ]);
    expect(spec.verify?.certificate).toEqual({
      certificateFile: path.join(SPECS, 'certs', 'verify.pem'),
      privateKeyFile: path.join(SPECS, 'certs', 'verify.key'),
    });
    expect(partnerApplicationsOf(spec)[1].linkedAccount).toBeNull();
  });
});

describe('YAML problems', () => {
  test('malformed YAML points at the line that breaks', () => {
    const text = EXAMPLE.replace('lab: ./lab', 'lab: [./lab');
    const d = diagnosticsOf(text)[0];
    expect(d.code).toBe('spec.yaml-syntax');
    expect(d.source?.line).toBeGreaterThanOrEqual(posOf(text, '[./lab').line);
    expect(d.source?.line).toBeLessThanOrEqual(posOf(text, 'servers:').line);
  });

  test('a tab used for indentation is a syntax error, not a crash', () => {
    const d = diagnosticsOf(EXAMPLE.replace('  mode: iisreset', '\tmode: iisreset'))[0];
    expect(d.code).toBe('spec.yaml-syntax');
    expect(d.source?.line).toBe(posOf(EXAMPLE, 'mode: iisreset').line);
  });

  test('a duplicate key points at the second occurrence', () => {
    const text = EXAMPLE.replace('    enabled: true\n', '    enabled: true\n    enabled: false\n');
    const d = only(text);
    expect(d.code).toBe('spec.duplicate-key');
    expect(at(d)).toEqual(posOf(text, 'enabled', 2));
  });

  test('an empty file, a comment-only file, a list and a scalar are clear errors', () => {
    expect(only('').code).toBe('spec.empty');
    expect(only('# nothing here\n').code).toBe('spec.empty');
    expect(only('- a\n- b\n')).toMatchObject({ code: 'spec.not-a-mapping', source: { line: 1, col: 1 } });
    expect(only('hello\n').code).toBe('spec.not-a-mapping');
  });

  test('two documents in one file', () => {
    const text = EXAMPLE + '---\napiVersion: hybridcfg/v1\n';
    const d = only(text);
    expect(d.code).toBe('spec.multiple-documents');
    expect(d.source?.line).toBe(posOf(text, '---').line);
  });

  test('an unknown tag and an undefined alias are reported, not thrown raw', () => {
    expect(diagnosticsOf(EXAMPLE.replace('servers: all', 'servers: !weird all'))[0].code).toBe('spec.yaml-syntax');
    expect(diagnosticsOf(EXAMPLE.replace('servers: all', 'servers: *nowhere'))[0].code).toBe('spec.yaml-syntax');
  });

  test('an alias bomb is refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill('*' + String.fromCharCode(97 + i)).join(', ')}]`);
    expect(diagnosticsOf(bomb.join('\n') + '\n')[0].code).toBe('spec.yaml-syntax');
  });
});

describe('schema problems', () => {
  test('an unknown key points at the key and suggests the closest one', () => {
    const text = EXAMPLE.replace('    enabled: true', '    enabeld: true');
    const d = only(text);
    expect(d.code).toBe('spec.unknown-key');
    expect(d.summary).toContain('did you mean `enabled`?');
    expect(at(d)).toEqual(posOf(text, 'enabeld'));
    expect(d.path).toBe('/partnerApplications/0/enabeld');
  });

  test('an unknown top-level key', () => {
    const text = EXAMPLE + 'severs: all\n';
    const d = only(text);
    expect(d.code).toBe('spec.unknown-key');
    expect(d.summary).toBe('Unknown key `severs` at the top level: did you mean `servers`?');
    expect(at(d)).toEqual(posOf(text, 'severs'));
  });

  test('a wrong type points at the value and says what is expected', () => {
    const text = EXAMPLE.replace('enabled: true', 'enabled: yes');
    const d = only(text);
    expect(d.code).toBe('spec.wrong-type');
    expect(d.summary).toBe('`partnerApplications[0].enabled` must be true or false, not the text `yes`');
    expect(d.detail).toContain('write true or false');
    expect(at(d)).toEqual(posOf(text, 'yes'));
  });

  test('servers that are neither `all` nor a list', () => {
    for (const value of ['everything', '42', '{EX01: true}']) {
      const text = EXAMPLE.replace(/servers: all /, `servers: ${value} `);
      const d = only(text);
      expect(d.code).toBe('spec.wrong-type');
      expect(d.summary).toBe('`servers` must be `all` or a list of server names');
      expect(at(d)).toEqual(posOf(text, value));
    }
  });

  test('a mistyped sameAs gets one message with a suggestion, not one per accepted form', () => {
    const text = EXAMPLE.replace('sameAs: actAsPermissions', 'sameAs: actAsPermission');
    const d = only(text);
    expect(d.code).toBe('spec.wrong-value');
    expect(d.summary).toContain('did you mean `actAsPermissions`?');
    expect(at(d)).toEqual(posOf(text, 'actAsPermission'));
  });

  test('an appSetting edit with a misspelt key is an unknown key in the edit', () => {
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'includes: [V1S2SAppOnly]');
    const d = only(text);
    expect(d).toMatchObject({ code: 'spec.unknown-key', path: '/webConfigs/0/appSettings/OAuthHttpModule.Profiles/includes' });
    expect(d.summary).toContain('did you mean `include`?');
    expect(at(d)).toEqual(posOf(text, 'includes'));
  });

  test('a missing required key points at the mapping that lacks it', () => {
    const text = EXAMPLE.replace('kind: HybridOAuth\n', '');
    const d = only(text);
    expect(d).toMatchObject({ code: 'spec.missing-key', summary: 'The spec needs `kind`' });
    expect(at(d)).toEqual({ line: 1, col: 1 });
  });

  test('a wrong apiVersion', () => {
    const text = EXAMPLE.replace('hybridcfg/v1', 'hybridcfg/v2');
    expect(only(text)).toMatchObject({ code: 'spec.wrong-value', source: { line: 1, col: posOf(text, 'hybridcfg/v2').col } });
  });

  test('a target with both lab and powershell', () => {
    const text = EXAMPLE.replace('  lab: ./lab', '  lab: ./lab\n  powershell: {}');
    expect(only(text).code).toBe('spec.wrong-shape');
  });

  test('a partner application GUID that is not one', () => {
    const text = EXAMPLE.replace('00000003-0000-0000-c000-000000000000', '00000003-0000-0000-c000');
    const d = only(text);
    expect(d.code).toBe('spec.wrong-value');
    expect(d.detail).toContain('00000003-0000-0000-c000-000000000000');
  });

  test('every problem is reported at once, in file order', () => {
    const text = EXAMPLE.replace('servers: all', 'servers: none').replace('enabled: true', 'enabled: 1').replace('mode: iisreset', 'mode: restart');
    const list = diagnosticsOf(text);
    expect(list.map((d) => d.code)).toEqual(['spec.wrong-type', 'spec.wrong-type', 'spec.wrong-value']);
    expect(list.map((d) => d.source?.line)).toEqual([
      posOf(text, 'servers:').line,
      posOf(text, 'enabled:').line,
      posOf(text, 'mode:').line,
    ]);
  });
});

describe('semantic problems', () => {
  test('a misspelt profile name is an error with a suggestion', () => {
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnIy]');
    const d = only(text);
    expect(d.code).toBe('spec.unknown-profile');
    expect(d.summary).toContain('did you mean `V1S2SAppOnly`?');
    expect(at(d)).toEqual(posOf(text, 'V1S2SAppOnIy'));
  });

  test('profile names are case-sensitive and spaces are not trimmed', () => {
    expect(only(EXAMPLE.replace('[V1S2SAppOnly]', '[v1s2sapponly]')).code).toBe('spec.unknown-profile');
    expect(only(EXAMPLE.replace('[V1S2SAppOnly]', '["V1S2SAppOnly "]')).code).toBe('spec.token-whitespace');
    expect(only(EXAMPLE.replace('[V1S2SAppOnly]', '[" V1S2SAppOnly"]')).summary).toContain('start');
  });

  test('allowUnknown lets a name through', () => {
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'include: [V2Future]\n        allowUnknown: [V2Future]');
    expect(webConfigsOf(parseSpec(text, FILE).spec)[0].appSettings['OAuthHttpModule.Profiles']).toEqual({
      include: ['V2Future'],
      allowUnknown: ['V2Future'],
    });
  });

  test('with allowUnknown the editor accepts any name (the schema cannot compare lists), hybridcfg still refuses one not listed', () => {
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'include: [V2Future, V1S2SAppOnIy]\n        allowUnknown: [V2Future]');
    const d = only(text);
    expect(d.code).toBe('spec.unknown-profile');
    expect(d.summary).toContain('did you mean `V1S2SAppOnly`?');
    expect(at(d)).toEqual(posOf(text, 'V1S2SAppOnIy'));
  });

  test('an exact value for the profiles key points at the unknown token inside it', () => {
    const text = EXAMPLE.replace(/OAuthHttpModule.Profiles:\n.*\n/, 'OAuthHttpModule.Profiles: S2SAppActAs|V1S2SAppOnIy\n');
    const d = only(text);
    expect(d.code).toBe('spec.unknown-profile');
    expect(at(d)).toEqual(posOf(text, 'V1S2SAppOnIy'));
  });

  test('a token containing the separator, and include/exclude of the same token', () => {
    expect(only(EXAMPLE.replace('[V1S2SAppOnly]', '["V1S2SAppOnly|S2SAppOnly"]')).code).toBe('spec.token-separator');
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnly]\n        exclude: [V1S2SAppOnly]');
    const d = only(text);
    expect(d.code).toBe('spec.include-exclude-conflict');
    expect(at(d)).toEqual(posOf(text, 'V1S2SAppOnly', 2));
  });

  test('other appSettings are not checked against profile names', () => {
    const text = EXAMPLE.replace('include: [V1S2SAppOnly]', 'include: [V1S2SAppOnly]\n      Other.List: {include: [anything], separator: ";"}');
    expect(parseSpec(text, FILE).warnings).toBeUndefined();
  });

  test('a partner application needs a selector', () => {
    const text = EXAMPLE.replace(
      '  - name: Microsoft Graph\n    applicationIdentifier: 00000003-0000-0000-c000-000000000000\n    enabled: true',
      '  - enabled: true',
    );
    const d = only(text);
    expect(d.code).toBe('spec.missing-selector');
    expect(at(d)).toEqual(posOf(text, 'enabled: true'));
  });

  test('two entries for one partner application', () => {
    const text = EXAMPLE.replace('webConfigs:', '  - applicationIdentifier: 00000003-0000-0000-C000-000000000000\nwebConfigs:');
    const d = only(text);
    expect(d.code).toBe('spec.duplicate-application');
    expect(at(d)).toEqual(posOf(text, 'applicationIdentifier', 2));
  });

  test.each([
    ['../FrontEnd/web.config', 'contains `..`'],
    ['FrontEnd/../../web.config', 'contains `..`'],
    ['/etc/web.config', 'absolute'],
    ['\\FrontEnd\\web.config', 'absolute'],
    ['C:/Program Files/web.config', 'drive letter'],
    ['c:web.config', 'drive letter'],
    ['\\\\server\\share\\web.config', 'UNC'],
    ['%ExchangeInstallPath%FrontEnd/web.config', 'variable'],
    ['"FrontEnd/web.config\\0"', 'NUL'],
  ])('web.config path %s is refused', (file, why) => {
    const text = EXAMPLE.replace('file: FrontEnd/HttpProxy/rest/web.config', `file: ${file.startsWith('"') ? file : `'${file}'`}`);
    const d = only(text);
    expect(d.code).toBe('spec.path-outside-install');
    expect(d.summary).toContain(why);
    expect(at(d)).toEqual(posOf(text, file.startsWith('"') ? file : `'${file}'`));
  });

  test('two entries for the same web.config, however written', () => {
    const text = EXAMPLE.replace(
      'restart:',
      '  - file: frontend\\httpproxy\\rest\\web.config\n    appSettings:\n      X: "1"\nrestart:',
    );
    const d = only(text);
    expect(d.code).toBe('spec.duplicate-web-config');
    expect(at(d)).toEqual(posOf(text, 'frontend\\'));
  });

  test('restart.mode appPools alone recycles the pools each change needs; verify needs exactly one credential', () => {
    expect(parseSpec(EXAMPLE.replace('mode: iisreset', 'mode: appPools'), FILE).spec.restart).toEqual({ mode: 'appPools' });
    const verify = 'verify:\n  tenantId: contoso.onmicrosoft.com\n  clientId: 6731de76-14a6-49ae-97bc-6eba6914391e\n  mailboxes: [a@contoso.com]\n';
    expect(only(EXAMPLE + verify)).toMatchObject({ code: 'spec.verify-credential', source: { line: posOf(EXAMPLE + verify, 'verify:').line } });
    const both = verify + '  clientSecretEnv: SECRET\n  certificate: {certificateFile: a.pem, privateKeyFile: a.key}\n';
    expect(only(EXAMPLE + both).summary).toContain('not both');
    expect(parseSpec(EXAMPLE + verify + '  clientSecretEnv: SECRET\n', FILE).spec.verify?.clientSecretEnv).toBe('SECRET');
  });

  test('a near miss of the profiles key is a warning, not an error', () => {
    const text = EXAMPLE.replace('OAuthHttpModule.Profiles:', 'OAuthHttpModule.Profile:');
    const loaded = parseSpec(text, FILE);
    expect(loaded.warnings?.map((w) => [w.code, w.severity, w.source?.line])).toEqual([
      ['spec.suspicious-key', 'warning', posOf(text, 'OAuthHttpModule.Profile:').line],
    ]);
  });
});

describe('reading the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hybridcfg-spec-'));

  test('a missing file', async () => {
    await expect(loadSpec(path.join(dir, 'nope.yaml'))).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ code: 'spec.file-not-found' })],
    });
  });

  test('a folder instead of a file', async () => {
    await expect(loadSpec(dir)).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code: 'spec.file-not-found' })] });
  });

  test('a file that is not UTF-8', async () => {
    const file = path.join(dir, 'latin1.yaml');
    writeFileSync(file, Buffer.from('apiVersion: hybridcfg/v1\nkind: \xe9\n', 'latin1'));
    await expect(loadSpec(file)).rejects.toMatchObject({ diagnostics: [expect.objectContaining({ code: 'spec.encoding' })] });
  });

  test('a BOM and CRLF line endings are fine, and the digest covers the BOM', async () => {
    const file = path.join(dir, 'bom.yaml');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(EXAMPLE.replace(/\n/g, '\r\n'))]);
    writeFileSync(file, bytes);
    const loaded = await loadSpec(file);
    expect(loaded.digest).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(loaded.locate('/restart/mode')?.line).toBe(posOf(EXAMPLE, 'mode:').line);
  });
});
