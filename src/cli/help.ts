/**
 * The help of every command, apart from the commands' code, so that `hybridcfg --help` and
 * `hybridcfg <command> --help` load nothing but this file (start-up stays fast: bench, "start-up").
 */

/** Each command: its one-line summary for `hybridcfg --help`. */
export const COMMAND_SUMMARIES: Readonly<Record<string, string>> = {
  validate: 'Check a spec against the schema and the known profile names',
  plan: 'Read the live state and show what apply would change',
  apply: 'Make the changes, back up every file first, restart where needed',
  export: 'Write a spec that describes the live state of the managed resources',
  verify: 'Prove app-only Graph access to each mailbox end to end',
  rollback: 'Restore the originals recorded by earlier applies',
  'force-unlock': 'Break the apply lock of a run that is gone',
  lab: 'Create and inspect the built-in lab organisation (no Exchange needed)',
  schema: 'Print the JSON Schema of the spec (for editors and linters)',
  completion: 'Print a shell completion script (bash, zsh, pwsh)',
};

export const COMPLETION_USAGE = `Usage: hybridcfg completion bash|zsh|pwsh

Prints a completion script for the shell on stdout: commands, each command's options and the lab's
subcommands complete (made from hybridcfg's own option tables, so they match this version).

Options:
  --help, -h  This help

Examples:
  source <(hybridcfg completion bash)                          # in ~/.bashrc
  source <(hybridcfg completion zsh)                           # in ~/.zshrc, after compinit
  hybridcfg completion pwsh | Out-String | Invoke-Expression   # in $PROFILE
`;

export const SCHEMA_USAGE = `Usage: hybridcfg schema [--path]

Prints the JSON Schema of the spec this hybridcfg reads (its $id carries the format version) on stdout.

Options:
  --path      Print where the installed package keeps it instead (for a yaml-language-server modeline)
  --help, -h  This help

Examples:
  hybridcfg schema > hybridcfg.schema.json
  hybridcfg schema --path
`;

export const VALIDATE_USAGE = `Usage: hybridcfg validate [SPEC] [--json]

Check a spec against the schema, the known OAuth profile names and the rules a spec must follow.
Touches no server. SPEC defaults to hybridcfg.yaml in the current folder.

Options:
  --json       Print {"valid": true|false, "diagnostics": [...]} on stdout
  --help, -h   This help

Example spec (hybridcfg.yaml):
  apiVersion: hybridcfg/v1
  kind: HybridOAuth
  target:
    lab: ./lab
  servers: all
  partnerApplications:
    - name: Microsoft Graph
      applicationIdentifier: 00000003-0000-0000-c000-000000000000
      appOnlyPermissions:
        sameAs: actAsPermissions
  webConfigs:
    - file: FrontEnd/HttpProxy/rest/web.config
      appSettings:
        OAuthHttpModule.Profiles:
          include: [V1S2SAppOnly]
  restart:
    mode: iisreset

Examples:
  hybridcfg validate
  hybridcfg validate specs/prod.yaml --json
`;

export const PLAN_USAGE = `Usage: hybridcfg plan [SPEC] [options]

Reads the live state (partner applications, each server's web.config files) and shows what apply would
change, like terraform plan. Changes nothing. SPEC defaults to hybridcfg.yaml.

Options:
  --json                 Print the plan as JSON (docs/plan-json.md) instead of text
  --out FILE             Save the plan, with a fingerprint of the live state, for "hybridcfg apply FILE"
  --html FILE            Also write a self-contained HTML report of the plan
  --detailed-exitcode    Exit 0 when there is nothing to do, 2 when changes are pending, 1 on error
  --parallelism N        Servers read at the same time (default 10)
  --servers A,B          Only these of the spec's servers (like terraform -target); warns which servers
                         it leaves out, and refuses organisation-wide changes (they reach every server)

Examples:
  hybridcfg plan
  hybridcfg plan hybridcfg.yaml --detailed-exitcode
  hybridcfg plan prod.yaml --out plan.json --html plan.html
  hybridcfg plan --servers EX02 --out ex02.plan.json
`;

export const APPLY_USAGE = `Usage: hybridcfg apply [SPEC | PLANFILE] [options]

Reads the live state, shows the plan, asks for confirmation, then makes the changes in a safe order:
partner applications first, then server by server each web.config (backed up on the server, written
atomically) followed by that server's restart. Restarts only servers where something changed.
Given a plan saved with "plan --out", applies exactly that plan, and refuses it if the live state
changed since.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --json                 Print the plan and the result as JSON
  --html FILE            Write a self-contained HTML report of the plan and its result
  --verify               Run "hybridcfg verify" after a successful apply
  --audit-log FILE       Append one JSON line describing this run (who, when, digests, changes, result)
  --parallelism N        Servers read at the same time (default 10)
  --servers A,B          Only these of the spec's servers (like terraform -target); warns which servers
                         it leaves out, and refuses organisation-wide changes (they reach every server)
                         (a saved plan made with --servers brings its own)

Safety (docs/safety.md): one run at a time per organisation (a lock names its holder); nothing is
changed unless every server in scope was read and can take backups; servers go in batches of
restart.rolling.maxUnavailable, each health-checked before the next; with restart.onFailure: rollback
a failing batch is restored byte for byte. "hybridcfg rollback" restores the original values.

Examples:
  hybridcfg apply --yes
  hybridcfg apply --servers EX02 --yes
  hybridcfg plan --out plan.json && hybridcfg apply plan.json --yes
`;

export const EXPORT_USAGE = `Usage: hybridcfg export [SPEC] [options] > live.yaml

Writes a spec that describes the live state of the resources SPEC manages: the same partner
application properties and appSettings, with the values read now (servers whose values differ get
entries of their own). Planning the exported spec against the same organisation shows no changes.

Options:
  --all                  Every object of the hybrid unit the organisation has (partner applications,
                         auth servers, setting overrides, intra-organisation connectors, organisation
                         relationships), not only those SPEC manages: a start from the live state
  --parallelism N        Servers read at the same time (default 10)

Examples:
  hybridcfg export hybridcfg.yaml > live.yaml
  hybridcfg export hybridcfg.yaml --all > whole-unit.yaml
`;

export const VERIFY_USAGE = `Usage: hybridcfg verify [SPEC] [options]

Signs in as the app of the spec's verify section with the client credentials flow (a client secret
from the environment variable named in clientSecretEnv, or a certificate and key), then reads one
message id from each listed mailbox through Microsoft Graph. For each mailbox it shows what was
answered, why, and what to change in the spec. Changes nothing.

SPEC defaults to hybridcfg.yaml in the current folder.

Options:
  --json        Print the report as JSON (format: docs/verify.md)

Environment:
  HYBRIDCFG_CA_FILE   PEM file of extra CA certificates to trust for the identity provider and Graph

Exit status: 0 only when every mailbox read succeeded; 1 otherwise.

Examples:
  HYBRIDCFG_CLIENT_SECRET=... hybridcfg verify
  hybridcfg verify prod.yaml --json > verify.json
`;

export const ROLLBACK_USAGE = `Usage: hybridcfg rollback [SPEC] [options]

Restores what hybridcfg first found, for the resources the spec manages: in each web.config, the
keys the spec manages get the values they had in <ExchangeInstallPath>hybridcfg/original/<file>
(checked against its recorded sha256); everything else in the file stays as it is now. Each partner
application property gets the value recorded before hybridcfg first changed it. Shows its plan,
asks for confirmation, then goes server by server like apply (same lock, restarts and health checks;
a failure stops it). Running it again when everything is restored changes nothing.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --json                 Print the plan and the result as JSON
  --audit-log FILE       Append one JSON line describing this run
  --parallelism N        Servers read at the same time (default 10)
  --servers A,B          Only these of the spec's servers (like terraform -target); warns which servers
                         it leaves out, and refuses organisation-wide changes (they reach every server)

Examples:
  hybridcfg rollback
  hybridcfg rollback prod.yaml --yes --audit-log audit.jsonl
`;

export const FORCE_UNLOCK_USAGE = `Usage: hybridcfg force-unlock [SPEC] [options]

Shows who holds the organisation's apply lock and, once confirmed, removes it. Use it only when that
run is gone (killed, its machine lost); then run "hybridcfg plan" to see what it left, and apply.
A lock whose process is still alive on this host is kept unless --force is given.

Options:
  --yes, -y              Do not ask for confirmation (required when there is no terminal)
  --force                Break the lock even though its process is alive on this host

Examples:
  hybridcfg force-unlock
  hybridcfg force-unlock prod.yaml --yes
`;

export const LAB_USAGE = `Usage: hybridcfg lab <command> DIR [options]

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

export const LAB_INIT_USAGE = `Usage: hybridcfg lab init DIR [--servers A,B,...] [--build BUILD[,SERVER=BUILD...]] [--app-only-exposed]

Create a lab organisation in DIR (created if missing; refused if it exists and is not empty):
organization.json (partner applications, auth config, servers and the role entries of their build, from
real Exchange 2019 captures), one folder per server with its vdirs' web.config files, IIS configuration
and ExSetup.exe, and an empty audit trail. LAB.md describes the build profiles and their sources.

Options:
  --servers A,B       Server names (NetBIOS: letters, digits, hyphen, at most 15). Default: EX01
  --build B[,S=B]     The servers' build as ExSetup.exe shows it, for all and/or per server.
                      Default: 15.2.1748.43 (Exchange 2019 CU15 with the February 2026 SU)
  --app-only-exposed  Rehearse an organisation whose role entry of Set-PartnerApplication exposes
                      -AppOnlyPermissions (as on the build the 2019 write-up used; not documented for
                      2016, 2019 or SE)
  --help, -h          This help

Examples:
  hybridcfg lab init ./lab
  hybridcfg lab init ./lab --servers EX01,EX02,EX03
  hybridcfg lab init ./lab --servers EX01,EX02 --build 15.2.1748.43,EX02=15.1.2507.66
`;

export const LAB_EVENTS_USAGE = `Usage: hybridcfg lab events DIR [--json] [--calls]

Show the lab's audit trail: every change it underwent (events.jsonl), oldest first.

Options:
  --calls      Show every call it served instead, reads included (calls.jsonl)
  --json       Print one JSON array of the records
  --help, -h   This help

Examples:
  hybridcfg lab events ./lab
  hybridcfg lab events ./lab --calls --json
`;

export const LAB_FAULT_USAGE = `Usage: hybridcfg lab fault DIR [--server NAME | --app ID|NAME] [--set KNOB=VALUE ...] [--clear]

Set or clear the lab's fault knobs, to rehearse what goes wrong on real servers. With no --set and no
--clear, list the faults that are set. --clear removes all faults of the server or application, then
any --set applies.

Server knobs (--server NAME):
  unreachable=true|false  every call concerning the server fails (WinRM cannot reach it)
  restart=fail|ok         iisreset / app pool recycling fails
  healthCheck=fail|ok     the server's health checks fail
  backup=fail|ok          the server cannot take backups (apply refuses before any change)
  latencyMs=N             every call concerning the server takes N ms longer (0: none)
  iisresetSeconds=N       an iisreset of the server is modelled to take N s (default: the plan's)
  recycleSeconds=N        each pool recycled on the server is modelled to take N s (default: the plan's)
Partner application knobs (--app ApplicationIdentifier or Name):
  set=fail|ok             Set-PartnerApplication on it fails

Examples:
  hybridcfg lab fault ./lab --server EX02 --set restart=fail
  hybridcfg lab fault ./lab --server EX02 --set unreachable=true --set latencyMs=2000
  hybridcfg lab fault ./lab --app 00000003-0000-0000-c000-000000000000 --set set=fail
  hybridcfg lab fault ./lab --server EX02 --clear
  hybridcfg lab fault ./lab
`;

const HELP: Readonly<Record<string, string>> = {
  validate: VALIDATE_USAGE,
  plan: PLAN_USAGE,
  apply: APPLY_USAGE,
  export: EXPORT_USAGE,
  verify: VERIFY_USAGE,
  rollback: ROLLBACK_USAGE,
  'force-unlock': FORCE_UNLOCK_USAGE,
  schema: SCHEMA_USAGE,
  completion: COMPLETION_USAGE,
};
const LAB_HELP: Readonly<Record<string, string>> = { init: LAB_INIT_USAGE, events: LAB_EVENTS_USAGE, fault: LAB_FAULT_USAGE };

/** The help `hybridcfg <command> ... --help` asks for, or undefined when the arguments ask for none. */
export function commandHelp(command: string, rest: readonly string[]): string | undefined {
  if (!rest.includes('--help') && !rest.includes('-h')) return undefined;
  if (command === 'lab') {
    const sub = rest[0];
    return sub !== undefined && LAB_HELP[sub] !== undefined ? LAB_HELP[sub] : LAB_USAGE;
  }
  return HELP[command];
}
