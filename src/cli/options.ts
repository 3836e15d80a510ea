/**
 * Every command's options, declared once: the commands parse argv with these tables, and the shell
 * completion scripts (completion.ts) are generated from them, so completion cannot drift from the CLI.
 * Kept free of imports so that `--help` and `completion` load nothing heavy.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

const PARALLELISM: OptionTable = { parallelism: { type: 'string' } };
const SERVERS: OptionTable = { servers: { type: 'string', multiple: true } };

export const COMMAND_OPTIONS = {
  validate: { json: { type: 'boolean' } },
  plan: { json: { type: 'boolean' }, out: { type: 'string' }, html: { type: 'string' }, 'detailed-exitcode': { type: 'boolean' }, ...PARALLELISM, ...SERVERS },
  apply: {
    yes: { type: 'boolean', short: 'y' },
    json: { type: 'boolean' },
    html: { type: 'string' },
    verify: { type: 'boolean' },
    'audit-log': { type: 'string' },
    ...PARALLELISM,
    ...SERVERS,
  },
  export: { ...PARALLELISM, all: { type: 'boolean' } },
  verify: { json: { type: 'boolean' } },
  rollback: { yes: { type: 'boolean', short: 'y' }, json: { type: 'boolean' }, 'audit-log': { type: 'string' }, ...PARALLELISM, ...SERVERS },
  'force-unlock': { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } },
  schema: { path: { type: 'boolean' } },
  completion: {},
} as const satisfies Readonly<Record<string, OptionTable>>;

export const LAB_OPTIONS = {
  init: { servers: { type: 'string' }, build: { type: 'string' }, 'app-only-exposed': { type: 'boolean' } },
  events: { json: { type: 'boolean' }, calls: { type: 'boolean' } },
  fault: { server: { type: 'string' }, app: { type: 'string' }, set: { type: 'string', multiple: true }, clear: { type: 'boolean' } },
} as const satisfies Readonly<Record<string, OptionTable>>;

/** Options every command takes, read by main.ts before the command's own. */
export const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'no-color': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
  'log-file': { type: 'string' },
} as const satisfies OptionTable;

/** Positional words a command completes (the shells complete files for the rest). */
export const COMPLETION_WORDS: Readonly<Record<string, readonly string[]>> = {
  lab: Object.keys(LAB_OPTIONS),
  completion: ['bash', 'zsh', 'pwsh'],
};
