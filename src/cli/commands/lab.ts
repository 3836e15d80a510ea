/**
 * `hybridcfg lab init|events|fault`: make the built-in lab, read its audit trail, set its fault knobs
 * (src/targets/lab/LAB.md). The lab's own code does the work; this file only knows argv and output.
 */
import { LAB_OPTIONS } from '../options';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DiagnosticError, error } from '../../diag/diagnostic';
import { suggest } from '../../domain/tokens';
import { GRAPH_APPLICATION_IDENTIFIER } from '../../domain/exchange';
import type { PartnerApplication } from '../../resources/partner-application/types';
import { REGISTRY } from '../../resources/registry';
import { labDrivers } from '../../session/lab';
import { describeCall, describeEvent, readLabLines } from '../../targets/lab/events';
import { listFaults, setFaults } from '../../targets/lab/faults';
import { labPaths, readLabOrganization } from '../../targets/lab/format';
import { DEFAULT_LAB_SERVERS, initLab } from '../../targets/lab/init';
import { readFileVersion } from '../../targets/lab/exsetup';
import { serverFolder } from '../../targets/lab/format';
import { normalizeBuild } from '../../domain/builds';
import { buildText } from '../../views/restart';
import { LAB_VDIRS } from '../../targets/lab/vdirs';
import { LAB_EVENTS_USAGE, LAB_FAULT_USAGE, LAB_INIT_USAGE, LAB_USAGE } from '../help';
import type { CliIo } from '../io';
import { EXIT, out } from '../io';

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

/** `EX01 15.2.1748.43 (2019 CU15 Feb26SU)`: each server's ExSetup.exe version, as hybridcfg reads it. */
async function describeBuilds(dir: string, names: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const name of names) {
    const bytes = await fs.readFile(path.join(serverFolder(dir, name), 'bin', 'ExSetup.exe')).catch(() => null);
    const version = bytes ? readFileVersion(bytes) : undefined;
    parts.push(`${name} ${buildText(version ? normalizeBuild(version) : null)}`);
  }
  return parts.join(', ');
}

async function init(argv: string[], io: CliIo): Promise<number> {
  const args = parse(argv, LAB_OPTIONS.init, 'hybridcfg lab init --help');
  if (args.values.help) {
    out(io, LAB_INIT_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'init', io);
  const servers = typeof args.values.servers === 'string' ? args.values.servers.split(',').map((s) => s.trim()) : DEFAULT_LAB_SERVERS;
  await initLab(
    dir,
    {
      servers,
      ...(typeof args.values.build === 'string' ? { build: args.values.build } : {}),
      ...(args.values['app-only-exposed'] === true ? { appOnlyExposed: true } : {}),
    },
    labDrivers(REGISTRY),
  );

  const org = await readLabOrganization(dir);
  const apps = (org.partnerApplications ?? []) as readonly PartnerApplication[];
  const graph = apps.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
  const lab = specPath(io, dir);
  out(
    io,
    [
      `Created the lab ${dir}: organisation ${org.organization.Name}, ${org.servers.length} server${org.servers.length === 1 ? '' : 's'} (${org.servers.map((s) => s.Name).join(', ')}).`,
      `  organization.json  ${apps.length} partner applications (${apps.map((a) => a.Name).join(', ')}),`,
      `                     ${((org.authServers ?? []) as readonly { Name: string }[]).map((s) => s.Name).join(', ')}`,
      `  builds             ${await describeBuilds(dir, org.servers.map((s) => s.Name))}`,
      `  Set-PartnerApplication -AppOnlyPermissions: ${
        ((org.cmdlets['Set-PartnerApplication']?.parameters ?? []) as readonly string[]).includes('AppOnlyPermissions')
          ? 'exposed by a role entry (--app-only-exposed: not the documented state of 2016, 2019 or SE)'
          : 'not exposed by any role entry (as Microsoft documents for 2016, 2019 and SE)'
      }`,
      ...(graph
        ? [`                     Microsoft Graph: ${graph.ActAsPermissions?.length ?? 0} ActAsPermissions, AppOnlyPermissions ${graph.AppOnlyPermissions === null ? 'not set' : graph.AppOnlyPermissions.length}`]
        : []),
      ...org.servers.map((s) => `  ${`servers/${s.Name}/`.padEnd(18)} ExchangeInstallPath with ${LAB_VDIRS.length} web.config files (${LAB_VDIRS[0].file}, ...)`),
      `  events.jsonl       what the lab undergoes (hybridcfg lab events ${lab})`,
      '',
      // The hybrid OAuth unit of 2026 (examples/specs/dedicated-hybrid-app.yaml), as a current organisation needs it.
      'Next: write a spec, for example hybridcfg.yaml (the whole example: examples/specs/dedicated-hybrid-app.yaml):',
      '  apiVersion: hybridcfg/v1',
      '  kind: HybridOAuth',
      '  target:',
      `    lab: ${lab}`,
      '  servers: all',
      '  authServers:',
      '    - name: EvoSts',
      '      applicationIdentifier: <the appId of your dedicated Exchange hybrid application>',
      '  settingOverrides:',
      '    - name: EnableExchangeHybrid3PAppFeature',
      '      component: Global',
      '      section: ExchangeOnpremAsThirdPartyAppId',
      '      parameters: [Enabled=true]',
      '      reason: Dedicated Exchange hybrid application',
      'then see what apply would change:',
      '  hybridcfg plan hybridcfg.yaml',
    ].join('\n'),
  );
  return EXIT.ok;
}

async function events(argv: string[], io: CliIo): Promise<number> {
  const args = parse(argv, LAB_OPTIONS.events, 'hybridcfg lab events --help');
  if (args.values.help) {
    out(io, LAB_EVENTS_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'events', io);
  await readLabOrganization(dir); // a missing lab is a diagnostic that says how to make one
  const paths = labPaths(dir);
  const records = await readLabLines(args.values.calls ? paths.calls : paths.events);
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

async function fault(argv: string[], io: CliIo): Promise<number> {
  const args = parse(
    argv,
    LAB_OPTIONS.fault,
    'hybridcfg lab fault --help',
  );
  if (args.values.help) {
    out(io, LAB_FAULT_USAGE);
    return EXIT.ok;
  }
  const dir = oneDir(args.positionals, 'fault', io);
  const sets = (args.values.set as string[] | undefined) ?? [];
  const clear = args.values.clear === true;
  const serverName = args.values.server as string | undefined;
  const appName = args.values.app as string | undefined;
  if (serverName !== undefined && appName !== undefined) throw usageError('Give --server or --app, not both', 'hybridcfg lab fault --help');
  if (serverName === undefined && appName === undefined) {
    if (sets.length > 0 || clear) throw usageError('Say whose faults to change: --server NAME or --app ID|NAME', 'hybridcfg lab fault --help');
    for (const line of await listFaults(dir)) out(io, line);
    return EXIT.ok;
  }
  out(io, await setFaults(dir, serverName !== undefined ? { server: serverName } : { app: appName as string }, sets, clear));
  return EXIT.ok;
}

const SUBCOMMANDS: Readonly<Record<string, (argv: string[], io: CliIo) => Promise<number>>> = { init, events, fault };

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    out(io, LAB_USAGE);
    return sub === undefined ? EXIT.error : EXIT.ok;
  }
  const command = SUBCOMMANDS[sub];
  if (!command) {
    const guess = suggest(sub, Object.keys(SUBCOMMANDS));
    throw usageError(`"${sub}" is not a lab command${guess ? `. Did you mean "${guess}"?` : ''} (commands: init, events, fault)`, 'hybridcfg lab --help');
  }
  return command(rest, io);
}
