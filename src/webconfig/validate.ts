/** Whole-document well-formedness, before anything is read or edited. */
import { XMLValidator } from 'fast-xml-parser';
import { fail } from '../diag/diagnostic';
import { isXmlChar } from './escape';
import { type LineIndex, lineCol } from './position';

const FIX =
  'IIS and Exchange cannot read a web.config that is not well-formed, and hybridcfg will not edit one. ' +
  'Fix the XML at this place (or restore the file from its backup) and run hybridcfg again.';

/** Characters that XML 1.0 forbids anywhere in a document (lone surrogates cannot survive UTF-8 decoding). */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

export function assertWellFormed(text: string, label: string, lines: LineIndex): void {
  const bad = FORBIDDEN.exec(text);
  if (bad !== null && !isXmlChar(bad[0].charCodeAt(0))) {
    const { line, col } = lineCol(lines, bad.index);
    const cp = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    fail('webconfig.malformed', `${label} is not well-formed XML: the character U+${cp} is not allowed in XML`, FIX, {
      source: { file: label, line, col },
    });
  }
  let result: ReturnType<typeof XMLValidator.validate>;
  try {
    result = XMLValidator.validate(text);
  } catch (e) {
    // The validator has thrown on odd input rather than reporting it; the file is unusable either way.
    return fail('webconfig.malformed', `${label} is not well-formed XML (the XML validator failed: ${String(e)})`, FIX, {
      source: { file: label, line: 1, col: 1 },
    });
  }
  if (result !== true) {
    // The validator strips a BOM and counts lines at LF, like lineCol; it omits col for some errors.
    fail('webconfig.malformed', `${label} is not well-formed XML: ${result.err.msg}`, FIX, {
      source: { file: label, line: result.err.line, col: result.err.col ?? 1 },
    });
  }
}
