/**
 * Adding an appSetting that is not in the file yet, laid out like its neighbours: same indentation,
 * same line ending (CRLF if the surrounding line uses CRLF), same quote character as the last entry.
 */
import { escapeAttributeValue } from './escape';
import type { ScannedElement } from './scan';

/** The places in the file an insertion can be anchored to. */
export interface InsertionContext {
  readonly root: ScannedElement;
  readonly appSettings: ScannedElement | undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The spaces and tabs that start the line holding `offset`. */
function indentOf(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset), offset))?.[0] ?? '';
}

/** Whether only indentation precedes `offset` on its line. */
function startsLine(text: string, offset: number): boolean {
  return indentOf(text, offset).length === offset - lineStart(text, offset);
}

/**
 * The line ending of the line holding `offset`, so that a file with mixed endings gets the style of
 * the place being edited. A file without any line break gets CRLF: web.config is a Windows file, and
 * the servers' files are expected to use CRLF [?] (docs/exchange-facts.md#web-config W5).
 */
function eolAt(text: string, offset: number): string {
  const lf = text.indexOf('\n', offset);
  const at = lf !== -1 ? lf : text.lastIndexOf('\n');
  if (at === -1) return '\r\n';
  return text[at - 1] === '\r' ? '\r\n' : '\n';
}

/** One level of indentation, taken from how the document element's first child is indented. */
function indentUnit(text: string, root: ScannedElement): string {
  const first = root.children[0];
  if (first !== undefined && startsLine(text, first.start)) {
    const outer = indentOf(text, root.start);
    const inner = indentOf(text, first.start);
    if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
  }
  return '  ';
}

/** Turn `<x .../>` into `<x ...>` + content + `</x>`, keeping the start tag's attributes and spacing. */
function openSelfClosing(text: string, el: ScannedElement, content: string): string {
  return text.slice(0, el.openEnd - 2) + '>' + content + `</${el.name}>` + text.slice(el.openEnd);
}

export function insertAppSetting(text: string, at: InsertionContext, key: string, value: string): string {
  const { root, appSettings } = at;
  const unit = indentUnit(text, root);
  const addTag = (quote: '"' | "'"): string =>
    `<add key=${quote}${escapeAttributeValue(key, quote)}${quote} value=${quote}${escapeAttributeValue(value, quote)}${quote} />`;

  if (appSettings !== undefined) {
    const sectionIndent = indentOf(text, appSettings.start);
    // After the last child of any kind, not only the last <add>: a <clear/> or <remove key=.../>
    // after our entry would cancel it.
    const last = appSettings.children[appSettings.children.length - 1];
    if (last !== undefined) {
      const lastAdd = [...appSettings.children].reverse().find((c) => c.name === 'add');
      const quote = lastAdd?.attributes.find((a) => a.name === 'key')?.quote ?? '"';
      const indent = startsLine(text, last.start) ? indentOf(text, last.start) : sectionIndent + unit;
      const insertion = eolAt(text, last.end) + indent + addTag(quote);
      return text.slice(0, last.end) + insertion + text.slice(last.end);
    }
    const eol = eolAt(text, appSettings.start);
    const entry = eol + sectionIndent + unit + addTag('"');
    if (appSettings.selfClosing) return openSelfClosing(text, appSettings, entry + eol + sectionIndent);
    const inner = text.slice(appSettings.openEnd, appSettings.closeStart);
    const insertion = inner.includes('\n') ? entry : entry + eol + sectionIndent;
    return text.slice(0, appSettings.openEnd) + insertion + text.slice(appSettings.openEnd);
  }

  // ASP.NET requires <configSections>, when present, to be the first child of <configuration>, so a new
  // <appSettings> goes right after it; otherwise it becomes the first child.
  const rootIndent = indentOf(text, root.start);
  const first = root.children[0];
  const after = first !== undefined && first.name === 'configSections' ? first : undefined;
  const indent = after !== undefined && startsLine(text, after.start) ? indentOf(text, after.start) : rootIndent + unit;
  const eol = eolAt(text, after?.end ?? root.start);
  const section = eol + indent + '<appSettings>' + eol + indent + unit + addTag('"') + eol + indent + '</appSettings>';
  if (after !== undefined) return text.slice(0, after.end) + section + text.slice(after.end);
  if (root.selfClosing) return openSelfClosing(text, root, section + eol + rootIndent);
  return text.slice(0, root.openEnd) + section + text.slice(root.openEnd);
}
