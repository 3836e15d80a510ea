/**
 * The first line `export` writes, so that an editor with the YAML language server validates and
 * completes the exported spec: `# yaml-language-server: $schema=<where the schema is>`. It must resolve
 * for the user: the input spec's own modeline when it had one (a relative path re-anchored at the
 * output's folder), else a relative path to the schema of the installed package. Never the schema's
 * `$id`: that URL names the format and serves nothing. Pure: paths in, a line out.
 */
import * as nodePath from 'node:path';
import { pathToFileURL } from 'node:url';

/** The schema file of this package (package.json `files` ships it one level above dist/ and src/). */
export const PACKAGE_SCHEMA_FILE = nodePath.join(__dirname, '..', '..', 'schemas', 'hybridcfg.schema.json');

/** The schema's `$id`: an identifier, not a location (nothing is served there). */
export const SCHEMA_ID = 'https://hybridcfg.dev/schemas/hybridcfg.schema.json';

const PREFIX = '# yaml-language-server: $schema=';

export interface ModelineRequest {
  /** The file export writes (absolute, or relative to the current folder). */
  readonly outputFile: string;
  /** The input spec and its first line, when export read one. */
  readonly input?: { readonly file: string; readonly firstLine: string };
  /** The schema to point at when the input has no modeline; default: this package's. */
  readonly schemaFile?: string;
  /** Path rules of the platform the paths come from (path.win32 for Windows paths); default: this one's. */
  readonly path?: typeof nodePath.posix;
}

/**
 * The schema reference of a modeline line, as yaml-language-server reads it (`# yaml-language-server:
 * $schema=REF`, also `$schema: REF`), or undefined when the line is not one.
 */
export function modelineSchema(line: string): string | undefined {
  const text = line.replace(/^\uFEFF/, '');
  if (!/^#\s+yaml-language-server\s*:/.test(text)) return undefined;
  return /\$schema(?:=|:[^\S\r\n]*)(\S+)/.exec(text)?.[1];
}

/** A URL (`https://...`, `file:///...`), as opposed to a path; a drive letter is not a scheme. */
function isUrl(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(ref) && !/^[a-z]:[\\/]/i.test(ref);
}

/**
 * A path from the output's folder to `target`, as a URI reference the language server resolves
 * against the document: forward slashes, spaces and other reserved characters percent-encoded. A
 * target on another Windows drive has no relative path: then a file URL.
 */
function referenceFrom(outputDir: string, target: string, path: typeof nodePath.posix): string {
  const relative = path.relative(outputDir, target);
  if (path.isAbsolute(relative)) return toFileUrl(target, path);
  return relative.split(path.sep).map(encodeURIComponent).join('/');
}

function toFileUrl(file: string, path: typeof nodePath.posix): string {
  if (path === nodePath.win32 || path.sep === '\\') {
    return 'file:///' + file.replace(/\\/g, '/').split('/').map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
  }
  return pathToFileURL(file).href;
}

function decoded(ref: string): string {
  try {
    return decodeURIComponent(ref);
  } catch {
    return ref; // a lone `%` in a file name: take it as written
  }
}

/** The modeline line (without a line break) for an exported spec written to `outputFile`. */
export function exportModeline(req: ModelineRequest): string {
  const path = req.path ?? nodePath;
  const outputDir = path.dirname(path.resolve(req.outputFile));
  const own = req.input ? modelineSchema(req.input.firstLine) : undefined;
  if (req.input && own !== undefined && own !== SCHEMA_ID) {
    // A URL, an absolute path, or `none` (the user turned validation off) means the same from anywhere.
    if (isUrl(own) || path.isAbsolute(own) || own.toLowerCase() === 'none') return PREFIX + own;
    const target = path.resolve(path.dirname(path.resolve(req.input.file)), decoded(own));
    return PREFIX + referenceFrom(outputDir, target, path);
  }
  return PREFIX + referenceFrom(outputDir, path.resolve(req.schemaFile ?? PACKAGE_SCHEMA_FILE), path);
}
