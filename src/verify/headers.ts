/**
 * Parsers for the headers Exchange sends with a 401: `WWW-Authenticate` (RFC 9110 challenges) and
 * `x-ms-diagnostics` (`<code>;reason="...";error_category="..."`, docs/exchange-facts.md#diagnostics D1-D2 [H]). Both carry quoted
 * strings that may contain the delimiters and escaped quotes, so they are tokenised, never split.
 */

export interface Challenge {
  /** As sent; compare case-insensitively. */
  readonly scheme: string;
  /** Parameter names lower-cased (they are case-insensitive); values unquoted and unescaped. */
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

export interface MsDiagnostics {
  readonly code: string;
  readonly reason?: string;
  readonly errorCategory?: string;
  readonly params: Readonly<Record<string, string>>;
}

// RFC 9110 tchar.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }
  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }
  read(re: RegExp): string {
    const start = this.pos;
    while (!this.done && re.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }
  /** A quoted-string at the cursor (which is on the opening quote); an unterminated one runs to the end. */
  quoted(): string {
    this.pos++;
    let out = '';
    while (!this.done) {
      const c = this.peek();
      this.pos++;
      if (c === '\\' && !this.done) {
        out += this.peek();
        this.pos++;
      } else if (c === '"') {
        return out;
      } else {
        out += c;
      }
    }
    return out;
  }
  /** A parameter value: quoted-string, or everything up to the delimiter (lenient: servers are not strict). */
  value(delimiter: string): string {
    if (this.peek() === '"') return this.quoted();
    const start = this.pos;
    while (!this.done && this.peek() !== delimiter) this.pos++;
    return this.text.slice(start, this.pos).trim();
  }
}

/** `x-ms-diagnostics: 2000008;reason="...";error_category="invalid_grant"`. Undefined when there is no code. */
export function parseMsDiagnostics(header: string): MsDiagnostics | undefined {
  const c = new Cursor(header);
  c.skipSpace();
  const code = c.value(';');
  if (code === '') return undefined;
  const params: Record<string, string> = {};
  while (!c.done) {
    if (c.peek() !== ';') {
      c.pos++; // stray character after a value: skip rather than fail on a server's formatting
      continue;
    }
    c.pos++;
    c.skipSpace();
    const name = c.read(TCHAR).toLowerCase();
    c.skipSpace();
    if (c.peek() !== '=') continue;
    c.pos++;
    c.skipSpace();
    const value = c.value(';');
    if (name !== '') params[name] = value;
  }
  return {
    code,
    params,
    ...(params.reason !== undefined ? { reason: params.reason } : {}),
    ...(params.error_category !== undefined ? { errorCategory: params.error_category } : {}),
  };
}

/** Is the cursor on `name =` (an auth-param) rather than on a new scheme or a token68? */
function atParam(c: Cursor): boolean {
  const save = c.pos;
  const name = c.read(TCHAR);
  c.skipSpace();
  const isParam = name !== '' && c.peek() === '=' && c.peek(1) !== '=';
  c.pos = save;
  return isParam;
}

/** All challenges of one or more `WWW-Authenticate` values (several headers may be joined with commas). */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const c = new Cursor(header);
  const challenges: Challenge[] = [];
  while (!c.done) {
    c.skipSpace();
    if (c.peek() === ',') {
      c.pos++;
      continue;
    }
    const scheme = c.read(TCHAR);
    if (scheme === '') {
      c.pos++;
      continue;
    }
    const params: Record<string, string> = {};
    let token68: string | undefined;
    c.skipSpace();
    if (!atParam(c) && TOKEN68_CHAR.test(c.peek())) {
      token68 = c.read(TOKEN68_CHAR) + c.read(/=/);
    } else {
      // Params of this challenge until a comma is followed by something that is not a param (a new scheme).
      for (;;) {
        c.skipSpace();
        if (!atParam(c)) break;
        const name = c.read(TCHAR).toLowerCase();
        c.skipSpace();
        c.pos++; // '='
        c.skipSpace();
        params[name] = c.value(',');
        c.skipSpace();
        if (c.peek() !== ',') break;
        const save = c.pos;
        c.pos++;
        c.skipSpace();
        while (c.peek() === ',') {
          c.pos++;
          c.skipSpace();
        }
        if (!atParam(c)) {
          c.pos = save;
          break;
        }
      }
    }
    challenges.push({ scheme, params, ...(token68 !== undefined ? { token68 } : {}) });
  }
  return challenges;
}
