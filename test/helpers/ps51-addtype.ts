/**
 * Compiles the C# of `Add-Type -TypeDefinition` blocks exactly as Windows PowerShell 5.1 compiles them on an
 * Exchange server, so that a block which only pwsh 7 accepts fails a test here instead of failing on every
 * real server (the tests themselves run pwsh 7, which compiles with Roslyn against all of .NET).
 *
 * What 5.1 does, and so what this does:
 * - "By default, Add-Type references System.dll and System.Management.Automation.dll. The assemblies that you
 *   specify by using this parameter are referenced in addition to the default assemblies." (PowerShell-Docs,
 *   reference/5.1/Microsoft.PowerShell.Utility/Add-Type.md, -ReferencedAssemblies) [H]. The compiler adds
 *   mscorlib itself. Nothing else: no System.Core (HashSet<T>, LINQ), so `-noconfig -nostdlib` and explicit
 *   references keep Roslyn's own defaults out.
 * - -IgnoreWarnings exists "to prevent Add-Type from handling compiler warnings as errors" (same page) [H]:
 *   without it a warning fails the Add-Type, so `-warnaserror+`.
 * - The compiler is the one of .NET Framework 4.x, C# 5 at most [M]: `-langversion:5`, against the .NET
 *   Framework 4.8 reference assemblies and PowerShell 5.1's System.Management.Automation.dll (NuGet,
 *   scripts/ps51-refs/ps51-refs.csproj). Roslyn may warn where the old compiler did not: stricter, never laxer.
 * - Each Add-Type is its own compilation with its own references: one csc per block, not one compilation of
 *   all blocks, where one block could use another's types or clash with its names. csc costs about 0.5 s a
 *   block, so each verdict is cached (.tools/ps51-addtype-cache/) under a hash of everything that decides it:
 *   the compiler, the reference files, the command line and the C# as written to the compiler. A block that
 *   did not change since the last run costs nothing; any change to it, its references or the compiler
 *   compiles it again.
 *
 * Blocks are found with PowerShell's own parser (read-addtype.ps1 beside this file; what it finds in a
 * source is kept the same way, so that an unchanged repository needs no pwsh for it). Anything it cannot turn
 * into a known C# text and reference list (a variable, a here-string that expands `$x`, splatting, -Path,
 * -MemberDefinition, `Add-Type` inside a string run later) is a problem the test reports, never skipped.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PS51_REFS_PROJECT = path.join(REPO_ROOT, 'scripts', 'ps51-refs', 'ps51-refs.csproj');
const DEFAULT_PACKAGES = path.join(REPO_ROOT, '.tools', 'ps51-refs', 'packages');

export interface PsSource {
  /** As it appears in messages: relative to the repository root for the shipped scripts. */
  readonly file: string;
  readonly text: string;
}

export interface AddTypeBlock {
  readonly file: string;
  /** Line of the Add-Type command. */
  readonly line: number;
  /** Line of the script on which the C# text starts (the line after `@'` for a here-string). */
  readonly firstLine: number;
  readonly source: string;
  /** As the script names them in -ReferencedAssemblies, beyond the defaults. */
  readonly references: readonly string[];
  readonly ignoreWarnings: boolean;
}

export interface AddTypeScan {
  readonly blocks: readonly AddTypeBlock[];
  /** One line per Add-Type this check cannot read, naming the file, the line and the way out. */
  readonly problems: readonly string[];
}

/**
 * Where PowerShell that runs on the servers lives: powershell/ (the scripts and the fake Exchange module) and
 * src/ (the resource kinds keep their scripts beside their TypeScript, src/resources/<kind>/<kind>.ps1).
 */
export const POWERSHELL_ROOTS: readonly string[] = ['powershell', 'src'];
/** Folders never searched: installed packages and build output hold copies, not the sources. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['node_modules', 'dist']);

/** Every *.ps1 and *.psm1 under POWERSHELL_ROOTS of `root`, named relative to `root`. */
export function powershellSources(root: string = REPO_ROOT): PsSource[] {
  const out: PsSource[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(e.name)) walk(p);
      } else if (/\.psm?1$/i.test(e.name)) {
        out.push({ file: path.relative(root, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8').replace(/^\uFEFF/, '') });
      }
    }
  };
  // A root may not exist (yet, or any more, while the scripts move): what exists is searched.
  for (const r of POWERSHELL_ROOTS) if (fs.existsSync(path.join(root, r))) walk(path.join(root, r));
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

// What read-addtype.ps1 prints.
type Value =
  | { type: 'string'; value: string; quoting: string; line: number }
  | { type: 'expandable'; text: string; line: number }
  | { type: 'array'; elements: Value[]; line: number }
  | { type: 'other'; ast: string; text: string; line: number };
type Element =
  | { kind: 'parameter'; name: string; line: number; argument?: Value }
  | { kind: 'splat'; text: string; line: number }
  | { kind: 'value'; value: Value; line: number };
interface Scanned {
  file: string;
  parseErrors: { line: number; message: string }[];
  commands: { line: number; text: string; elements: Element[] }[];
  mentions: { line: number; kind: string }[];
}

/**
 * Add-Type's parameters in Windows PowerShell 5.1 (Add-Type.md above) and the common parameters, with their
 * aliases; `switch` takes no value. What this check does with each: `read` it understands, `ignore` does not
 * change what is compiled, `refuse` it cannot check (the C# or its compiler is not known from the text).
 */
const PARAMETERS: readonly { name: string; aliases?: readonly string[]; switch?: true; use: 'read' | 'ignore' | 'refuse' }[] = [
  { name: 'TypeDefinition', use: 'read' },
  { name: 'ReferencedAssemblies', aliases: ['RA'], use: 'read' },
  { name: 'IgnoreWarnings', switch: true, use: 'read' },
  { name: 'Language', use: 'read' },
  { name: 'AssemblyName', aliases: ['AN'], use: 'read' },
  { name: 'PassThru', switch: true, use: 'ignore' },
  { name: 'OutputAssembly', aliases: ['OA'], use: 'ignore' },
  { name: 'OutputType', aliases: ['OT'], use: 'ignore' },
  { name: 'CodeDomProvider', aliases: ['Provider'], use: 'refuse' },
  { name: 'CompilerParameters', aliases: ['CP'], use: 'refuse' },
  { name: 'Name', use: 'refuse' },
  { name: 'MemberDefinition', use: 'refuse' },
  { name: 'Namespace', aliases: ['NS'], use: 'refuse' },
  { name: 'UsingNamespace', aliases: ['Using'], use: 'refuse' },
  { name: 'Path', use: 'refuse' },
  { name: 'LiteralPath', aliases: ['PSPath'], use: 'refuse' },
  { name: 'Verbose', aliases: ['vb'], switch: true, use: 'ignore' },
  { name: 'Debug', aliases: ['db'], switch: true, use: 'ignore' },
  { name: 'ErrorAction', aliases: ['ea'], use: 'ignore' },
  { name: 'WarningAction', aliases: ['wa'], use: 'ignore' },
  { name: 'InformationAction', aliases: ['infa'], use: 'ignore' },
  { name: 'ErrorVariable', aliases: ['ev'], use: 'ignore' },
  { name: 'WarningVariable', aliases: ['wv'], use: 'ignore' },
  { name: 'InformationVariable', aliases: ['iv'], use: 'ignore' },
  { name: 'OutVariable', aliases: ['ov'], use: 'ignore' },
  { name: 'OutBuffer', aliases: ['ob'], use: 'ignore' },
  { name: 'PipelineVariable', aliases: ['pv'], use: 'ignore' },
];

/** PowerShell's rule: an exact name or alias, else a unique prefix of a name (case-insensitive). */
function resolveParameter(written: string): (typeof PARAMETERS)[number] | string {
  const w = written.toLowerCase();
  const exact = PARAMETERS.find((p) => p.name.toLowerCase() === w || (p.aliases ?? []).some((a) => a.toLowerCase() === w));
  if (exact) return exact;
  const prefixed = PARAMETERS.filter((p) => p.name.toLowerCase().startsWith(w));
  if (prefixed.length === 1) return prefixed[0]!;
  return prefixed.length === 0 ? `-${written} is not a parameter of Add-Type` : `-${written} is ambiguous (${prefixed.map((p) => p.name).join(', ')})`;
}

const describeValue = (v: Value): string =>
  v.type === 'expandable' ? `a "..." string that expands at run time (${v.text.split('\n')[0]}...)` : v.type === 'other' ? `${v.ast} \`${v.text}\`` : v.type;

function strings(v: Value): string[] | undefined {
  if (v.type === 'string') return [v.value];
  if (v.type === 'array' && v.elements.every((e) => e.type === 'string')) return v.elements.map((e) => (e as { value: string }).value);
  return undefined;
}

function readCommand(file: string, cmd: Scanned['commands'][number]): { block?: AddTypeBlock; problems: string[] } {
  const where = `${file}:${cmd.line}`;
  const problems: string[] = [];
  const given = new Map<string, Value | true>();
  const positional: Value[] = [];
  const elements = [...cmd.elements];
  while (elements.length > 0) {
    const e = elements.shift()!;
    if (e.kind === 'splat') {
      problems.push(`${where}: Add-Type ${e.text} passes its parameters by splatting; write them out so that the C# and its references can be checked.`);
      continue;
    }
    if (e.kind === 'value') {
      positional.push(e.value);
      continue;
    }
    const p = resolveParameter(e.name);
    if (typeof p === 'string') {
      problems.push(`${where}: ${p}.`);
      continue;
    }
    let value: Value | true = true;
    if (e.argument) value = e.argument;
    else if (!p.switch) {
      const next = elements[0];
      if (next?.kind !== 'value') {
        problems.push(`${where}: -${p.name} has no value.`);
        continue;
      }
      value = (elements.shift() as { value: Value }).value;
    }
    if (p.use === 'refuse') {
      problems.push(`${where}: Add-Type -${p.name} is not checked by the Windows PowerShell 5.1 compile test; compile the C# with -TypeDefinition, or extend test/helpers/ps51-addtype.ts first.`);
      continue;
    }
    if (p.use === 'read') given.set(p.name, value);
  }
  if (positional.length === 1 && !given.has('TypeDefinition')) given.set('TypeDefinition', positional[0]!);
  else if (positional.length > 0) problems.push(`${where}: Add-Type has ${positional.length} positional argument(s) this check cannot place; name the parameters.`);

  const language = given.get('Language');
  if (language !== undefined && (language === true || language.type !== 'string' || language.value.toLowerCase() !== 'csharp')) {
    problems.push(`${where}: Add-Type -Language ${language === true ? '' : describeValue(language)}: only C# is checked (5.1's other languages use other compilers).`);
  }
  const definition = given.get('TypeDefinition');
  if (definition === undefined) {
    // -AssemblyName loads an assembly and compiles nothing.
    if (!given.has('AssemblyName')) problems.push(`${where}: Add-Type without -TypeDefinition or -AssemblyName: nothing this check can compile.`);
    return { problems };
  }
  if (definition === true || definition.type !== 'string') {
    problems.push(
      `${where}: Add-Type -TypeDefinition gets ${definition === true ? 'no value' : describeValue(definition)}; the check needs the C# text itself: write it in a here-string at the call (@'...'@).`,
    );
    return { problems };
  }
  const refs = given.get('ReferencedAssemblies');
  const references = refs === undefined ? [] : refs === true ? undefined : strings(refs);
  if (references === undefined) {
    problems.push(`${where}: Add-Type -ReferencedAssemblies gets ${refs === true ? 'no value' : describeValue(refs as Value)}; name the assemblies as plain strings at the call.`);
    return { problems };
  }
  if (problems.length > 0) return { problems };
  const hereString = /HereString$/.test(definition.quoting);
  return {
    block: {
      file,
      line: cmd.line,
      firstLine: definition.line + (hereString ? 1 : 0),
      source: definition.value,
      references,
      ignoreWarnings: given.has('IgnoreWarnings'),
    },
    problems,
  };
}

/**
 * Where scans and verdicts are kept between runs: beside the restored packages, ignored by git like them.
 * CI may keep it between runs, or not; a missing or emptied folder only makes the next run slower.
 */
export const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, '.tools', 'ps51-addtype-cache');

const sha256 = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

function readCache<T>(file: string | undefined, valid: (v: T) => boolean): T | undefined {
  if (file === undefined || !fs.existsSync(file)) return undefined;
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    return valid(v) ? v : undefined;
  } catch {
    // A torn or foreign file is no answer: do the work again.
    return undefined;
  }
}

function writeCache(file: string | undefined, value: unknown): void {
  if (file === undefined) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Rename into place, so that a test file run beside this one never reads half an entry.
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(value));
    fs.renameSync(temp, file);
  } catch {
    // A cache that cannot be written only makes the next run slower.
  }
}

export interface CacheOptions {
  /** Where answers are kept between runs (DEFAULT_CACHE_DIR when not given); null keeps none. */
  readonly cacheDir?: string | null;
}
const cacheDirOf = (o: CacheOptions): string | null => (o.cacheDir === undefined ? DEFAULT_CACHE_DIR : o.cacheDir);

const READ_ADDTYPE = path.join(__dirname, 'read-addtype.ps1');

/**
 * Reads every Add-Type of the sources with pwsh's parser: one pwsh for all the sources the cache does not
 * answer, none when it answers them all. What pwsh found in a source is kept under a hash of the source's
 * name and text and of read-addtype.ps1; pwsh's version is not part of it, as PowerShell's syntax tree for
 * what read-addtype.ps1 reads has not changed since 3.0 (empty the cache folder if that ever changes).
 * Asynchronous, so that a caller can start other pwsh work while this one starts up.
 */
export async function scanAddTypes(sources: readonly PsSource[], pwsh: string, options: CacheOptions = {}): Promise<AddTypeScan> {
  const cacheDir = cacheDirOf(options);
  const reader = fs.readFileSync(READ_ADDTYPE, 'utf8');
  const cacheFiles = sources.map((s) => (cacheDir === null ? undefined : path.join(cacheDir, `scan-${sha256({ reader, file: s.file, text: s.text })}.json`)));
  const found = cacheFiles.map((f) => readCache<Scanned>(f, (v) => Array.isArray(v.commands) && Array.isArray(v.mentions) && Array.isArray(v.parseErrors)));
  const missing = sources.filter((_s, i) => found[i] === undefined);
  if (missing.length > 0) {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        pwsh,
        ['-NoProfile', '-NonInteractive', '-File', READ_ADDTYPE],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        (err, out, stderr) => (err ? reject(new Error(`read-addtype.ps1 failed: ${stderr || err.message}`)) : resolve(out)),
      );
      child.stdin!.end(JSON.stringify(missing));
    });
    const read = JSON.parse(stdout) as Scanned[];
    if (read.length !== missing.length) throw new Error(`read-addtype.ps1 answered for ${read.length} of ${missing.length} sources`);
    let next = 0;
    for (let i = 0; i < sources.length; i++) {
      if (found[i] !== undefined) continue;
      found[i] = read[next++]!;
      writeCache(cacheFiles[i], found[i]);
    }
  }
  const scanned = found as Scanned[];
  const blocks: AddTypeBlock[] = [];
  const problems: string[] = [];
  for (const s of scanned) {
    for (const e of s.parseErrors) problems.push(`${s.file}:${e.line}: PowerShell cannot parse the script (${e.message}), so its Add-Type blocks cannot be found.`);
    for (const m of s.mentions) {
      problems.push(`${s.file}:${m.line}: "Add-Type" appears in a ${m.kind} token that is not an Add-Type command this check reads; call Add-Type directly with its C# in a here-string, or keep the name to comments.`);
    }
    for (const c of s.commands) {
      const r = readCommand(s.file, c);
      if (r.block) blocks.push(r.block);
      problems.push(...r.problems);
    }
  }
  return { blocks, problems };
}

export interface Ps51References {
  /** The .NET Framework 4.8 reference assemblies (mscorlib.dll, System.dll, System.Core.dll, ...). */
  readonly frameworkDir: string;
  readonly systemManagementAutomation: string;
}

/** The two packages' versions, from the project that restores them, so that they are written once. */
function packageVersions(): { framework: string; powershell: string } {
  const text = fs.readFileSync(PS51_REFS_PROJECT, 'utf8');
  const version = (id: string): string => {
    const m = new RegExp(`<PackageDownload\\s+Include="${id.replace(/\./g, '\\.')}"\\s+Version="\\[([^\\]]+)\\]"`).exec(text);
    if (!m) throw new Error(`${PS51_REFS_PROJECT} no longer names ${id} with an exact [version]`);
    return m[1]!;
  };
  return { framework: version('Microsoft.NETFramework.ReferenceAssemblies.net48'), powershell: version('PowerShellStandard.Library') };
}

/** How to get the packages, word for word in the error: CI runs the same script (`npm run test:ci`). */
export const PS51_REFS_HINT =
  'Get them with `bash scripts/install-test-tools.sh` (what `npm run test:ci` runs first), which runs ' +
  '`dotnet restore scripts/ps51-refs/ps51-refs.csproj --packages .tools/ps51-refs/packages -p:MSBuildProjectExtensionsPath=.tools/ps51-refs/obj/`, ' +
  'or point HYBRIDCFG_PS51_REFS at a NuGet packages folder that has them.';

/**
 * Finds the restored packages: HYBRIDCFG_PS51_REFS, else .tools/ps51-refs/packages of this clone. Missing
 * packages are an error with the way to get them, locally and on CI alike: the test fails, never skips.
 */
export function locatePs51References(packages: string = process.env.HYBRIDCFG_PS51_REFS ?? DEFAULT_PACKAGES): Ps51References {
  const v = packageVersions();
  const frameworkDir = path.join(packages, 'microsoft.netframework.referenceassemblies.net48', v.framework, 'build', '.NETFramework', 'v4.8');
  const systemManagementAutomation = path.join(packages, 'powershellstandard.library', v.powershell, 'lib', 'net452', 'System.Management.Automation.dll');
  const missing = [path.join(frameworkDir, 'mscorlib.dll'), path.join(frameworkDir, 'System.dll'), systemManagementAutomation].filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `The Windows PowerShell 5.1 compile check needs NuGet Microsoft.NETFramework.ReferenceAssemblies.net48 ${v.framework} and ` +
        `PowerShellStandard.Library ${v.powershell}, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. ${PS51_REFS_HINT}`,
    );
  }
  return { frameworkDir, systemManagementAutomation };
}

/** The .NET SDK's Roslyn compiler: HYBRIDCFG_CSC (a csc.dll), else that of the newest SDK `dotnet` lists. */
export function findCsc(): string {
  if (process.env.HYBRIDCFG_CSC) return process.env.HYBRIDCFG_CSC;
  const list = spawnSync('dotnet', ['--list-sdks'], { encoding: 'utf8' });
  const sdks = (list.stdout ?? '')
    .split('\n')
    .map((l) => /^(\S+) \[(.+)\]$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => path.join(m[2]!, m[1]!, 'Roslyn', 'bincore', 'csc.dll'))
    .filter((f) => fs.existsSync(f));
  if (sdks.length === 0) {
    throw new Error(`No .NET SDK with Roslyn (sdk/<version>/Roslyn/bincore/csc.dll) found through \`dotnet --list-sdks\`${list.error ? ` (${list.error.message})` : ''}. Install the .NET SDK, or set HYBRIDCFG_CSC to a csc.dll.`);
  }
  return sdks[sdks.length - 1]!;
}

export interface CompileResult {
  readonly block: AddTypeBlock;
  /** The references passed to the compiler, by file name. */
  readonly references: readonly string[];
  readonly ok: boolean;
  /** The compiler's diagnostics, positioned in the script (`file(line,col): error CS...`). */
  readonly messages: readonly string[];
  /** The verdict is one an earlier run of the compiler gave for the same input (see compileAs51). */
  readonly cached: boolean;
}

export interface CompileOptions extends CacheOptions {
  /** A csc.dll; findCsc() when not given. */
  readonly csc?: string;
}

/** Turns -ReferencedAssemblies names into reference assemblies of .NET Framework 4.8, as 5.1 resolves them from the GAC. */
function resolveReferences(names: readonly string[], refs: Ps51References): { files: string[]; unknown: string[] } {
  const byName = new Map<string, string>();
  for (const dir of [path.join(refs.frameworkDir, 'Facades'), refs.frameworkDir]) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) if (/\.dll$/i.test(f)) byName.set(f.slice(0, -4).toLowerCase(), path.join(dir, f));
  }
  byName.set('system.management.automation', refs.systemManagementAutomation);
  const files = [byName.get('mscorlib')!, byName.get('system')!, refs.systemManagementAutomation];
  const unknown: string[] = [];
  for (const n of names) {
    // 'System.Core', 'System.Core.dll' or 'System.Core, Version=4.0.0.0, ...': a path cannot be checked here.
    const simple = n.split(',')[0]!.trim().replace(/\.dll$/i, '');
    const file = /[\\/]/.test(simple) ? undefined : byName.get(simple.toLowerCase());
    if (file === undefined) unknown.push(n);
    else if (!files.includes(file)) files.push(file);
  }
  return { files, unknown };
}

/** What a file is, for the cache key: a changed SDK or package changes its path, size or time. */
function identity(file: string): string {
  const st = fs.statSync(file);
  return `${file}|${st.size}|${st.mtimeMs}`;
}

function compileOne(block: AddTypeBlock, index: number, dir: string, refs: Ps51References, csc: string, cacheDir: string | null): Promise<CompileResult> {
  const { files, unknown } = resolveReferences(block.references, refs);
  const names = files.map((f) => path.basename(f));
  if (unknown.length > 0) {
    const messages = unknown.map((u) => `-ReferencedAssemblies names ${u}, which is not an assembly of .NET Framework 4.8 (nor a name this check resolves); a path cannot be checked here`);
    return Promise.resolve({ block, references: names, ok: false, messages, cached: false });
  }
  // #line makes the compiler report positions in the script itself.
  const text = `#line ${block.firstLine} "${block.file}"\n${block.source}\n`;
  const options = ['-nologo', '-noconfig', '-nostdlib+', '-langversion:5', '-target:library', ...(block.ignoreWarnings ? [] : ['-warnaserror+']), ...files.map((f) => `-reference:${f}`)];
  // Everything the verdict depends on; the messages hold no path of this run (see below), so they can be reused.
  const key = sha256({ csc: identity(csc), references: files.map(identity), options, text });
  const cacheFile = cacheDir === null ? undefined : path.join(cacheDir, `compile-${key}.json`);
  const hit = readCache<{ ok: boolean; messages: string[] }>(cacheFile, (v) => typeof v.ok === 'boolean' && Array.isArray(v.messages));
  if (hit) return Promise.resolve({ block, references: names, ok: hit.ok, messages: hit.messages, cached: true });

  const cs = path.join(dir, `block${index}.cs`);
  fs.writeFileSync(cs, text);
  const args = [csc, ...options, `-out:${path.join(dir, `block${index}.dll`)}`, cs];
  return new Promise((resolve) => {
    execFile('dotnet', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // The compiler places a #line file name in the folder of the .cs file: put it back beside the repository.
      const messages = `${stdout}\n${stderr}`
        .split(/\r?\n/)
        .map((l) => l.trim().split(dir + path.sep).join(''))
        .filter((l) => l !== '');
      // csc answers 0 (compiled) or 1 (did not, and says why); anything else is no verdict on the C#
      // (dotnet missing, killed, out of memory), so it is reported but never kept.
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : undefined;
      if (code === 0 || (code === 1 && messages.length > 0)) {
        const verdict = { ok: code === 0, messages };
        writeCache(cacheFile, verdict);
        resolve({ block, references: names, ...verdict, cached: false });
      } else {
        resolve({ block, references: names, ok: false, messages: [...messages, String(err?.message)], cached: false });
      }
    });
  });
}

/**
 * Compiles every block as 5.1 would, one compiler per block that the cache does not answer, as many at
 * once as there are cores.
 */
export async function compileAs51(blocks: readonly AddTypeBlock[], refs: Ps51References, options: CompileOptions = {}): Promise<CompileResult[]> {
  const csc = options.csc ?? findCsc();
  const cacheDir = cacheDirOf(options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-ps51-'));
  try {
    const results: CompileResult[] = new Array(blocks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < blocks.length) {
        const i = next++;
        results[i] = await compileOne(blocks[i]!, i, dir, refs, csc, cacheDir);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(os.availableParallelism(), blocks.length)) }, worker));
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per failed block: the script, the line of its Add-Type, and what the compiler said. */
export function describeFailure(r: CompileResult): string {
  return (
    `${r.block.file}:${r.block.line}: Add-Type -TypeDefinition does not compile under Windows PowerShell 5.1 ` +
    `(C# 5, .NET Framework 4.8, references ${r.references.join(', ')}${r.block.ignoreWarnings ? '' : ', warnings as errors'}):\n  ` +
    r.messages.join('\n  ')
  );
}
