/**
 * `hybridcfg lab init|events|fault`: make the built-in lab, read its audit trail, set its fault knobs
 * (src/targets/lab/LAB.md). The lab's own code does the work; this file only knows argv and output.
 */
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { parseArgs } from 'node:util';
import { DiagnosticError, error, fail } from '../../diag/diagnostic';
import { suggest } from '../../domain/tokens';
import { GRAPH_APPLICATION_IDENTIFIER } from '../../domain/exchange';
import { labPaths, readLabOrganization, writeLabOrganization } from '../../targets/lab/format';
import type { LabOrganization, PartnerApplicationFaults, ServerFaults } from '../../targets/lab/format';
import { DEFAULT_LAB_SERVERS, initLab } from '../../targets/lab/init';
import { LAB_VDIRS } from '../../targets/lab/vdirs';
import type { CliIo } from '../io';
import { EXIT, out } from '../io';

const USAGE = `Usage: hybridcfg lab <command> DIR [options]

The built-in lab: an emulated Exchange organisation in a folder, made from captures of real
servers, to try hybridcfg on without Exchange. Its behaviour is specified in src/targets/lab/LAB.md.

Commands:
  init DIR [--servers A,B]     Create a lab in DIR (a new or empty folder)
  events DIR [--json] [--calls]  Show what the lab underwent (events.jsonl), or every call (calls.jsonl)
  fault DIR [--server NAME | --app ID|NAME] [--set KNOB=VALUE ...] [--clear]
                               Set or clear fault knobs; with no --set/--clear, list them

Examples:
  hybridcfg lab init ./lab --servers EX01,EX02
  hybridcfg lab events ./lab
  hybridcfg lab fault ./lab --server EX02 --set restart=fail
  hybridcfg lab fault ./lab --server EX02 --clear

Run "hybridcfg lab <command> --help" for the options of one command.
`;

const INIT_USAGE = `Usage: hybridcfg lab init DIR [--servers A,B,...]

Create a lab organisation in DIR (created if missing; refused if it exists and is not empty):
organization.json (partner applications, auth config and servers from real Exchange 2019 captures),
one folder per server with its vdirs' web.config files, and an empty audit trail.

Options:
  --servers A,B  Server names (NetBIOS: letters, digits, hyphen, at most 15). Default: ${DEFAULT_LAB_SERVERS.join(',')}
  --help, -h     This help

Examples:
  hybridcfg lab init ./lab
  hybridcfg lab init ./lab --servers EX01,EX02,EX03
`;

const EVENTS_USAGE = `Usage: hybridcfg lab events DIR [--json] [--calls]

Show the lab's audit trail: every change it underwent (events.jsonl), oldest first.

Options:
  --calls      Show every call it served instead, reads included (calls.jsonl)
  --json       Print one JSON array of the records
  --help, -h   This help

Examples:
  hybridcfg lab events ./lab
  hybridcfg lab events ./lab --calls --json
`;

const FAULT_USAGE = `Usage: hybridcfg lab fault DIR [--server NAME | --app ID|NAME] [--set KNOB=VALUE ...] [--clear]

Set or clear the lab's fault knobs, to rehearse what goes wrong on real servers. With no --set and no
--clear, list the faults that are set. --clear removes all faults of the server or application, then
any --set applies.

Server knobs (--server NAME):
  unreachable=true|false  every call concerning the server fails (WinRM cannot reach it)
  restart=fail|ok         iisreset / app pool recycling fails
  healthCheck=fail|ok     the server's health checks fail
  backup=fail|ok          the server cannot take backups (apply refuses before any change)
  latencyMs=N             every call concerning the server takes N ms longer (0: none)
Partner application knobs (--app ApplicationIdentifier or Name):
  set=fail|ok             Set-PartnerApplication on it fails

Examples:
  hybridcfg lab fault ./lab --server EX02 --set restart=fail
  hybridcfg lab fault ./lab --server EX02 --set unreachable=true --set latencyMs=2000
  hybridcfg lab fault ./lab --app ${GRAPH_APPLICATION_IDENTIFIER} --set set=fail
  hybridcfg lab fault ./lab --server EX02 --clear
  hybridcfg lab fault ./lab
`;

function usageError(summary: string, help: string): DiagnosticError {
  return new DiagnosticError(error('cli.usage', summary, `Run "${help}" for the options.`));
}

function parse<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(argv: string[], options: T, help: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    throw usageError((err as Error).message, help);
  }
}

function oneDir(positionals: readonly string[], command: string, io: CliIo): string {
  if (positionals.length !== 1) {
    throw usageError(
      positionals.length === 0 ? `lab ${command} needs the lab folder: hybridcfg lab ${command} ./lab` : `lab ${command} takes one folder, got ${positionals.length}: ${positionals.join(' ')}`,
      `hybridcfg lab ${command} --help`,
    );
  }
  return path.resolve(io.cwd, positionals[0]);
}

/** How to write DIR in a spec that sits in the current folder (target.lab is relative to the spec). */
function specPath(io: CliIo, dir: string): string {
  const rel = path.relative(io.cwd, dir).split(path.sep).join('/');
  if (rel === '') return '.';
  return rel.startsWith('..') || path.isAbsolute(rel) ? rel : `./${rel}`;
}

async function init(argv: string[], io: CliIo): Promise<number> {
  const args = parse(argv, { servers: { type: 'string' } }, 'hybridcfg lab init --help');
  if (args.values.help) {
    out(io, INIT_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'init', io);
  const servers = typeof args.values.servers === 'string' ? args.values.servers.split(',').map((s) => s.trim()) : DEFAULT_LAB_SERVERS;
  await initLab(dir, { servers });

  const org = await readLabOrganization(dir);
  const graph = org.partnerApplications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
  const lab = specPath(io, dir);
  out(
    io,
    [
      `Created the lab ${dir}: organisation ${org.organization.Name}, ${org.servers.length} server${org.servers.length === 1 ? '' : 's'} (${org.servers.map((s) => s.Name).join(', ')}).`,
      `  organization.json  ${org.partnerApplications.length} partner applications (${org.partnerApplications.map((a) => a.Name).join(', ')}),`,
      `                     ${org.authServers.map((s) => s.Name).join(', ')}, servers ${org.servers[0].AdminDisplayVersion}`,
      ...(graph
        ? [`                     Microsoft Graph: ${graph.ActAsPermissions?.length ?? 0} ActAsPermissions, AppOnlyPermissions ${graph.AppOnlyPermissions === null ? 'not set' : graph.AppOnlyPermissions.length}`]
        : []),
      ...org.servers.map((s) => `  ${`servers/${s.Name}/`.padEnd(18)} ExchangeInstallPath with ${LAB_VDIRS.length} web.config files (${LAB_VDIRS[0].file}, ...)`),
      `  events.jsonl       what the lab undergoes (hybridcfg lab events ${lab})`,
      '',
      'Next: write a spec, for example hybridcfg.yaml:',
      '  apiVersion: hybridcfg/v1',
      '  kind: HybridOAuth',
      '  target:',
      `    lab: ${lab}`,
      '  servers: all',
      '  partnerApplications:',
      `    - applicationIdentifier: ${GRAPH_APPLICATION_IDENTIFIER}`,
      '      appOnlyPermissions:',
      '        sameAs: actAsPermissions',
      '  webConfigs:',
      '    - file: FrontEnd/HttpProxy/rest/web.config',
      '      appSettings:',
      '        OAuthHttpModule.Profiles:',
      '          include: [V1S2SAppOnly]',
      '  restart:',
      '    mode: iisreset',
      'then see what apply would change:',
      '  hybridcfg plan hybridcfg.yaml',
    ].join('\n'),
  );
  return EXIT.ok;
}

type Line = Readonly<Record<string, unknown>>;

async function readLines(file: string): Promise<readonly Line[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const records: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      records.push(parsed as Line);
    } catch (err) {
      fail('lab.invalid', `Line ${i + 1} of the lab's ${path.basename(file)} is not a JSON object: ${(err as Error).message}`, 'Each line must be one JSON object. Repair or remove the line.', {
        source: { file, line: i + 1, col: 1 },
      });
    }
  });
  return records;
}

const short = (sha: unknown) => (typeof sha === 'string' ? sha.slice(0, 12) : '?');

function describeEvent(e: Line): string {
  switch (e.action) {
    case 'set-partnerapplication':
      return `Set-PartnerApplication "${String(e.name)}" (${String(e.applicationIdentifier)}): ${(e.properties as unknown[] | undefined)?.join(', ') ?? ''}`;
    case 'write-file':
      return `wrote ${String(e.file)}  sha256 ${short(e.sha256Before)} -> ${short(e.sha256After)}, backup ${String(e.backup)}`;
    case 'iisreset':
      return 'iisreset';
    case 'recycle-apppool':
      return `recycled app pool ${String(e.appPool)}`;
    default: {
      const { time: _time, server: _server, ...rest } = e;
      return JSON.stringify(rest);
    }
  }
}

function describeCall(c: Line): string {
  const subject = c.server ?? c.applicationIdentifier;
  return `${String(c.call)}${subject !== undefined ? ` ${String(subject)}` : ''}${c.error !== undefined ? `  FAILED: ${String(c.error)}` : ''}`;
}

async function events(argv: string[], io: CliIo): Promise<number> {
  const args = parse(argv, { json: { type: 'boolean' }, calls: { type: 'boolean' } }, 'hybridcfg lab events --help');
  if (args.values.help) {
    out(io, EVENTS_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'events', io);
  await readLabOrganization(dir); // a missing lab is a diagnostic that says how to make one
  const paths = labPaths(dir);
  const records = await readLines(args.values.calls ? paths.calls : paths.events);
  if (args.values.json) {
    out(io, JSON.stringify(records, null, 2));
    return EXIT.ok;
  }
  if (records.length === 0) {
    out(io, args.values.calls ? 'The lab has served no calls yet.' : 'The lab has not been changed yet (no events). hybridcfg apply records its changes here.');
    return EXIT.ok;
  }
  const width = Math.max(1, ...records.map((r) => (typeof r.server === 'string' ? r.server.length : 1)));
  for (const r of records) {
    const who = typeof r.server === 'string' ? r.server : '-';
    out(io, `${String(r.time)}  ${who.padEnd(width)}  ${args.values.calls ? describeCall(r) : describeEvent(r)}`);
  }
  return EXIT.ok;
}

type Knob = { readonly values: readonly string[]; readonly parse: (v: string) => unknown | undefined };
const onOff = (on: string, off: string, stored: unknown): Knob => ({ values: [on, off], parse: (v) => (v === on ? stored : v === off ? undefined : null) });
const SERVER_KNOBS: Readonly<Record<keyof ServerFaults, Knob>> = {
  unreachable: onOff('true', 'false', true),
  restart: onOff('fail', 'ok', 'fail'),
  healthCheck: onOff('fail', 'ok', 'fail'),
  backup: onOff('fail', 'ok', 'fail'),
  latencyMs: {
    values: ['N (milliseconds, 0 for none)'],
    parse: (v) => (/^\d{1,7}$/.test(v) ? (Number(v) === 0 ? undefined : Number(v)) : null),
  },
};
const APP_KNOBS: Readonly<Record<keyof PartnerApplicationFaults, Knob>> = { set: onOff('fail', 'ok', 'fail') };

/** Applies `--set knob=value` to a faults object; `undefined` from a knob removes it, `null` is a bad value. */
function applySets(current: object, sets: readonly string[], knobs: Readonly<Record<string, Knob>>, what: string): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const set of sets) {
    const eq = set.indexOf('=');
    const key = eq < 0 ? set : set.slice(0, eq);
    const knob = knobs[key];
    if (!knob) {
      const guess = suggest(key, Object.keys(knobs));
      throw usageError(`"${key}" is not a fault knob of ${what}${guess ? `. Did you mean "${guess}"?` : ''} (knobs: ${Object.keys(knobs).join(', ')})`, 'hybridcfg lab fault --help');
    }
    const value = eq < 0 ? null : knob.parse(set.slice(eq + 1));
    if (value === null) throw usageError(`--set ${set}: give ${key}=${knob.values.join(' or ')}`, 'hybridcfg lab fault --help');
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next;
}

function describeFaults(faults: object | undefined): string {
  const entries = Object.entries(faults ?? {});
  return entries.length === 0 ? 'no faults' : `faults ${entries.map(([k, v]) => `${k}=${String(v)}`).join(' ')}`;
}

function withFaults<T extends { readonly faults?: object }>(item: T, faults: Record<string, unknown>): T {
  const { faults: _old, ...rest } = item;
  return (Object.keys(faults).length > 0 ? { ...rest, faults } : rest) as T;
}

async function fault(argv: string[], io: CliIo): Promise<number> {
  const args = parse(
    argv,
    { server: { type: 'string' }, app: { type: 'string' }, set: { type: 'string', multiple: true }, clear: { type: 'boolean' } },
    'hybridcfg lab fault --help',
  );
  if (args.values.help) {
    out(io, FAULT_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'fault', io);
  const sets = (args.values.set as string[] | undefined) ?? [];
  const clear = args.values.clear === true;
  const serverName = args.values.server as string | undefined;
  const appName = args.values.app as string | undefined;
  if (serverName !== undefined && appName !== undefined) throw usageError('Give --server or --app, not both', 'hybridcfg lab fault --help');
  const org = await readLabOrganization(dir);

  if (serverName === undefined && appName === undefined) {
    if (sets.length > 0 || clear) throw usageError('Say whose faults to change: --server NAME or --app ID|NAME', 'hybridcfg lab fault --help');
    for (const s of org.servers) out(io, `server ${s.Name}: ${describeFaults(s.faults)}`);
    for (const a of org.partnerApplications) out(io, `partner application ${a.Name} (${a.ApplicationIdentifier}): ${describeFaults(a.faults)}`);
    return EXIT.ok;
  }

  let next: LabOrganization;
  let report: string;
  if (serverName !== undefined) {
    const index = org.servers.findIndex((s) => s.Name.toUpperCase() === serverName.toUpperCase());
    if (index < 0) {
      const guess = suggest(serverName, org.servers.map((s) => s.Name));
      return fail('lab.unknown-server', `The lab has no server "${serverName}"${guess ? `. Did you mean "${guess}"?` : ''}`, `Its servers: ${org.servers.map((s) => s.Name).join(', ')}.`);
    }
    const s = org.servers[index];
    const faults = applySets(clear ? {} : (s.faults ?? {}), sets, SERVER_KNOBS, `a server`);
    next = { ...org, servers: org.servers.map((x, i) => (i === index ? withFaults(x, faults) : x)) };
    report = `server ${s.Name}: ${describeFaults(faults)}`;
  } else {
    const wanted = (appName as string).toLowerCase();
    const index = org.partnerApplications.findIndex((a) => a.ApplicationIdentifier.toLowerCase() === wanted || a.Name.toLowerCase() === wanted);
    if (index < 0) {
      const guess = suggest(appName as string, org.partnerApplications.map((a) => a.Name));
      return fail(
        'lab.unknown-application',
        `The lab has no partner application "${appName}"${guess ? `. Did you mean "${guess}"?` : ''}`,
        `Give its ApplicationIdentifier or Name: ${org.partnerApplications.map((a) => `${a.Name} (${a.ApplicationIdentifier})`).join(', ')}.`,
      );
    }
    const a = org.partnerApplications[index];
    const faults = applySets(clear ? {} : (a.faults ?? {}), sets, APP_KNOBS, 'a partner application');
    next = { ...org, partnerApplications: org.partnerApplications.map((x, i) => (i === index ? withFaults(x, faults) : x)) };
    report = `partner application ${a.Name} (${a.ApplicationIdentifier}): ${describeFaults(faults)}`;
  }
  if (sets.length > 0 || clear) await writeLabOrganization(dir, next);
  out(io, report);
  return EXIT.ok;
}

const SUBCOMMANDS: Readonly<Record<string, (argv: string[], io: CliIo) => Promise<number>>> = { init, events, fault };

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(io, USAGE);
    return sub === undefined ? EXIT.error : EXIT.ok;
  }
  const command = SUBCOMMANDS[sub];
  if (!command) {
    const guess = suggest(sub, Object.keys(SUBCOMMANDS));
    throw usageError(`"${sub}" is not a lab command${guess ? `. Did you mean "${guess}"?` : ''} (commands: init, events, fault)`, 'hybridcfg lab --help');
  }
  return command(rest, io);
}
