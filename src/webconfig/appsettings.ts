/**
 * Read and set `/configuration/appSettings/add` entries of a web.config, changing only the bytes of
 * the one attribute value being set (or adding one line when the key is new). Everything else in the
 * file, BOM, line endings, comments, quotes, spacing and attribute order, stays as it was.
 */
import { DiagnosticError, fail } from '../diag/diagnostic';
import { ordinalIgnoreCaseKey } from '../domain/dotnet';
import { escapeAttributeValue, firstNonXmlChar } from './escape';
import { insertAppSetting } from './insert';
import { type LineIndex, indexLines, lineCol } from './position';
import { type ScannedAttribute, type ScannedElement, scanDocument } from './scan';
import { assertWellFormed } from './validate';

export { decodeWebConfig, encodeWebConfig } from './encoding';

export interface AppSetting {
  readonly key: string;
  /** XML-decoded, as ASP.NET reads it. */
  readonly value: string;
  /** Where the entry's `<add` starts. */
  readonly line: number;
  readonly col: number;
}

export interface WebConfigOptions {
  /**
   * ASP.NET reads appSettings into a case-insensitive collection, so `a` and `A` are the same key
   * [?] (.NET Framework behaviour, not confirmed on Exchange): by default keys are matched and checked
   * for duplicates ignoring case. Set true to compare them exactly.
   */
  readonly caseSensitiveKeys?: boolean;
}

interface Entry {
  readonly element: ScannedElement;
  readonly setting: AppSetting;
  readonly keyAttribute: ScannedAttribute;
  readonly valueAttribute: ScannedAttribute | undefined;
}

interface Parsed {
  readonly root: ScannedElement;
  readonly appSettings: ScannedElement | undefined;
  readonly entries: readonly Entry[];
}

function keyMatcher(options: WebConfigOptions): (key: string) => string {
  // OrdinalIgnoreCase compares upper-cased code units, as .NET upper-cases them (src/domain/dotnet.ts).
  return options.caseSensitiveKeys === true ? (k) => k : ordinalIgnoreCaseKey;
}

function parse(text: string, label: string, options: WebConfigOptions, validate = true): Parsed {
  const lines = indexLines(text);
  if (validate) assertWellFormed(text, label, lines);
  const root = scanDocument(text, label, lines);
  const at = (offset: number) => ({ file: label, ...lineCol(lines, offset) });
  if (root.name !== 'configuration') {
    fail(
      'webconfig.not-configuration',
      `${label} is not a web.config: its document element is <${root.name}>, not <configuration>`,
      'Check that the path points at the web.config of the virtual directory you mean to manage.',
      { source: at(root.start) },
    );
  }
  const sections = root.children.filter((c) => c.name === 'appSettings');
  if (sections.length > 1) {
    fail(
      'webconfig.duplicate-section',
      `${label} has more than one <appSettings> in <configuration> (lines ${sections.map((s) => at(s.start).line).join(' and ')})`,
      'ASP.NET refuses a section that appears twice. Merge the entries into one <appSettings> and run hybridcfg again.',
      { source: at(sections[1].start) },
    );
  }
  // IIS merges <location path="."> (or path="", or no path) with the file's own sections: appSettings
  // there are read by ASP.NET as the file's own, in an order hybridcfg does not model. Refused, said why.
  for (const loc of root.children.filter((c) => c.name === 'location')) {
    const where = loc.attributes.find((a) => a.name === 'path')?.value;
    if (where !== undefined && where !== '.' && where !== '') continue;
    const inner = loc.children.find((c) => c.name === 'appSettings');
    if (inner === undefined) continue;
    fail(
      'webconfig.location-app-settings',
      `${label} has <appSettings> inside <location${where === undefined ? '' : ` path="${where}"`}> (line ${at(inner.start).line}), which ASP.NET merges with the file's own appSettings`,
      'hybridcfg edits only the appSettings of <configuration> itself, and a value set there could be overridden by, or override, the one in <location>. ' +
        'Move the entries of that <appSettings> into the one of <configuration> (or remove the duplicates), then run hybridcfg again.',
      { source: at(inner.start) },
    );
  }
  const appSettings = sections[0];
  if (appSettings === undefined) return { root, appSettings, entries: [] };
  const external = appSettings.attributes.find((a) => a.name === 'configSource' || a.name === 'file');
  if (external !== undefined) {
    fail(
      'webconfig.external-settings',
      `${label} takes its appSettings from another file (${external.name}="${external.value}")`,
      'hybridcfg edits appSettings only where they are written in the web.config itself; values in the other ' +
        'file would override or replace them. Move the entries into the web.config or manage the other file instead.',
      { source: at(external.nameStart) },
    );
  }
  return { root, appSettings, entries: readEntries(appSettings, label, lines, options) };
}

function readEntries(appSettings: ScannedElement, label: string, lines: LineIndex, options: WebConfigOptions): Entry[] {
  const normal = keyMatcher(options);
  const seen = new Map<string, Entry>();
  const entries: Entry[] = [];
  // <clear/> and <remove key=.../> before every <add> act on settings inherited from parent folders and
  // machine.config, which hybridcfg does not read. After an <add> they remove it: ASP.NET would not see
  // the value hybridcfg reads or writes there, so such a file is refused with the reason.
  for (const el of appSettings.children) {
    if (el.name === 'clear' && entries.length > 0) {
      const { line, col } = lineCol(lines, el.start);
      fail(
        'webconfig.cleared-setting',
        `${label} has <clear/> in <appSettings> at line ${line}, after entries it removes (from line ${entries[0]!.setting.line})`,
        'ASP.NET sees only the entries after <clear/>, so hybridcfg cannot say what a value before it means. Move <clear/> to the start of <appSettings> or remove it.',
        { source: { file: label, line, col } },
      );
    }
    if (el.name === 'remove') {
      const key = el.attributes.find((a) => a.name === 'key')?.value;
      const removed = key === undefined ? undefined : seen.get(normal(key));
      if (removed !== undefined) {
        const { line, col } = lineCol(lines, el.start);
        fail(
          'webconfig.removed-setting',
          `${label} removes the appSetting "${key}" at line ${line}, after setting it at line ${removed.setting.line}`,
          'ASP.NET would not see that value at all. Remove the <remove> element or the <add> before it, then run hybridcfg again.',
          { source: { file: label, line, col } },
        );
      }
    }
    if (el.name !== 'add') continue;
    const { line, col } = lineCol(lines, el.start);
    const keyAttribute = el.attributes.find((a) => a.name === 'key');
    if (keyAttribute === undefined) {
      fail('webconfig.add-without-key', `${label} has an appSettings <add> without a key attribute`, 'ASP.NET requires a key on every appSettings <add>. Add the key or remove the element.', {
        source: { file: label, line, col },
      });
    }
    const valueAttribute = el.attributes.find((a) => a.name === 'value');
    // A missing value attribute reads as the empty string, as ASP.NET's default for it.
    const entry: Entry = { element: el, setting: { key: keyAttribute.value, value: valueAttribute?.value ?? '', line, col }, keyAttribute, valueAttribute };
    const first = seen.get(normal(entry.setting.key));
    if (first !== undefined) {
      fail(
        'webconfig.duplicate-key',
        `${label} sets the appSetting "${entry.setting.key}" twice, at lines ${first.setting.line} and ${line}`,
        'ASP.NET reads only one of them, so the file does not say one thing. Remove one of the two entries ' +
          '(keep the value you mean) and run hybridcfg again.',
        { source: { file: label, line, col } },
      );
    }
    seen.set(normal(entry.setting.key), entry);
    entries.push(entry);
  }
  return entries;
}

/** The `<add key=... value=...>` entries of `/configuration/appSettings`, in file order. */
export function readAppSettings(text: string, label: string, options: WebConfigOptions = {}): AppSetting[] {
  return parse(text, label, options).entries.map((e) => e.setting);
}

function assertRepresentable(what: string, s: string, label: string): void {
  const bad = firstNonXmlChar(s);
  if (bad === undefined) return;
  const cp = bad.codePoint.toString(16).toUpperCase().padStart(4, '0');
  fail(
    'webconfig.invalid-value',
    `cannot write ${what} into ${label}: it contains U+${cp} at position ${bad.at + 1}, which XML 1.0 cannot hold`,
    'A web.config is XML 1.0: control characters (other than tab and line breaks) and unpaired surrogates ' +
      'cannot be stored in it, not even escaped. Remove the character from the value in the spec.',
  );
}

/**
 * Set one appSetting. Only the bytes of that attribute's value change; a new key gets one new line
 * after the last entry of appSettings (creating <appSettings> if the file has none). Setting a key to
 * the value it has returns the text unchanged, even when the file spells that value differently
 * (`&#124;` for `|`).
 */
export function setAppSetting(text: string, key: string, value: string, label: string, options: WebConfigOptions = {}): string {
  assertRepresentable(`the key "${key}"`, key, label);
  assertRepresentable(`the value of "${key}"`, value, label);
  const before = parse(text, label, options);
  const normal = keyMatcher(options);
  const entry = before.entries.find((e) => normal(e.setting.key) === normal(key));
  let after: string;
  if (entry === undefined) {
    after = insertAppSetting(text, before, key, value);
  } else if (entry.setting.value === value) {
    return text;
  } else if (entry.valueAttribute !== undefined) {
    const { valueStart, valueEnd, quote } = entry.valueAttribute;
    after = text.slice(0, valueStart) + escapeAttributeValue(value, quote) + text.slice(valueEnd);
  } else {
    const { valueEnd, quote } = entry.keyAttribute;
    after = text.slice(0, valueEnd + 1) + ` value=${quote}${escapeAttributeValue(value, quote)}${quote}` + text.slice(valueEnd + 1);
  }
  confirmPatch(before, after, entry?.setting.key ?? key, value, label, options);
  return after;
}

/**
 * Read the patched text back: the key must hold the new value and every other entry be untouched.
 * The strict scanner re-reads the whole text; the XMLValidator pass is not repeated, because the
 * original passed it and the edit is either an escaped attribute value (which the validator does not
 * look into) or new markup, which the scanner checks more strictly than the validator. That halves
 * the cost on large files.
 */
function confirmPatch(before: Parsed, text: string, key: string, value: string, label: string, options: WebConfigOptions): void {
  let after: Parsed;
  try {
    after = parse(text, label, options, false);
  } catch (e) {
    const why = e instanceof DiagnosticError ? e.message : String(e);
    throw new Error(`bug: patching "${key}" in ${label} produced a file that does not read back (${why})`);
  }
  const expected = before.entries.map((e) => (e.setting.key === key ? { key, value } : { key: e.setting.key, value: e.setting.value }));
  if (!before.entries.some((e) => e.setting.key === key)) expected.push({ key, value });
  const got = after.entries.map((e) => ({ key: e.setting.key, value: e.setting.value }));
  const sameSet = (a: readonly { key: string; value: string }[], b: readonly { key: string; value: string }[]) => {
    const m = new Map(a.map((x) => [x.key, x.value]));
    return a.length === b.length && b.every((x) => m.get(x.key) === x.value);
  };
  if (!sameSet(expected, got)) {
    throw new Error(`bug: patching "${key}" in ${label} did not read back as expected: ${JSON.stringify({ expected, got })}`);
  }
}

/**
 * Remove one appSetting (`hybridcfg rollback` of a key hybridcfg added). Only the `<add .../>` element
 * goes, with its line when it stands on a line of its own; every other byte stays. Removing a key the
 * file does not have returns the text unchanged.
 */
export function removeAppSetting(text: string, key: string, label: string, options: WebConfigOptions = {}): string {
  const before = parse(text, label, options);
  const normal = keyMatcher(options);
  const entry = before.entries.find((e) => normal(e.setting.key) === normal(key));
  if (entry === undefined) return text;
  let from = entry.element.start;
  let to = entry.element.end;
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  const rest = /^[ \t]*(\r?\n)?/.exec(text.slice(to))!;
  if (/^[ \t]*$/.test(text.slice(lineStart, from)) && rest[1] !== undefined) {
    from = lineStart;
    to += rest[0].length;
  }
  const after = text.slice(0, from) + text.slice(to);
  let reread: Parsed;
  try {
    reread = parse(after, label, options, false);
  } catch (e) {
    const why = e instanceof DiagnosticError ? e.message : String(e);
    throw new Error(`bug: removing "${key}" from ${label} produced a file that does not read back (${why})`);
  }
  const expected = before.entries.filter((e) => e !== entry).map((e) => `${e.setting.key}\u0000${e.setting.value}`);
  const got = reread.entries.map((e) => `${e.setting.key}\u0000${e.setting.value}`);
  if (expected.join('\n') !== got.join('\n')) throw new Error(`bug: removing "${key}" from ${label} did not read back as expected`);
  return after;
}
