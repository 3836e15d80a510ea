/**
 * How the kinds' verify facts become the Entra checks' input: merged field by field, thumbprints
 * normalised as Exchange and certutil print them, and the checks skipped with the missing fact named.
 */
import { entraInputFrom, mergeVerifyFacts } from '../../src/verify';

const APP = '44444444-5555-6666-7777-888888888888';
const T = '7aa33a83ef48fc3bac530fb93c390e0316fbe561';

test('facts from two kinds merge; a thumbprint with separators and lower case is normalised', () => {
  const merged = mergeVerifyFacts([
    { kind: 'a', facts: { dedicatedAppId: APP, dedicatedAppIdPointer: '/authServers/0/applicationIdentifier' } },
    { kind: 'b', facts: { authCertificates: { current: { thumbprint: T.replace(/(..)(?!$)/g, '$1 '), notAfter: '2027-04-01T08:00:00Z' } } } },
  ]);
  expect(entraInputFrom(merged)).toEqual({
    dedicatedAppId: APP,
    dedicatedAppIdPointer: '/authServers/0/applicationIdentifier',
    authCertificates: { current: { thumbprint: T.toUpperCase(), notAfter: '2027-04-01T08:00:00.000Z' } },
  });
});

test('two kinds that give one field differently are a bug in the kinds, named', () => {
  expect(() => mergeVerifyFacts([{ kind: 'a', facts: { dedicatedAppId: APP } }, { kind: 'b', facts: { dedicatedAppId: APP.replace('4', '9') } }])).toThrow(
    'verify fact "dedicatedAppId" is given differently by the kinds a and b',
  );
  expect(mergeVerifyFacts([{ kind: 'a', facts: { dedicatedAppId: APP } }, { kind: 'b', facts: { dedicatedAppId: APP } }])).toEqual({ dedicatedAppId: APP });
});

test('incomplete or malformed facts: not checked, naming what is missing', () => {
  expect(entraInputFrom({})).toEqual({
    notChecked:
      "The live state does not give the dedicated application's appId (the auth server has no ApplicationIdentifier: Set-AuthServer -ApplicationIdentifier), nor the Auth certificate's thumbprint (Get-AuthConfig CurrentCertificateThumbprint).",
  });
  expect(entraInputFrom({ dedicatedAppId: APP, authCertificates: { current: { thumbprint: 'ABC' } } })).toEqual({
    notChecked: 'The current Auth certificate thumbprint "ABC" is not a SHA-1 thumbprint (40 hex digits).',
  });
});
