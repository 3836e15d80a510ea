/**
 * The examples are what people copy into production pipelines: the workflow files must be valid YAML,
 * call hybridcfg only with commands and flags it has, and every example spec must be a valid spec.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseDocument } from 'yaml';
import { parseSpec } from '../../src/spec/load';
import { EDITOR_KEYWORDS } from '../../src/spec/schema';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const WORKFLOWS = ['github-actions/hybridcfg.yml', 'azure-pipelines/azure-pipelines.yml'];
const SPECS = readdirSync(join(EXAMPLES, 'specs')).filter((f) => f.endsWith('.yaml'));
const SCHEMA_LINE = '# yaml-language-server: $schema=../../schemas/hybridcfg.schema.json';

type FlagSpec = Record<string, { type: 'boolean' | 'string' }>;

/** The documented CLI surface the examples may use (--no-color and --quiet are global). */
const GLOBAL: FlagSpec = { 'no-color': { type: 'boolean' }, quiet: { type: 'boolean' } };
const COMMANDS: Record<string, FlagSpec> = {
  plan: {
    ...GLOBAL,
    json: { type: 'boolean' },
    out: { type: 'string' },
    html: { type: 'string' },
    'detailed-exitcode': { type: 'boolean' },
    parallelism: { type: 'string' },
  },
  apply: {
    ...GLOBAL,
    yes: { type: 'boolean' },
    html: { type: 'string' },
    verify: { type: 'boolean' },
    'audit-log': { type: 'string' },
  },
};

function loadYaml(file: string): unknown {
  const doc = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((e) => e.message);
  expect(problems).toEqual([]);
  return doc.toJS();
}

/** Every shell script in a workflow: GitHub `run`, Azure `powershell`/`pwsh`/`script`/`bash` steps. */
function scripts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(scripts);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) =>
    ['run', 'powershell', 'pwsh', 'script', 'bash'].includes(key) && typeof value === 'string' ? [value] : scripts(value),
  );
}

/**
 * Shell words of one command line, up to the first redirection or command separator. A pipeline
 * expression such as `${{ matrix.org }}` is substituted before the shell sees it: it stays one word.
 */
function shellWords(line: string): string[] {
  line = line.replace(/\$\{\{[^}]*\}\}/g, (expr) => expr.replace(/\s+/g, ''));
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(>|\||;|&&)|([^\s"'>|;&]+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[3]) break;
    words.push(m[1] ?? m[2] ?? m[4]);
  }
  return words;
}

interface Invocation {
  readonly line: string;
  readonly command: string;
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** `npx hybridcfg ...` (or a line starting with `hybridcfg `), parsed as the CLI parses it. */
function invocations(script: string): Invocation[] {
  return script
    .replace(/`\r?\n/g, ' ') // PowerShell line continuation
    .split(/\r?\n/)
    .filter((line) => /(^|\s)npx\s+hybridcfg\s|^\s*hybridcfg\s/.test(line))
    .map((line) => {
      const words = shellWords(line);
      const args = words.slice(words.indexOf('hybridcfg') + 1);
      const [command, ...rest] = args;
      const options = COMMANDS[command];
      if (!options) throw new Error(`"${line.trim()}": hybridcfg has no command "${command}" that the examples may use`);
      // strict: an unknown flag or a missing value throws, naming the flag.
      const parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
      return { line: line.trim(), command, values: parsed.values, positionals: parsed.positionals };
    });
}

describe('example pipelines', () => {
  test.each(WORKFLOWS)('%s calls hybridcfg only with its commands and documented flags', (file) => {
    const found = scripts(loadYaml(join(EXAMPLES, file))).flatMap(invocations);
    const plans = found.filter((i) => i.command === 'plan');
    const applies = found.filter((i) => i.command === 'apply');
    expect(plans.length).toBeGreaterThan(0);
    expect(applies.length).toBeGreaterThan(0);
    for (const p of plans) {
      expect({ line: p.line, positionals: p.positionals.length }).toEqual({ line: p.line, positionals: 1 });
      expect(p.positionals[0]).toMatch(/^orgs\/.+\/hybridcfg\.yaml$/);
      expect(p.values).toMatchObject({ 'detailed-exitcode': true, json: true, out: expect.stringMatching(/plan\.json$/), html: expect.stringMatching(/plan\.html$/) });
    }
    for (const a of applies) {
      // A pipeline applies the saved, reviewed plan, never a fresh one, and cannot answer a prompt.
      expect({ line: a.line, planFile: a.positionals }).toEqual({ line: a.line, planFile: [expect.stringMatching(/plan\.json$/)] });
      expect(a.values.yes).toBe(true);
    }
  });

  test('the invocation parser rejects what hybridcfg would reject', () => {
    expect(() => invocations('npx hybridcfg plan x.yaml --detailed-exit-code')).toThrow(/detailed-exit-code/);
    expect(() => invocations('npx hybridcfg apply plan.json --out x')).toThrow(/out/);
    expect(() => invocations('npx hybridcfg destroy x.yaml')).toThrow(/no command "destroy"/);
    expect(() => invocations('npx hybridcfg plan x.yaml --out --json')).toThrow(/'--out' argument is ambiguous/);
    expect(invocations('npx hybridcfg plan "orgs/a b/${{ org.name }}.yaml" --html "$out/plan.html" > x.json')[0]).toMatchObject({
      positionals: ['orgs/a b/${{org.name}}.yaml'],
      values: { html: '$out/plan.html' },
    });
  });

  test('GitHub Actions: scheduled drift check, matrix over organisations, apply only on main behind an environment', () => {
    const wf = loadYaml(join(EXAMPLES, 'github-actions/hybridcfg.yml')) as {
      on: { schedule: { cron: string }[]; push: { branches: string[] } };
      jobs: Record<string, { needs?: string; if?: string; environment?: string; strategy: { matrix: { org: string[] } }; 'runs-on': string[] }>;
    };
    expect(wf.on.schedule.length).toBeGreaterThan(0);
    expect(wf.on.push.branches).toEqual(['main']);
    const { plan, apply } = wf.jobs;
    expect(plan.strategy.matrix.org).toEqual(['contoso', 'fabrikam']);
    expect(plan['runs-on']).toEqual(expect.arrayContaining(['self-hosted', 'windows']));
    expect(apply.needs).toBe('plan');
    expect(apply.if).toContain("github.ref == 'refs/heads/main'");
    expect(apply.environment).toBe('exchange-${{ matrix.org }}');
  });

  test('Azure Pipelines: scheduled drift check, one plan job per organisation, apply as a deployment to an environment', () => {
    const wf = loadYaml(join(EXAMPLES, 'azure-pipelines/azure-pipelines.yml')) as {
      schedules: { cron: string; always: boolean }[];
      parameters: { name: string; default: { name: string }[] }[];
      stages: { stage: string; jobs: Record<string, { deployment?: string; environment?: string }[]>[] }[];
    };
    expect(wf.schedules[0].always).toBe(true);
    expect(wf.parameters[0].default.map((o) => o.name)).toEqual(['contoso', 'fabrikam']);
    const apply = wf.stages.find((s) => s.stage === 'Apply')!;
    const jobs = Object.values(apply.jobs[0]).flat();
    expect(jobs).toEqual([expect.objectContaining({ deployment: 'apply_${{ org.name }}', environment: 'exchange-${{ org.name }}' })]);
  });
});

describe('example specs', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/hybridcfg.schema.json'), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addVocabulary([...EDITOR_KEYWORDS]);
  const validate = ajv.compile(schema);

  test('the three documented examples are there', () => {
    expect(SPECS).toEqual(expect.arrayContaining(['graph-app-only.yaml', 'other-vdirs.yaml', 'restore-defaults.yaml']));
  });

  test.each(SPECS)('%s names the schema for editors and validates against it', (name) => {
    const file = join(EXAMPLES, 'specs', name);
    const [first] = readFileSync(file, 'utf8').split(/\r?\n/);
    expect(first).toBe(SCHEMA_LINE);
    expect(existsSync(resolve(dirname(file), SCHEMA_LINE.split('$schema=')[1]))).toBe(true);
    const ok = validate(loadYaml(file));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test.each(SPECS)('%s loads with hybridcfg itself, without errors or warnings', (name) => {
    const file = join(EXAMPLES, 'specs', name);
    const loaded = parseSpec(readFileSync(file, 'utf8'), file);
    expect('warnings' in loaded ? (loaded as { warnings: unknown }).warnings : []).toEqual([]);
  });

  test('restore-defaults puts back the shipped Profiles value and unsets Graph app-only permissions', () => {
    const file = join(EXAMPLES, 'specs/restore-defaults.yaml');
    const { spec } = parseSpec(readFileSync(file, 'utf8'), file);
    expect(spec.webConfigs?.[0]).toMatchObject({
      file: 'FrontEnd/HttpProxy/rest/web.config',
      appSettings: { 'OAuthHttpModule.Profiles': 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2' },
    });
    expect(spec.partnerApplications?.[0]).toMatchObject({ applicationIdentifier: '00000003-0000-0000-c000-000000000000', appOnlyPermissions: null });
  });
});
