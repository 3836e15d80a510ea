/**
 * A damaged web.config must give either a correct result or a diagnostic, never a crash: random
 * single-byte changes to real files, biased towards the bytes that matter to XML.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { decodeWebConfig, encodeWebConfig, readAppSettings, setAppSetting } from '../../src/webconfig/appsettings';

const FILES = ['E19/IIS/DefaultWebSite-Rest_web.config', 'E16/IIS/DefaultWebSite-EAS_web.config', 'E19/IIS/ExchangeBackEnd-Rest_web.config'];
const INTERESTING = [...'<>/!?-="\'&;[] \t\r\nabkvAKV'].map((c) => c.charCodeAt(0)).concat([0x00, 0x01, 0x80, 0xc3, 0xef, 0xbb, 0xbf, 0xfe, 0xff]);
const KEY = 'OAuthHttpModule.Profiles';
const VALUE = 'S2SAppActAs|V1S2SAppOnly & "more"';

describe.each(FILES.flatMap((f) => [[f, 'LF'] as const, [f, 'CRLF'] as const]))('%s (%s)', (file, eol) => {
  const raw = readFileSync(join(__dirname, '../../fixtures/exchange', file), 'utf8');
  const original = Buffer.from(eol === 'CRLF' ? raw.replace(/\n/g, '\r\n') : raw, 'utf8');

  test('every single-byte mutation: a correct result or a DiagnosticError', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: original.length - 1 }),
        fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })),
        fc.constantFrom('replace', 'insert', 'delete'),
        (at, byte, how) => {
          const head = original.subarray(0, at);
          const tail = original.subarray(how === 'insert' ? at : at + 1);
          const mutated = Buffer.concat([head, ...(how === 'delete' ? [] : [Buffer.from([byte])]), tail]);
          try {
            const text = decodeWebConfig(mutated, 'mutated');
            const before = readAppSettings(text, 'mutated');
            const out = setAppSetting(text, KEY, VALUE, 'mutated');
            const after = readAppSettings(decodeWebConfig(encodeWebConfig(out), 'mutated'), 'mutated');
            // Correct: the key (however the mutation spelt it, matched as ASP.NET does) reads back,
            // and every other entry is as it was.
            const same = (k: string) => k.toUpperCase() === KEY.toUpperCase();
            expect(after.filter((s) => same(s.key)).map((s) => s.value)).toEqual([VALUE]);
            expect(after.filter((s) => !same(s.key)).map(({ key, value }) => ({ key, value }))).toEqual(
              before.filter((s) => !same(s.key)).map(({ key, value }) => ({ key, value })),
            );
          } catch (e) {
            if (!(e instanceof DiagnosticError)) throw e;
            const [d] = e.diagnostics;
            expect(d.code).toMatch(/^webconfig\./);
            if (d.source !== undefined) {
              expect(d.source.line).toBeGreaterThanOrEqual(1);
              expect(d.source.col).toBeGreaterThanOrEqual(1);
            }
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
