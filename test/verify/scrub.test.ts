import { makeScrubber, REDACTED, scrubDeep } from '../../src/verify/scrub';

test('the secret in plain, URL-encoded and JSON-escaped form is replaced', () => {
  const secret = 'a~b"c\\d e&f';
  const scrub = makeScrubber([secret]);
  const text = `plain ${secret} url ${encodeURIComponent(secret)} json ${JSON.stringify(secret)}`;
  expect(scrub(text)).toBe(`plain ${REDACTED} url ${REDACTED} json "${REDACTED}"`);
});

test('credential form fields, JWTs and PEM private keys are replaced even when not known beforehand', () => {
  const scrub = makeScrubber([]);
  expect(scrub('body client_secret=abc123&scope=x')).toBe(`body client_secret=${REDACTED}&scope=x`);
  expect(scrub('token eyJhbGciOi.eyJhdWQiOiJ4In0.c2ln end')).toBe(`token ${REDACTED} end`);
  expect(scrub('k -----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- z')).toBe(`k ${REDACTED} z`);
});

test('a key body line on its own is replaced; every string of a nested value is scrubbed', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
  const scrub = makeScrubber([key]);
  expect(scrubDeep({ a: ['x MIIEvQIBADANBgkqhkiG9w0BAQEFAASC y'], n: 1, z: null }, scrub)).toEqual({ a: [`x ${REDACTED} y`], n: 1, z: null });
});
