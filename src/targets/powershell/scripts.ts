/**
 * The scripts hybridcfg runs, and the one command line that carries them. Script texts are fixed files
 * (powershell/scripts/*.ps1, and each resource kind's .ps1, shipped so administrators can read them);
 * every value travels as base64 of UTF-8 JSON and is decoded inside PowerShell, so no spec or live
 * value is ever parsed as code. Bytes too large for Windows PowerShell 5.1's ConvertFrom-Json travel as
 * a separate base64 blob (docs/exchange-facts.md#powershell-51).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';

/** powershell/ at the package root: three levels up from both src/targets/powershell and dist/targets/powershell. */
export const POWERSHELL_DIR = path.resolve(__dirname, '..', '..', '..', 'powershell');
export const SCRIPTS_DIR = path.join(POWERSHELL_DIR, 'scripts');
export const FAKE_EXCHANGE_MODULE = path.join(POWERSHELL_DIR, 'FakeExchange', 'FakeExchange.psd1');

export type ScriptName = 'connect' | 'read-organization' | 'set-organization' | 'state-call' | 'read-server' | 'set-server' | 'restart' | 'state';

/**
 * Helpers each script carries: scripts that run on an Exchange server (locally or through Invoke-Command)
 * get the server helpers; scripts that run where the Exchange cmdlets are get the organisation helpers.
 */
const HELPERS: Readonly<Record<ScriptName, readonly string[]>> = {
  connect: [],
  'read-server': ['common.ps1', 'server-common.ps1'],
  'set-server': ['common.ps1', 'server-common.ps1'],
  restart: ['common.ps1', 'server-common.ps1'],
  state: ['common.ps1', 'server-common.ps1'],
  'read-organization': ['common.ps1', 'org-common.ps1'],
  'set-organization': ['common.ps1', 'org-common.ps1'],
  'state-call': ['common.ps1', 'org-common.ps1'],
};

const cache = new Map<string, string>();
function readFileOnce(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    cache.set(file, text);
  }
  return text;
}
const readScript = (file: string): string => readFileOnce(path.join(SCRIPTS_DIR, file));

/**
 * The full text of a script as it is sent: `param()` first, then its helpers, then the function
 * definitions of the resource kinds it serves (absolute paths), then its body.
 */
export function scriptText(name: ScriptName, kindScripts: readonly string[] = []): string {
  const key = `${name}\u0000${kindScripts.join('\u0000')}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const body = readScript(`${name}.ps1`);
  const parts = [...HELPERS[name].map(readScript), ...kindScripts.map(readFileOnce)];
  let text = body;
  if (parts.length > 0) {
    // param() must be the first statement of a script block, so the helpers go right after it.
    const m = /^(?:#.*\r?\n)*param\([^)]*\)\r?\n/.exec(body);
    if (!m) throw new Error(`${name}.ps1 must start with comments and a one-line param() block`);
    text = m[0] + parts.join('\n') + '\n' + body.slice(m[0].length);
  }
  cache.set(key, text);
  return text;
}

/** A script as a fan-out's second phase carries it (in its route). */
export const scriptB64 = (name: ScriptName, kindScripts: readonly string[] = []): string => toBase64Text(scriptText(name, kindScripts));

export const toBase64Json = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const toBase64Text = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** How a call reaches where it runs. */
export interface Route {
  /** Random per call: frames the result on stdout so that nothing else printed can be mistaken for it. */
  readonly nonce: string;
  /** The call's name (`readServer`, `writeFiles`): the fake Exchange module models what it does to a server. */
  readonly call: string;
  /** session: in this PowerShell process (this machine); winrm: Invoke-Command -ComputerName to the server. */
  readonly transport: 'session' | 'winrm';
  /** Lab mode: the fake Exchange module stands in for the transport (and emulates what it would reach). */
  readonly lab?: boolean;
  readonly server?: { readonly name: string; readonly fqdn: string };
  /** The calls.jsonl line the fake module writes in lab mode (the one the lab target writes, LAB.md E2). */
  readonly log: Readonly<Record<string, unknown>>;
  /** The diagnostic code the fake module records when the call fails for a reason it cannot name. */
  readonly failCode: string;
  /** A fan-out: the servers the call runs on, each with its own route (envelope.ps1). */
  readonly fanout?: readonly FanOutTarget[];
  /** A fan-out's -ThrottleLimit: how many servers are worked on at once. */
  readonly throttle?: number;
  /**
   * A second phase of the same call, run only when every server of the first answered with a result
   * (a batch's restarts after its writes): its own servers, script and map.
   */
  readonly then?: { readonly call: string; readonly fanout: readonly FanOutTarget[]; readonly throttle: number; readonly scriptB64: string; readonly map: string };
}

/** One server of a fan-out call: where it is, how it is reached, and its calls.jsonl line in lab mode. */
export interface FanOutTarget {
  readonly name: string;
  readonly fqdn: string;
  readonly transport: 'session' | 'winrm';
  readonly log: Readonly<Record<string, unknown>>;
  readonly failCode: string;
}

/** One server's request in a fan-out: its data (JSON) and its bytes. */
export interface FanOutRequest {
  readonly server: string;
  readonly data: unknown;
  readonly blob?: Buffer;
}

/**
 * A fan-out's requests as the servers receive them: one line per server, `NAME DATA BLOB` (base64
 * fields), which each server splits as text and never hands to ConvertFrom-Json, so that the blobs stay
 * out of Windows PowerShell 5.1's JSON limit (envelope.ps1). Each server's data is held to that limit.
 */
export function fanOutMap(name: ScriptName, requests: readonly FanOutRequest[]): string {
  return requests
    .map((r) => {
      if (!/^[^\s]+$/.test(r.server)) throw new Error(`a server name for a fan-out must have no white space: "${r.server}"`);
      const json = JSON.stringify(r.data);
      assertFitsConvertFromJson(name, json, r.data);
      return `${r.server} ${toBase64Text(json)} ${(r.blob ?? Buffer.alloc(0)).toString('base64')}`;
    })
    .join('\n');
}

/**
 * The single line written to the shell's stdin. Only base64 characters and fixed text: node-powershell
 * reads `-Command -` line by line, and base64 cannot contain a quote, a `$`, a backtick or a newline.
 */
export function commandLine(name: ScriptName, data: unknown, route: Route, kindScripts: readonly string[] = [], blob?: Buffer): string {
  const json = JSON.stringify(data);
  assertFitsConvertFromJson(name, json, data);
  return line(name, toBase64Text(json), route, kindScripts, (blob ?? Buffer.alloc(0)).toString('base64'));
}

/** The command line of a fan-out: the servers' requests travel as one map (fanOutMap), no blob of their own. */
export function fanOutCommandLine(name: ScriptName, map: string, route: Route, kindScripts: readonly string[] = []): string {
  return line(name, toBase64Text(map), route, kindScripts, '');
}

function line(name: ScriptName, dataB64: string, route: Route, kindScripts: readonly string[], blobB64: string): string {
  const envelope = toBase64Text(readScript('envelope.ps1'));
  return (
    `& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${envelope}')))) ` +
    `'${toBase64Text(scriptText(name, kindScripts))}' '${dataB64}' '${toBase64Json(route)}' '${blobB64}'`
  );
}

/**
 * What Windows PowerShell 5.1's ConvertFrom-Json is given stays well inside what it parses
 * (docs/powershell-5.1.md). Its JavaScriptSerializer stops at a nesting depth of 102 (RecursionLimit
 * 100 + 2 in its source); the length limit of 2,097,152 characters so often reported is
 * JavaScriptSerializer's default, which 5.1's source lifts but Windows PowerShell 4.0 keeps, and which
 * docs/exchange-facts.md#powershell-51 (S8) records as [M]. hybridcfg honours both: the data of a call is at most half of that length
 * (the state scripts parse what they hand on a second time) and nests at most 20 deep. A call above
 * either is refused here, before anything is sent, with the way out.
 */
export const PS51_CONVERTFROM_JSON_MAX_CHARS = 2_097_152;
export const DATA_MAX_CHARS = PS51_CONVERTFROM_JSON_MAX_CHARS / 2;
export const PS51_CONVERTFROM_JSON_MAX_DEPTH = 102;
export const DATA_MAX_DEPTH = 20;

/** JSON nesting as 5.1 counts it: a scalar is 1, each value inside an array or object one more. */
export function jsonDepth(value: unknown, limit: number = DATA_MAX_DEPTH + 1): number {
  if (value === null || typeof value !== 'object') return 1;
  if (limit <= 1) return 2;
  let inner = 0;
  for (const v of Array.isArray(value) ? value : Object.values(value as object)) {
    inner = Math.max(inner, jsonDepth(v, limit - 1));
    if (inner >= limit) break;
  }
  return 1 + inner;
}

export function assertFitsConvertFromJson(name: ScriptName, json: string, data?: unknown): void {
  if (json.length > DATA_MAX_CHARS) {
    fail(
      'powershell.data-too-large',
      `The data for ${name}.ps1 is ${json.length.toLocaleString('en-US')} characters of JSON, more than the ${DATA_MAX_CHARS.toLocaleString('en-US')} hybridcfg sends in one call`,
      `Windows PowerShell's ConvertFrom-Json may refuse texts over ${PS51_CONVERTFROM_JSON_MAX_CHARS.toLocaleString('en-US')} characters, and the scripts parse their data with it before doing anything, so nothing was sent. ` +
        'This happens when one run changes thousands of files (the run journal lists each): plan and apply a part of the servers at a time (--servers EX01,EX02,... or a spec per site).',
    );
  }
  if (data !== undefined && jsonDepth(data) > DATA_MAX_DEPTH) {
    fail(
      'powershell.data-too-deep',
      `The data for ${name}.ps1 nests deeper than ${DATA_MAX_DEPTH} levels`,
      `Windows PowerShell 5.1's ConvertFrom-Json stops at ${PS51_CONVERTFROM_JSON_MAX_DEPTH} levels; nothing was sent. This is a bug in hybridcfg: report it with the command you ran.`,
    );
  }
}

/**
 * The ITEM frames of a fan-out (one per server, printed as each answers) found in `output` from `from`
 * on: each parsed, and the index where scanning may go on.
 */
export function extractItems(output: string, nonce: string, from = 0): { items: unknown[]; next: number } {
  const begin = `HYBRIDCFG-${nonce}-ITEM`;
  const end = `HYBRIDCFG-${nonce}-ITEMEND`;
  const items: unknown[] = [];
  let at = from;
  for (;;) {
    const b = output.indexOf(begin, at);
    if (b < 0) break;
    const e = output.indexOf(end, b + begin.length);
    if (e < 0) break;
    items.push(JSON.parse(Buffer.from(output.slice(b + begin.length, e), 'base64').toString('utf8')) as unknown);
    at = e + end.length;
  }
  return { items, next: at };
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
