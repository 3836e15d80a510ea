/**
 * test/helpers/ps51-json.ts answers for Windows PowerShell 5.1's ConvertFrom-Json, which no test can run
 * (pwsh 7 parses differently): these pin its answers to what 5.1's source does, at each boundary.
 */
import { JAVASCRIPTSERIALIZER_DEFAULT_MAX_JSON_LENGTH, PS51_CONVERTFROM_JSON_MAX_DEPTH, ps51AcceptsJson } from '../helpers/ps51-json';

/** n arrays, one inside the other, around `inner` (nothing: the innermost is empty). */
const arrays = (n: number, inner = ''): string => '['.repeat(n) + inner + ']'.repeat(n);
/** n objects, each the value of the member "a" of the one around it, around `inner`. */
const objects = (n: number, inner: string): string => '{"a":'.repeat(n - 1) + `{"a":${inner}}` + '}'.repeat(n - 1);

describe('the depth 5.1 counts', () => {
  test.each([
    ['a scalar alone', '1', 1],
    ['an empty array: nothing inside to count', '[]', 1],
    ['an empty object', '{}', 1],
    ['a scalar in an array', '[1]', 2],
    ['a member value, not its name', '{"a":1}', 2],
    ['an empty object as a member value', '{"a":{}}', 2],
    ['an array in an object', '{"a":[1,2]}', 3],
    ['the deepest value decides', '{"a":[1,{"b":null}],"c":2}', 4],
    ['brackets and escaped quotes inside strings are text', '["[[[\\"{{", "\\\\"]', 2],
    ['whitespace as ConvertTo-Json writes it', '{\r\n    "a":  [\r\n              1\r\n          ]\r\n}', 3],
  ])('%s', (_what, text, depth) => {
    expect(ps51AcceptsJson(text)).toMatchObject({ depth, accepted: true });
  });
});

describe('5.1 refuses JSON that nests deeper than 102, which pwsh 7 accepts up to 1024', () => {
  test('102 empty arrays one inside the other are accepted, 103 are not', () => {
    expect(ps51AcceptsJson(arrays(PS51_CONVERTFROM_JSON_MAX_DEPTH))).toMatchObject({ accepted: true, depth: 102 });
    expect(ps51AcceptsJson(arrays(PS51_CONVERTFROM_JSON_MAX_DEPTH + 1))).toMatchObject({ accepted: false, depth: 103 });
  });

  test('a scalar counts one deeper than its array: 101 arrays around it are the most', () => {
    expect(ps51AcceptsJson(arrays(101, '"x"'))).toMatchObject({ accepted: true, depth: 102 });
    expect(ps51AcceptsJson(arrays(102, '"x"'))).toMatchObject({ accepted: false, depth: 103 });
  });

  test('objects count as arrays do, and the refusal says why in 5.1 words', () => {
    expect(ps51AcceptsJson(objects(101, 'true'))).toMatchObject({ accepted: true, depth: 102 });
    const refused = ps51AcceptsJson(objects(102, 'true'));
    expect(refused).toMatchObject({ accepted: false, depth: 103 });
    expect(refused.refusal).toMatch(/nests 103 deep .* stops at 102: "RecursionLimit exceeded\."/);
  });
});

describe('length: no limit in 5.1; 2,097,152 characters for Windows PowerShell 3.0 and 4.0', () => {
  const ofLength = (n: number): string => `"${'x'.repeat(n - 2)}"`;

  test('5.1 accepts a text far past 2,097,152 characters; the 3.0/4.0 limit is reported beside', () => {
    const at = ps51AcceptsJson(ofLength(JAVASCRIPTSERIALIZER_DEFAULT_MAX_JSON_LENGTH));
    expect(at).toMatchObject({ accepted: true, chars: 2_097_152, withinDefaultMaxJsonLength: true });
    expect(ps51AcceptsJson(ofLength(JAVASCRIPTSERIALIZER_DEFAULT_MAX_JSON_LENGTH + 1))).toMatchObject({ accepted: true, chars: 2_097_153, withinDefaultMaxJsonLength: false });
    expect(ps51AcceptsJson(ofLength(16 * 1024 * 1024))).toMatchObject({ accepted: true, withinDefaultMaxJsonLength: false });
  });

  test('characters are UTF-16 code units, as .NET counts them, not bytes nor code points', () => {
    // U+1F600 is one code point, two UTF-16 code units, four UTF-8 bytes; é is one unit, two bytes.
    expect(ps51AcceptsJson('"\u{1F600}é"').chars).toBe(5);
  });
});

test('a text that is not JSON is a mistake of the caller, not a verdict', () => {
  expect(() => ps51AcceptsJson("{'a': 1}")).toThrow(SyntaxError);
  expect(() => ps51AcceptsJson('')).toThrow(SyntaxError);
});
