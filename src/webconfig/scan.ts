/**
 * A strict, single-pass XML tokenizer that finds where elements and attribute values sit in the
 * original text. It skips comments, CDATA, processing instructions and the DOCTYPE, so markup
 * inside them (a commented-out `<add key=.../>`, which real Exchange files carry) is never taken for
 * an element. It keeps the element tree only where appSettings can be: the document element, its
 * children, and the children of its `appSettings` children.
 *
 * fast-xml-parser's XMLValidator runs first (see validate.ts), but it does not look inside attribute
 * values, comments or references; everything this scanner relies on, it checks itself and reports as
 * `webconfig.malformed`, so a file it accepts is one whose offsets can be trusted.
 */
import { fail } from '../diag/diagnostic';
import { decodeAttributeValue } from './escape';
import { type LineIndex, lineCol } from './position';

export interface ScannedAttribute {
  readonly name: string;
  readonly nameStart: number;
  /** The raw value is text.slice(valueStart, valueEnd), between the quotes. */
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly quote: '"' | "'";
  /** References resolved and whitespace normalised, as an XML parser reports it. */
  readonly value: string;
}

export interface ScannedElement {
  readonly name: string;
  /** Offset of the `<` of the start tag. */
  readonly start: number;
  /** Offset just after the start tag's `>` (for `<x/>`, after `/>`). */
  readonly openEnd: number;
  readonly selfClosing: boolean;
  readonly attributes: readonly ScannedAttribute[];
  /** Offset of the end tag's `<`; equals openEnd for a self-closing element. */
  readonly closeStart: number;
  /** Offset just after the whole element. */
  readonly end: number;
  /** Element children, kept only for the document element and its `appSettings` children. */
  readonly children: readonly ScannedElement[];
}

interface Building {
  name: string;
  start: number;
  openEnd: number;
  selfClosing: boolean;
  attributes: ScannedAttribute[];
  closeStart: number;
  end: number;
  children: Building[];
  keepChildren: boolean;
}

const NAME = /^[A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*$/;

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function scanDocument(text: string, label: string, lines: LineIndex): ScannedElement {
  const malformed = (at: number, summary: string): never => {
    const { line, col } = lineCol(lines, at);
    return fail(
      'webconfig.malformed',
      `${label} is not well-formed XML: ${summary}`,
      'IIS and Exchange cannot read a web.config that is not well-formed, and hybridcfg will not edit one. ' +
        'Fix the XML at this place (or restore the file from its backup) and run hybridcfg again.',
      { source: { file: label, line, col } },
    );
  };

  const n = text.length;
  const stack: Building[] = [];
  let root: Building | undefined;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let nextCdataEnd = text.indexOf(']]>');

  const skipSpace = (from: number): number => {
    let j = from;
    while (j < n && isSpace(text[j])) j++;
    return j;
  };
  const readName = (from: number): string => {
    let j = from;
    while (j < n && !isSpace(text[j]) && text[j] !== '/' && text[j] !== '>' && text[j] !== '=' && text[j] !== '<') j++;
    const name = text.slice(from, j);
    if (!NAME.test(name)) malformed(from, name === '' ? 'a name is missing here' : `'${name}' is not a valid XML name`);
    return name;
  };
  /** Offset after `marker`, searched from `from`; an error points at `open`, where the construct starts. */
  const closeAt = (open: number, from: number, what: string, marker: string): number => {
    const j = text.indexOf(marker, from);
    if (j === -1) malformed(open, `${what} is never closed with '${marker}'`);
    return j + marker.length;
  };
  const skipDoctype = (from: number): number => {
    let inSubset = false;
    for (let j = from + 9; j < n; j++) {
      const c = text[j];
      if (c === '"' || c === "'") {
        const q = text.indexOf(c, j + 1);
        if (q === -1) break;
        j = q;
      } else if (inSubset && text.startsWith('<!--', j)) {
        j = closeAt(j, j + 4, 'a comment', '-->') - 1;
      } else if (c === '[') inSubset = true;
      else if (c === ']') inSubset = false;
      else if (c === '>' && !inSubset) return j + 1;
    }
    return malformed(from, 'the DOCTYPE is never closed');
  };

  while (i < n) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? n : lt;
    if (stack.length === 0) {
      for (let j = i; j < textEnd; j++) {
        if (!isSpace(text[j])) malformed(j, 'text outside the document element');
      }
    } else {
      // The validator checks '&' in text; ']]>' outside CDATA it lets through. The next ']]>' is
      // searched for only once we are past the previous one, so the whole scan stays linear.
      if (nextCdataEnd !== -1 && nextCdataEnd < i) nextCdataEnd = text.indexOf(']]>', i);
      if (nextCdataEnd !== -1 && nextCdataEnd < textEnd) malformed(nextCdataEnd, "']]>' is not allowed in text");
    }
    if (lt === -1) break;
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = closeAt(i, i + 4, 'a comment', '-->');
      const dashes = text.slice(i + 4, end - 2).indexOf('--');
      if (dashes !== -1) malformed(i + 4 + dashes, "'--' is not allowed inside a comment (nor a '-' just before '-->')");
      i = end;
    } else if (text.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) malformed(i, 'CDATA outside the document element');
      i = closeAt(i, i + 9, 'a CDATA section', ']]>');
    } else if (text.startsWith('<!DOCTYPE', i)) {
      if (root !== undefined) malformed(i, 'a DOCTYPE after the document element has started');
      i = skipDoctype(i);
    } else if (text.startsWith('<?', i)) {
      const target = /^<\?([^\s?]*)/.exec(text.slice(i, i + 64))?.[1] ?? '';
      if (target.toLowerCase() === 'xml' && i > (text.charCodeAt(0) === 0xfeff ? 1 : 0)) {
        malformed(i, 'the XML declaration must be at the very start of the file');
      }
      i = closeAt(i, i + 2, 'a processing instruction', '?>');
    } else if (text[i + 1] === '!') {
      return malformed(i, "unexpected '<!'");
    } else if (text[i + 1] === '/') {
      const name = readName(i + 2);
      const gt = skipSpace(i + 2 + name.length);
      if (text[gt] !== '>') malformed(gt, `the end tag </${name}> is not closed with '>'`);
      const open = stack.pop();
      if (open === undefined) return malformed(i, `</${name}> has no matching start tag`);
      if (open.name !== name) malformed(i, `expected </${open.name}> (for the start tag at line ${lineCol(lines, open.start).line}) but found </${name}>`);
      open.closeStart = i;
      open.end = gt + 1;
      i = gt + 1;
    } else {
      const name = readName(i + 1);
      if (stack.length === 0 && root !== undefined) malformed(i, `a second document element <${name}>; a file has only one`);
      const el: Building = {
        name,
        start: i,
        openEnd: -1,
        selfClosing: false,
        attributes: [],
        closeStart: -1,
        end: -1,
        children: [],
        // The document element's children, appSettings' entries, and a <location>'s appSettings (which
        // IIS merges with the file's own when the location is the file's folder).
        keepChildren:
          stack.length === 0 ||
          (stack.length === 1 && (name === 'appSettings' || name === 'location')) ||
          (stack.length === 2 && name === 'appSettings' && stack[1]!.name === 'location'),
      };
      let j = i + 1 + name.length;
      // A set, not a search of the list: an element with very many attributes stays linear.
      const seenAttributes = new Set<string>();
      for (;;) {
        const afterSpace = skipSpace(j);
        if (text[afterSpace] === '>') {
          el.openEnd = afterSpace + 1;
          break;
        }
        if (text.startsWith('/>', afterSpace)) {
          el.openEnd = afterSpace + 2;
          el.selfClosing = true;
          el.closeStart = el.openEnd;
          el.end = el.openEnd;
          break;
        }
        if (afterSpace >= n) malformed(i, `the start tag <${name}> is never closed`);
        if (afterSpace === j) malformed(j, `a space is needed before the next attribute in <${name}>`);
        const attrName = readName(afterSpace);
        if (seenAttributes.has(attrName)) malformed(afterSpace, `the attribute '${attrName}' appears twice in <${name}>`);
        seenAttributes.add(attrName);
        const eq = skipSpace(afterSpace + attrName.length);
        if (text[eq] !== '=') malformed(eq, `the attribute '${attrName}' has no '=' and value`);
        const q = skipSpace(eq + 1);
        const quote = text[q];
        if (quote !== '"' && quote !== "'") return malformed(q, `the value of '${attrName}' must be in quotes`);
        const close = text.indexOf(quote, q + 1);
        if (close === -1) malformed(q, `the value of '${attrName}' is never closed with ${quote}`);
        const decoded = decodeAttributeValue(text.slice(q + 1, close));
        if (!decoded.ok) return malformed(q + 1 + decoded.at, decoded.reason);
        el.attributes.push({ name: attrName, nameStart: afterSpace, valueStart: q + 1, valueEnd: close, quote, value: decoded.value });
        j = close + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent === undefined) root = el;
      else if (parent.keepChildren) parent.children.push(el);
      if (!el.selfClosing) stack.push(el);
      i = el.openEnd;
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    malformed(open.start, `<${open.name}> is never closed`);
  }
  if (root === undefined) return malformed(i, 'there is no document element');
  return root;
}
