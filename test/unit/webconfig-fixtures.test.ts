/**
 * Patching every appSetting of every real Exchange web.config, in the four shapes a server may hold
 * (LF or CRLF, with or without BOM), with hostile values: only the bytes of that value may change.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeWebConfig, encodeWebConfig, readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';

const FIXTURES = join(__dirname, '../../fixtures/exchange');

function fixtureFiles(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(FIXTURES, d.name, 'IIS'))
        .filter((f) => f.endsWith('_web.config'))
        .map((f) => join(d.name, 'IIS', f)),
    );
}

interface Variant {
  readonly name: string;
  readonly bytes: Buffer;
}

function variants(file: string): Variant[] {
  const original = readFileSync(join(FIXTURES, file)).toString('utf8');
  const lf = original.replace(/^\uFEFF/, '');
  const crlf = lf.replace(/\n/g, '\r\n');
  return [
    { name: `${file} LF+BOM`, bytes: Buffer.from('\uFEFF' + lf, 'utf8') },
    { name: `${file} LF`, bytes: Buffer.from(lf, 'utf8') },
    { name: `${file} CRLF+BOM`, bytes: Buffer.from('\uFEFF' + crlf, 'utf8') },
    { name: `${file} CRLF`, bytes: Buffer.from(crlf, 'utf8') },
  ];
}

/** Characters XML 1.0 cannot hold at all: such values are rejected, tested elsewhere. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const hostileValue = fc
  .array(
    fc.oneof(
      fc.constantFrom('&', '<', '>', '"', "'", '|', '$(x)', ']]>', '\n', '\r\n', '\r', '\t', ' ', '&amp;', '&#124;', '<!--', '-->', 'é', '中文', '😀', 'V1S2SAppOnly'),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''))
  .filter((v) => !NOT_XML.test(v));

/** Byte range of the value of `<add key="K" value="...">`, found by plain search in the fixture text. */
function valueByteRange(text: string, key: string): { start: number; end: number } {
  const marker = `<add key="${key}" value="`;
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(text.indexOf(marker, at + 1)).toBe(-1);
  const start = at + marker.length;
  const end = text.indexOf('"', start);
  return { start: Buffer.byteLength(text.slice(0, start)), end: Buffer.byteLength(text.slice(0, end)) };
}

const files = fixtureFiles();

test('the fixtures are all found', () => {
  expect(files.length).toBeGreaterThanOrEqual(9);
  expect(files).toContain(join('E19', 'IIS', 'DefaultWebSite-Rest_web.config'));
});

describe.each(files.flatMap(variants).map((v) => [v.name, v] as const))('%s', (_name, variant) => {
  const text = decodeWebConfig(variant.bytes, variant.name);
  const settings = readAppSettings(text, variant.name);

  test('decodes and re-encodes to the same bytes', () => {
    expect(encodeWebConfig(text).equals(variant.bytes)).toBe(true);
    expect(settings.length).toBeGreaterThan(0);
  });

  test('setting a key to its current value returns the same bytes', () => {
    for (const s of settings) {
      expect(encodeWebConfig(setAppSetting(text, s.key, s.value, variant.name)).equals(variant.bytes)).toBe(true);
    }
  });

  test('setting any key changes only the bytes of its value', () => {
    fc.assert(
      fc.property(fc.nat({ max: settings.length - 1 }), hostileValue, (index, value) => {
        const target = settings[index];
        const out = encodeWebConfig(setAppSetting(text, target.key, value, variant.name));
        const { start, end } = valueByteRange(text, target.key);
        const tail = variant.bytes.length - end;
        expect(out.length).toBeGreaterThanOrEqual(start + tail);
        expect(out.subarray(0, start).equals(variant.bytes.subarray(0, start))).toBe(true);
        expect(out.subarray(out.length - tail).equals(variant.bytes.subarray(end))).toBe(true);
        // The new bytes stay inside the double-quoted value: no raw quote, no markup.
        const written = out.subarray(start, out.length - tail).toString('utf8');
        expect(written).not.toMatch(/["<\r\n]/);

        const after = readAppSettings(decodeWebConfig(out, variant.name), variant.name);
        expect(after.map((s) => s.key)).toEqual(settings.map((s) => s.key));
        expect(after.map((s) => (s.key === target.key ? value : s.value))).toEqual(after.map((s) => s.value));
        expect(after.filter((s) => s.key !== target.key)).toEqual(settings.filter((s) => s.key !== target.key));
      }),
      { numRuns: 150 },
    );
  });
});
