/**
 * Attribute values as an XML parser (and so ASP.NET) reads them, and how to write a value so that it
 * reads back exactly.
 */

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export type Decoded =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly at: number /* offset in the raw value */; readonly reason: string };

/** True for the code points XML 1.0 allows in a document (Char production). */
export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** The first character XML 1.0 cannot carry, even as a character reference (lone surrogates included). */
export function firstNonXmlChar(s: string): { readonly at: number; readonly codePoint: number } | undefined {
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    // A lone surrogate comes back from codePointAt as itself, which isXmlChar rejects.
    if (!isXmlChar(cp)) return { at: i, codePoint: cp };
    if (cp > 0xffff) i++;
  }
  return undefined;
}

/**
 * Resolve references and apply attribute-value normalisation (XML 1.0 section 3.3.3): a literal tab,
 * CR, LF or CRLF becomes one space, while the same characters written as references are kept. Only
 * the predefined entities exist: web.config files have no DTD that could declare more.
 */
export function decodeAttributeValue(raw: string): Decoded {
  // Most values need no work; skipping the character loop keeps large files fast.
  if (!/[&<\t\n\r]/.test(raw)) return { ok: true, value: raw };
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '&') {
      const semi = raw.indexOf(';', i + 1);
      const body = semi === -1 ? '' : raw.slice(i + 1, semi);
      let resolved: string | undefined;
      if (/^#[0-9]{1,7}$/.test(body) || /^#x[0-9a-fA-F]{1,6}$/.test(body)) {
        const cp = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
        if (isXmlChar(cp)) resolved = String.fromCodePoint(cp);
      } else if (Object.prototype.hasOwnProperty.call(NAMED, body)) {
        resolved = NAMED[body];
      }
      if (resolved === undefined) {
        const shown = semi === -1 || semi - i > 12 ? raw.slice(i, i + 8) : raw.slice(i, semi + 1);
        return { ok: false, at: i, reason: `'${shown}' is not a valid entity or character reference (write a literal & as &amp;)` };
      }
      out += resolved;
      i = semi + 1;
    } else if (c === '<') {
      return { ok: false, at: i, reason: "'<' is not allowed inside an attribute value (write it as &lt;)" };
    } else if (c === '\r') {
      out += ' ';
      i += raw[i + 1] === '\n' ? 2 : 1;
    } else if (c === '\n' || c === '\t') {
      out += ' ';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return { ok: true, value: out };
}

/**
 * Escape for an attribute delimited by `quote`: & < > and that quote, plus tab, CR and LF as character
 * references, because written literally they would read back as spaces. The value must already have
 * passed firstNonXmlChar.
 */
export function escapeAttributeValue(value: string, quote: '"' | "'"): string {
  return value.replace(/[&<>"'\t\n\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return quote === '"' ? '&quot;' : c;
      case "'":
        return quote === "'" ? '&apos;' : c;
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}
