/**
 * Secrets, tokens and keys never reach output: every string in a report, and every message taken from
 * msal or the network, passes through a scrubber that knows the values of this run.
 */

import { REDACTED } from '../util/redact';

export { REDACTED };

// Anything shaped like a JWT, and form fields that carry credentials, whoever's they are.
const JWT = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const FORM_SECRET = /((?:client_secret|client_assertion|access_token|assertion)=)[^&\s"']+/gi;
const PEM_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;

export type Scrubber = (text: string) => string;

/** A scrubber for these values (the secret, the token, the private key's PEM), in every encoding they may take. */
export function makeScrubber(values: readonly string[]): Scrubber {
  const needles = new Set<string>();
  for (const v of values) {
    if (v.length < 4) continue; // too short to be a real secret, and replacing it would mangle text
    needles.add(v);
    needles.add(encodeURIComponent(v));
    needles.add(JSON.stringify(v).slice(1, -1));
    // A PEM key's body lines can show up on their own.
    for (const line of v.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith('-----')) needles.add(line.trim());
  }
  const sorted = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  return (text: string): string => {
    let out = text.replace(PEM_BLOCK, REDACTED).replace(JWT, REDACTED).replace(FORM_SECRET, `$1${REDACTED}`);
    for (const n of sorted) out = out.split(n).join(REDACTED);
    return out;
  };
}

/** Every string inside a JSON-serialisable value, scrubbed. */
export function scrubDeep<T>(value: T, scrub: Scrubber): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, scrub)])) as T;
  }
  return value;
}
