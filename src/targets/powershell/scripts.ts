/**
 * The scripts hybridcfg runs, and the one command line that carries them. Script texts are fixed files
 * (powershell/scripts/*.ps1, shipped so administrators can read them); every value travels as base64 of
 * UTF-8 JSON and is decoded inside PowerShell, so no spec or live value is ever parsed as code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** powershell/ at the package root: three levels up from both src/targets/powershell and dist/targets/powershell. */
export const POWERSHELL_DIR = path.resolve(__dirname, '..', '..', '..', 'powershell');
export const SCRIPTS_DIR = path.join(POWERSHELL_DIR, 'scripts');
export const FAKE_EXCHANGE_MODULE = path.join(POWERSHELL_DIR, 'FakeExchange', 'FakeExchange.psd1');

export type ScriptName =
  | 'connect'
  | 'read-organization'
  | 'set-partner-application'
  | 'state-call'
  | 'read-server'
  | 'write-files'
  | 'restart'
  | 'state';

/**
 * Helpers each script carries: scripts that run on an Exchange server (locally or through Invoke-Command)
 * get the server helpers; scripts that run where the Exchange cmdlets are get the organisation helpers.
 */
const HELPERS: Readonly<Partial<Record<ScriptName, string>>> = {
  'read-server': 'server-common.ps1',
  'write-files': 'server-common.ps1',
  restart: 'server-common.ps1',
  state: 'server-common.ps1',
  'read-organization': 'org-common.ps1',
  'set-partner-application': 'org-common.ps1',
  'state-call': 'org-common.ps1',
};

const cache = new Map<string, string>();
function readScript(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = fs.readFileSync(path.join(SCRIPTS_DIR, file), 'utf8').replace(/^\uFEFF/, '');
    cache.set(file, text);
  }
  return text;
}

/** The full text of a script as it is sent (`param()` first, then its helpers, then its body). */
export function scriptText(name: ScriptName): string {
  const body = readScript(`${name}.ps1`);
  const helpers = HELPERS[name];
  if (!helpers) return body;
  // param() must be the first statement of a script block, so the helpers go right after it.
  const m = /^(?:#.*\r?\n)*param\([^)]*\)\r?\n/.exec(body);
  if (!m) throw new Error(`${name}.ps1 must start with comments and a one-line param() block`);
  return m[0] + readScript(helpers) + body.slice(m[0].length);
}

export const toBase64Json = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const toBase64Text = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** How a call reaches where it runs. */
export interface Route {
  /** Random per call: frames the result on stdout so that nothing else printed can be mistaken for it. */
  readonly nonce: string;
  readonly call: string;
  /** session: in this PowerShell process; winrm: Invoke-Command -ComputerName; lab: the fake module's stand-in. */
  readonly transport: 'session' | 'winrm' | 'lab';
  readonly server?: { readonly name: string; readonly fqdn: string };
  readonly applicationIdentifier?: string;
  /** The run a lock or journal call belongs to (the lab logs it). */
  readonly runId?: string;
}

/**
 * The single line written to the shell's stdin. Only base64 characters and fixed text: node-powershell
 * reads `-Command -` line by line, and base64 cannot contain a quote, a `$`, a backtick or a newline.
 */
export function commandLine(name: ScriptName, data: unknown, route: Route): string {
  const envelope = toBase64Text(readScript('envelope.ps1'));
  return (
    `& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${envelope}')))) ` +
    `'${toBase64Text(scriptText(name))}' '${toBase64Json(data)}' '${toBase64Json(route)}'`
  );
}

/** Pulls the framed result out of whatever the shell printed; undefined when the frame is missing. */
export function extractFrame(output: string, nonce: string): unknown {
  const begin = `HYBRIDCFG-${nonce}-BEGIN`;
  const end = `HYBRIDCFG-${nonce}-END`;
  const b = output.lastIndexOf(begin);
  const e = output.lastIndexOf(end);
  if (b < 0 || e < b) return undefined;
  const body = Buffer.from(output.slice(b + begin.length, e), 'base64').toString('utf8');
  return JSON.parse(body) as unknown;
}
