import { parseMsDiagnostics, parseWwwAuthenticate } from '../../src/verify/headers';

describe('x-ms-diagnostics', () => {
  test('the 2000008 header Exchange sends: code, reason with the quoted app id, category', () => {
    const d = parseMsDiagnostics(
      `2000008;reason="The token should have valid permissions or linked account associated with partner application '00000003-0000-0000-c000-000000000000'.";error_category="invalid_grant"`,
    );
    expect(d).toEqual({
      code: '2000008',
      reason: "The token should have valid permissions or linked account associated with partner application '00000003-0000-0000-c000-000000000000'.",
      errorCategory: 'invalid_grant',
      params: {
        reason: "The token should have valid permissions or linked account associated with partner application '00000003-0000-0000-c000-000000000000'.",
        error_category: 'invalid_grant',
      },
    });
  });

  test('escaped quotes and delimiters inside a quoted reason stay in the value', () => {
    const d = parseMsDiagnostics('2000001; reason="a \\"quoted\\" word; and a ;semicolon";error_category=invalid_token');
    expect(d?.reason).toBe('a "quoted" word; and a ;semicolon');
    expect(d?.errorCategory).toBe('invalid_token');
  });

  test('a bare code, and an empty header', () => {
    expect(parseMsDiagnostics('2000007')).toEqual({ code: '2000007', params: {} });
    expect(parseMsDiagnostics('  ')).toBeUndefined();
  });
});

describe('WWW-Authenticate', () => {
  test("Exchange's Bearer challenge: every parameter, case-insensitive names, commas inside quotes", () => {
    const [c, ...rest] = parseWwwAuthenticate(
      'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*,a@b", ' +
        'Token_Types="app_asserted_user_v1 service_asserted_app_v1", error="invalid_token"',
    );
    expect(rest).toEqual([]);
    expect(c).toEqual({
      scheme: 'Bearer',
      params: {
        client_id: '00000002-0000-0ff1-ce00-000000000000',
        trusted_issuers: '00000001-0000-0000-c000-000000000000@*,a@b',
        token_types: 'app_asserted_user_v1 service_asserted_app_v1',
        error: 'invalid_token',
      },
    });
  });

  test('several challenges, token68 and unquoted values', () => {
    expect(parseWwwAuthenticate('Negotiate YIIabc==, Bearer realm=contoso, error="x \\"y\\"", Basic realm="Exchange"')).toEqual([
      { scheme: 'Negotiate', params: {}, token68: 'YIIabc==' },
      { scheme: 'Bearer', params: { realm: 'contoso', error: 'x "y"' } },
      { scheme: 'Basic', params: { realm: 'Exchange' } },
    ]);
  });

  test('a scheme alone', () => {
    expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'Negotiate', params: {} }]);
  });
});
