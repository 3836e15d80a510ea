#!/usr/bin/env node
/**
 * `npm run bench`: how fast hybridcfg starts, how it scales over a fleet of servers, how many round
 * trips it makes per server, what patching a large web.config costs, how much memory a large plan
 * takes, how plans scale to 5000 servers, what a rolling apply costs in unavailability, and the PowerShell
 * target against the naive way (a PowerShell process per server and command). Runs the built CLI (dist/,
 * built first when missing or older than the sources) in child processes, as users run it, on labs in a
 * temp folder. Every figure printed is measured in this run: nothing is multiplied or carried over.
 * Prints the tables and writes them to a file in the temp folder (the path is printed); with --write to
 * bench/RESULTS.md, which is tracked, so a plain run leaves a clone clean.
 *
 *   node bench/run.js            the whole bench (about 20 minutes on 2 cores)
 *   node bench/run.js --quick    small labs only, fewer runs: to try a change
 *   node bench/run.js --write    also replace bench/RESULTS.md
 *
 * Figures are medians. The lab's `faults.latencyMs` models a remote server: every call concerning a
 * server sleeps that long (LAB.md F4), so "ideal" is the latency times the round trips that cannot
 * overlap. Targets (from the performance issues) are benchmarks, not tests: they are printed beside
 * the figures, every missed one again at the end on a line of its own starting "NOT met", and then the
 * bench exits 1.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'cli', 'main.js');
const RSS_HOOK = path.join(__dirname, 'rss-hook.js');
const RESULTS = path.join(__dirname, 'RESULTS.md');
const QUICKSTART = path.join(ROOT, 'examples', 'specs', 'graph-app-only-lab.yaml');
const REST = 'FrontEnd/HttpProxy/rest/web.config';
const LATENCY_MS = 50;
const DEFAULT_PARALLELISM = 10;
const PWSH = process.env.HYBRIDCFG_BENCH_PWSH || '/root/.dotnet/tools/pwsh';
const QUICK = process.argv.includes('--quick');
const WRITE = process.argv.includes('--write');

// ---------------------------------------------------------------------------------------------- build

/** Newest modification time of the files under `p` (or of `p`), 0 when it does not exist. */
function newest(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(p).reduce((m, name) => Math.max(m, newest(path.join(p, name))), 0);
}

/** The build writes dist/spec/schema-validator.js last: older than any source means dist is stale. */
function ensureBuilt() {
  const built = newest(path.join(ROOT, 'dist', 'spec', 'schema-validator.js'));
  const sources = ['src', 'schemas', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'].map((p) => newest(path.join(ROOT, p)));
  if (built > 0 && fs.existsSync(MAIN) && built >= Math.max(...sources)) return;
  process.stderr.write('dist/ is missing or older than the sources: npm run build\n');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write('The build failed (see above); the bench measures the built CLI, so it stops here.\n');
    process.exit(1);
  }
}

// ------------------------------------------------------------------------------------------- measuring

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs node with `args` in `cwd`; returns the wall time in ms. A failing run stops the bench. */
function timeNode(args, cwd, { env, expect = [0] } = {}) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!expect.includes(r.status)) {
    throw new Error(`node ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${String(r.stderr).slice(0, 2000)}`);
  }
  return ms;
}

const cli = (args, cwd, opts) => timeNode([MAIN, ...args], cwd, opts);

// ------------------------------------------------------------------------------------------------ labs

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'hybridcfg-bench-'));
process.on('exit', () => fs.rmSync(TMP, { recursive: true, force: true }));

const serverNames = (n) => Array.from({ length: n }, (_, i) => `EX${i + 1}`);

/** Every server of the lab takes `ms` per call concerning it (LAB.md F4); the organisation none. */
function setLatency(labDir, ms) {
  const file = path.join(labDir, 'organization.json');
  const org = JSON.parse(fs.readFileSync(file, 'utf8'));
  org.servers = org.servers.map((s) => ({ ...s, faults: ms > 0 ? { ...s.faults, latencyMs: ms } : {} }));
  fs.writeFileSync(file, JSON.stringify(org, null, 2) + '\n');
}

/** A folder with the README's quick-start spec (servers: all) and a lab of n servers beside it. */
function makeFleet(name, n, latencyMs, spec = fs.readFileSync(QUICKSTART, 'utf8')) {
  const dir = path.join(TMP, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'hybridcfg.yaml'), spec);
  // The quick start sets AppOnlyPermissions: the lab's role entry must expose it (lab init --help).
  cli(['lab', 'init', './lab', '--app-only-exposed', '--servers', serverNames(n).join(',')], dir);
  // Only the REST web.config is managed: the other vdirs' files only make copies slower.
  for (const s of serverNames(n)) {
    const folder = path.join(dir, 'lab', 'servers', s);
    for (const vdir of ['FrontEnd', 'ClientAccess']) {
      walkFiles(path.join(folder, vdir))
        .filter((f) => path.relative(folder, f).split(path.sep).join('/') !== REST)
        .forEach((f) => fs.rmSync(f));
    }
  }
  setLatency(path.join(dir, 'lab'), latencyMs);
  return dir;
}

function walkFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

let copies = 0;
/** A fresh copy of a fleet folder, for a run that changes it (apply). */
function copyFleet(dir) {
  const copy = path.join(TMP, `copy-${++copies}`);
  fs.cpSync(dir, copy, { recursive: true });
  return copy;
}

function calls(dir) {
  const file = path.join(dir, 'lab', 'calls.jsonl');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
}

// -------------------------------------------------------------------------------------------- output

const sections = [];
function section(title, intro, header, rows, notes = []) {
  sections.push({ title, intro, header, rows, notes });
  process.stdout.write(`\n${render({ title, intro, header, rows, notes })}`);
}

function render({ title, intro, header, rows, notes }) {
  const table = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  return [`## ${title}`, '', ...(intro ? [intro, ''] : []), table, '', ...notes.map((n) => `${n}\n`)].join('\n') + '\n';
}

const s = (ms) => (ms / 1000).toFixed(2);
const x = (ratio) => `${ratio.toFixed(2)}x`;
const missed = [];
/** `met`, or `NOT met`, remembering what was missed for the closing lines. */
const verdict = (ok, what) => {
  if (!ok && what) missed.push(what);
  return ok ? 'met' : 'NOT met';
};

// -------------------------------------------------------------------------------------------- benches

function startup() {
  const dir = makeFleet('startup', 1, 0);
  const runs = QUICK ? 5 : 15;
  const commands = [
    ['node -e 0', ['-e', '0']],
    ['hybridcfg --version', [MAIN, '--version']],
    ['hybridcfg --help', [MAIN, '--help']],
    ['hybridcfg validate', [MAIN, 'validate']],
    ['hybridcfg plan (1-server lab)', [MAIN, 'plan']],
  ];
  const times = commands.map(() => []);
  // Round robin, so that a slower moment of the machine falls on every command alike.
  for (let i = 0; i < runs + 1; i++) {
    commands.forEach(([, args], c) => {
      const ms = timeNode(args, dir);
      if (i > 0) times[c].push(ms); // the first round warms the disk cache
    });
  }
  const base = median(times[0]);
  const targets = { 'hybridcfg --version': 1.5, 'hybridcfg plan (1-server lab)': 3 };
  section(
    'CLI start-up',
    `Wall time of a child process, median of ${runs} runs, as a ratio to \`node -e 0\` measured in the same rounds.`,
    ['command', 'median ms', 'ratio to node -e 0', 'target', ''],
    commands.map(([name], c) => {
      const ratio = median(times[c]) / base;
      const target = targets[name];
      return [name, median(times[c]).toFixed(0), x(ratio), target ? `within ${target}x` : '', target ? verdict(ratio <= target, `${name}: ${x(ratio)} of node -e 0, target within ${target}x`) : ''];
    }),
  );
}

function fleet() {
  const sizes = QUICK ? [1, 10] : [1, 10, 100, 500];
  // Slow rows run fewer times: a 500-server read at parallelism 1 takes 25 s.
  const runsFor = (n, parallelism, command) => {
    if (QUICK) return 1;
    if (n >= 500) return parallelism === 1 || command === 'apply' ? 1 : 3; // three plans: the target holds in each
    if (n >= 100) return parallelism === 1 || command === 'apply' ? 2 : 3;
    return 3;
  };
  const rows = [];
  const perServer = {};
  for (const n of sizes) {
    const pristine = makeFleet(`fleet-${n}`, n, LATENCY_MS);
    for (const command of ['plan', 'apply']) {
      for (const parallelism of [1, DEFAULT_PARALLELISM]) {
        const runs = runsFor(n, parallelism, command);
        const times = [];
        let roundTrips;
        for (let i = 0; i < runs; i++) {
          const dir = command === 'apply' ? copyFleet(pristine) : pristine;
          const before = calls(dir).length;
          const args = command === 'apply' ? ['apply', '--yes'] : ['plan'];
          // The default is what users get: leave the option out for it.
          if (parallelism !== DEFAULT_PARALLELISM) args.push('--parallelism', String(parallelism));
          times.push(cli(args, dir));
          const made = calls(dir).slice(before);
          roundTrips = made.filter((c) => c.server !== undefined && c.call !== 'readServer').length;
          if (command === 'apply' && n === 10 && parallelism === DEFAULT_PARALLELISM) {
            perServer.apply = made;
            const again = calls(dir).length;
            cli(['apply', '--yes'], dir);
            perServer.converged = calls(dir).slice(again);
          }
          if (command === 'plan' && n === 10 && parallelism === DEFAULT_PARALLELISM) perServer.plan = made;
          if (command === 'apply') fs.rmSync(dir, { recursive: true, force: true });
        }
        // Reads overlap up to the parallelism; the calls after them (writeFiles, restart) go one server
        // at a time (rolling restart, maxUnavailable 1), so each of them counts whole.
        const ideal = LATENCY_MS * (Math.ceil(n / parallelism) + roundTrips);
        const med = median(times);
        const target = command === 'plan' && n === 500 && parallelism === DEFAULT_PARALLELISM ? 1.3 : undefined;
        // The target holds in every run, not in the median only: each run's ratio is judged.
        const ratios = times.map((t) => t / ideal);
        rows.push([
          command,
          String(n),
          parallelism === DEFAULT_PARALLELISM ? `${parallelism} (default)` : String(parallelism),
          String(runs),
          s(med),
          s(ideal),
          target ? ratios.map(x).join(' / ') : x(med / ideal),
          s(med - ideal),
          target
            ? `${verdict(ratios.every((r) => r <= target), `${command} of ${n} servers at ${LATENCY_MS} ms: runs at ${ratios.map(x).join(', ')} of the ideal, target within ${target}x in each`)} (within ${target}x, each run)`
            : '',
        ]);
      }
    }
    fs.rmSync(pristine, { recursive: true, force: true });
  }
  section(
    `Fleet: plan and apply, every server at ${LATENCY_MS} ms latency`,
    'The README quick start (Graph AppOnlyPermissions, V1S2SAppOnly in the REST web.config, iisreset) on labs of ' +
      `n servers, each call concerning a server ${LATENCY_MS} ms (lab fault latencyMs). Wall time of the whole CLI run.`,
    ['command', 'servers', 'parallelism', 'runs', 'median s', 'ideal s', 'ratio', 'overhead s', 'target'],
    rows,
    [
      `Ideal: plan = ${LATENCY_MS} ms x ceil(servers / parallelism) (one readServer per server, overlapping up to the ` +
        'parallelism; readOrganization concerns no server and has no lab latency). Apply = the same reads, plus ' +
        `${LATENCY_MS} ms for every writeFiles and restart, counted from calls.jsonl: apply goes one server at a time ` +
        '(restarts are rolling, maxUnavailable 1, and a server is written just before its restart), so these never ' +
        'overlap and --parallelism does not speed them up. Overhead = median - ideal: start-up, spec, planning (CPU), output.',
      'Runs: 3 for most rows; 2 for 100-server rows at parallelism 1 and 100-server applies; 1 for 500-server rows at ' +
        'parallelism 1 and 500-server applies (25 to 75 s each). Every apply runs on a fresh copy of the lab.',
    ],
  );
  return perServer;
}

function callsPerServer(perServer, n = 10) {
  const kinds = ['readServer', 'writeFiles', 'restart'];
  const row = (name, made, target) => {
    const byServer = made.filter((c) => c.server !== undefined);
    const orgWide = made.filter((c) => c.server === undefined).map((c) => c.call);
    const counts = kinds.map((k) => byServer.filter((c) => c.call === k).length / n);
    const total = byServer.length / n;
    const tally = [...new Set(orgWide)].map((c) => `${c} ${orgWide.filter((o) => o === c).length}`).join(', ');
    return [name, ...counts.map(String), String(total), tally, target];
  };
  section(
    'Round trips per server',
    `From the lab's calls.jsonl, on the ${n}-server lab of the fleet bench (default parallelism).`,
    ['run', 'readServer / server', 'writeFiles / server', 'restart / server', 'calls / server', 'organisation-wide calls per run', 'target'],
    [
      row('plan', perServer.plan, 'read: exactly 1'),
      row('apply (every server changes)', perServer.apply, 'changed server: at most 3'),
      row('apply again (nothing to change)', perServer.converged, 'unchanged server: 0 writes'),
    ],
  );
}

function webConfigPatch() {
  const { setAppSetting } = require(path.join(ROOT, 'dist', 'webconfig', 'appsettings.js'));
  const rest = fs.readFileSync(path.join(ROOT, 'fixtures', 'exchange', 'E19', 'IIS', 'DefaultWebSite-Rest_web.config'), 'utf8').replace(/\r?\n/g, '\r\n');
  const filler = '  <location path="p">\r\n    <system.web><!-- <add key="K" value="no" /> --></system.web>\r\n  </location>\r\n';
  const text = rest.replace('</configuration>', filler.repeat(Math.ceil((1 << 20) / filler.length)) + '</configuration>');
  const key = 'OAuthHttpModule.Profiles';
  const current = /key="OAuthHttpModule.Profiles" value="([^"]*)"/.exec(text)[1];
  const value = `${current}|V1S2SAppOnly`;
  const runs = QUICK ? 5 : 21;
  const times = [];
  let out;
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    out = setAppSetting(text, key, value, 'bench');
    if (i >= 2) times.push(Number(process.hrtime.bigint() - start) / 1e6); // two warm-up runs
  }
  const byteExact = out === text.replace(`value="${current}"`, `value="${value}"`);
  section(
    'Patching a 1 MB web.config',
    'setAppSetting (src/webconfig) on the REST web.config grown to 1 MB with <location> blocks and comments, CRLF; ' +
      `in process, median of ${runs} runs after 2 warm-up runs.`,
    ['size', 'median ms', 'MB/s', 'only the value changed'],
    [[`${(text.length / (1 << 20)).toFixed(2)} MB`, median(times).toFixed(1), ((text.length / (1 << 20)) / (median(times) / 1000)).toFixed(0), byteExact ? 'yes' : 'NO']],
  );
}

/**
 * Reading a web.config with very many attributes on one element (issue 13 #18): linear, not quadratic.
 * The time per attribute at 10k, 20k and 40k attributes must not grow with the count (target: the time
 * per attribute at 40k within 2x of that at 10k).
 */
function manyAttributes() {
  const { readAppSettings } = require(path.join(ROOT, 'dist', 'webconfig', 'appsettings.js'));
  const rows = [];
  const perAttr = [];
  for (const n of [10000, 20000, 40000]) {
    const attrs = Array.from({ length: n }, (_, i) => `a${i}="x"`).join(' ');
    const text = `<configuration><system.web><x ${attrs}/></system.web><appSettings><add key="k" value="v"/></appSettings></configuration>`;
    const times = [];
    for (let i = 0; i < (QUICK ? 3 : 7); i++) {
      const start = process.hrtime.bigint();
      readAppSettings(text, 'bench');
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    perAttr.push(median(times) / n);
    rows.push([String(n), median(times).toFixed(1), ((median(times) / n) * 1000).toFixed(2)]);
  }
  const ok = perAttr[2] <= 2 * perAttr[0];
  rows.push(['target', '', `${verdict(ok)} (per-attribute time at 40k within 2x of 10k)`]);
  section('A web.config with many attributes on one element', 'readAppSettings (src/webconfig) on one element with N attributes; median of runs.', ['attributes', 'median ms', 'µs per attribute'], rows);
}

/** Least-squares slope and R² of y over x. */
function fit(xs, ys) {
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const syy = ys.reduce((a, y) => a + (y - my) ** 2, 0);
  return { slope: sxy / sxx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

function memory() {
  const sizes = QUICK ? [10, 20, 30, 40, 50] : [100, 175, 250, 375, 500];
  const runs = QUICK ? 1 : 3;
  const peaks = sizes.map((n) => {
    const dir = makeFleet(`memory-${n}`, n, 0);
    const rss = [];
    for (let i = 0; i < runs; i++) {
      const out = path.join(TMP, `rss-${n}-${i}`);
      timeNode(['-r', RSS_HOOK, MAIN, 'plan'], dir, { env: { HYBRIDCFG_BENCH_RSS_OUT: out } });
      rss.push(Number(fs.readFileSync(out, 'utf8')) / 1024);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    return median(rss);
  });
  // Linear: one more server costs about as much in the large fleets as in the small ones. Memory
  // growing with the square of the fleet would make the upper slope about twice the lower one.
  const lower = fit(sizes.slice(0, 3), peaks.slice(0, 3)).slope * 1024;
  const upper = fit(sizes.slice(2), peaks.slice(2)).slope * 1024;
  const all = fit(sizes, peaks);
  const linear = upper <= 1.5 * Math.max(lower, 1);
  if (!linear) verdict(false, `memory of a plan grows faster than linearly: ${lower.toFixed(0)} then ${upper.toFixed(0)} KB per server`);
  section(
    'Memory of a plan',
    `Peak resident set size (process.resourceUsage().maxRSS) of \`hybridcfg plan\` in its own process, median of ${runs} runs, no latency.`,
    ['servers', 'peak RSS MB', 'target'],
    sizes.map((n, i) => [String(n), peaks[i].toFixed(1), i === sizes.length - 1 ? `${verdict(peaks[i] < 200, `peak RSS of a ${n}-server plan ${peaks[i].toFixed(0)} MB, target under 200 MB`)} (under 200 MB)` : '']),
    [
      `Growth: ${linear ? 'linear' : 'NOT linear'}: ${(all.slope * 1024).toFixed(0)} KB per server over the whole range ` +
        `(R² ${all.r2.toFixed(3)}); ${lower.toFixed(0)} KB per server from ${sizes[0]} to ${sizes[2]}, ${upper.toFixed(0)} KB ` +
        `from ${sizes[2]} to ${sizes[4]} (linear: the second at most 1.5 times the first; quadratic growth would make it about 2 times). ` +
        'Peak RSS moves by a few MB from run to run with the garbage collector.',
    ],
  );
}

/** Peak RSS in MB of one CLI run (bench/rss-hook.js), and its wall time. */
function measured(args, dir) {
  const out = path.join(TMP, `rss-${process.hrtime.bigint()}`);
  const ms = timeNode(['-r', RSS_HOOK, MAIN, ...args], dir, { env: { HYBRIDCFG_BENCH_RSS_OUT: out } });
  return { ms, mb: Number(fs.readFileSync(out, 'utf8')) / 1024 };
}

/** Plans of large labs at latency 0: linear in servers, memory flat in --parallelism. */
function scaling() {
  const sizes = QUICK ? [50, 100, 200, 500] : [500, 1000, 2000, 5000];
  const [base, largest] = [sizes[0], sizes[sizes.length - 1]];
  const rows = [];
  let baseMs;
  for (const n of sizes) {
    const dir = makeFleet(`scale-${n}`, n, 0);
    const runs = QUICK || n >= 2000 ? 1 : 3;
    const times = [];
    let p10;
    for (let i = 0; i < runs; i++) times.push((p10 = measured(['plan'], dir)).ms);
    const p50 = measured(['plan', '--parallelism', '50'], dir);
    const med = median(times);
    baseMs ??= med;
    const ratio = med / baseMs;
    const limit = 12 * (n / base / 10);
    const targets = [];
    if (n === largest) {
      targets.push(`${verdict(ratio <= limit, `plan of ${n} servers took ${x(ratio)} the plan of ${base}, target within ${limit}x`)} (within ${limit}x of ${base})`);
      targets.push(`${verdict(p50.mb < 250, `peak RSS of the ${n}-server plan at parallelism 50 is ${p50.mb.toFixed(0)} MB, target under 250 MB`)} (under 250 MB at 50)`);
    }
    rows.push([String(n), String(runs), s(med), x(ratio), p10.mb.toFixed(0), p50.mb.toFixed(0), s(p50.ms), targets.join('; ')]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  section(
    'Scaling: plans of large labs, no latency',
    `\`hybridcfg plan\` of the quick start on labs of ${sizes.join(', ')} servers at latency 0, so that only hybridcfg's own work counts. ` +
      'Peak RSS of the same runs (bench/rss-hook.js) at the default parallelism (10) and at 50.',
    ['servers', 'runs', 'median s (parallelism 10)', `ratio to ${base}`, 'peak RSS MB (10)', 'peak RSS MB (50)', 's (50)', 'target'],
    rows,
    [`Linear would be ${largest / base}x for ${largest / base} times the servers; the target allows 12x for 10x. Memory must not grow with --parallelism: the two RSS columns should match.`],
  );
}

/** A rolling apply of 20 servers: its time and the unavailability it costs, against the ideal. */
function rollingApply() {
  const n = QUICK ? 8 : 20;
  const rows = [];
  for (const maxUnavailable of [1, '25%']) {
    const spec = fs
      .readFileSync(QUICKSTART, 'utf8')
      .replace(/^restart:\n  mode: iisreset.*$/m, `restart:\n  mode: iisreset\n  rolling:\n    maxUnavailable: ${JSON.stringify(maxUnavailable)}\n    healthCheck:\n      paths: [/owa/healthcheck.htm]`);
    if (!spec.includes('maxUnavailable')) throw new Error('the quick start no longer ends with restart: mode: iisreset; update rollingApply()');
    const dir = makeFleet(`rolling-${String(maxUnavailable).replace('%', 'pct')}`, n, LATENCY_MS, spec);
    const before = calls(dir).length;
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [MAIN, 'apply', '--yes', '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`apply (maxUnavailable ${maxUnavailable}) exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
    const out = JSON.parse(r.stdout);
    const servers = (out.result ?? out).servers ?? [];
    const down = servers.map((sv) => sv.unavailability?.ms ?? 0);
    if (down.filter((d) => d > 0).length !== n) throw new Error(`apply reported the unavailability of ${down.filter((d) => d > 0).length} of ${n} servers`);
    const batch = typeof maxUnavailable === 'number' ? maxUnavailable : Math.max(1, Math.floor((n * parseInt(maxUnavailable, 10)) / 100));
    const batches = Math.ceil(n / batch);
    const made = calls(dir).slice(before);
    const writes = made.filter((c) => c.call === 'writeFiles').length;
    // Ideal wall time: the reads overlapping (parallelism 10), then per batch one write and one restart round trip, the batch's servers side by side.
    const ideal = LATENCY_MS * (Math.ceil(n / DEFAULT_PARALLELISM) + 2 * batches);
    const total = down.reduce((a, b) => a + b, 0);
    const perServer = ASSUMED_IISRESET_S * 1000;
    // The fleet is degraded while any batch is restarting: batches one after another, each as long as its slowest server.
    const degraded = Array.from({ length: batches }, (_, i) => Math.max(...down.slice(i * batch, (i + 1) * batch))).reduce((a, b) => a + b, 0);
    rows.push([
      String(maxUnavailable),
      `${batches} x ${batch}`,
      String(writes),
      s(ms),
      s(ideal),
      x(ms / ideal),
      (total / 1000).toFixed(0),
      ((n * perServer) / 1000).toFixed(0),
      (degraded / 1000).toFixed(0),
      ((batches * perServer) / 1000).toFixed(0),
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  section(
    `Rolling apply of ${n} servers: time and unavailability`,
    `\`hybridcfg apply --yes --json\` of the quick start with iisreset, a health check and restart.rolling.maxUnavailable as shown, every call concerning a server ${LATENCY_MS} ms. ` +
      "Unavailability is the lab's model (LAB.md O5: 60 s per iisreset, assumption restart-durations), as the apply result reports it per server.",
    ['maxUnavailable', 'batches', 'writes', 'apply s', 'ideal s', 'ratio', 'unavailability s (sum)', 'ideal s (sum)', 'fleet degraded s', 'ideal s (degraded)'],
    rows,
    [
      `Ideal apply: ${LATENCY_MS} ms x (ceil(servers / 10) reads + 2 round trips per batch: the batch's writes side by side, then its restarts side by side). ` +
        'Ideal unavailability: every server restarts once (servers x 60 s); the fleet is degraded for batches x 60 s.',
    ],
  );
}

const ASSUMED_IISRESET_S = 60;

/** The PowerShell calls of one run (HC_I4001 lines of its --log-file) and how many of them started a PowerShell process. */
function roundTrips(logFile) {
  const lines = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
    .filter((l) => l.code === 'HC_I4001');
  return { calls: lines.length, shells: lines.filter((l) => l.data && l.data.shellStarted).length };
}

/** The PowerShell target on the fake Exchange module (lab mode), 1, 10 and 50 servers, against a pwsh process per server and command. */
function powershell() {
  const title = 'PowerShell target (fake Exchange module) against a process per command';
  const skip = (why) => section(title, '', ['measure', 'result'], [['skipped', why]]);
  if (!fs.existsSync(PWSH)) return skip(`no PowerShell at ${PWSH} (set HYBRIDCFG_BENCH_PWSH)`);
  const modulePath = require(path.join(ROOT, 'dist', 'targets', 'powershell', 'scripts.js')).FAKE_EXCHANGE_MODULE;
  const q = (v) => `'${String(v).replace(/'/g, "''")}'`;
  const sizes = QUICK ? [1, 3] : [1, 10, 50];
  const rows = [];
  const planMs = {};
  for (const n of sizes) {
    const spec = fs.readFileSync(QUICKSTART, 'utf8').replace(/^  lab: \.\/lab.*$/m, `  powershell: { shell: ${JSON.stringify(PWSH)}, lab: ./lab }`);
    const dir = makeFleet(`pwsh-${n}`, n, 0, spec);
    const lab = path.join(dir, 'lab');
    const before = calls(dir).length;
    const plan = cli(['plan', '--log-file', 'plan.jsonl'], dir);
    planMs[n] = plan;
    const made = calls(dir).slice(before);
    const applyDir = copyFleet(dir);
    const apply = cli(['apply', '--yes', '--log-file', 'apply.jsonl'], applyDir);
    const trips = { plan: roundTrips(path.join(dir, 'plan.jsonl')), apply: roundTrips(path.join(applyDir, 'apply.jsonl')) };
    // The naive way, measured: one pwsh process per call hybridcfg made (start, import the module, one cmdlet, the server's file).
    const naiveStart = process.hrtime.bigint();
    for (const c of made) {
      const work = c.server
        ? `Get-ExchangeServer -Identity ${q(c.server)} | Out-Null; Get-Content -Raw -LiteralPath ${q(path.join(lab, 'servers', c.server, ...REST.split('/')))} | Out-Null`
        : 'Get-ExchangeServer | Out-Null; Get-PartnerApplication | Out-Null';
      const r = spawnSync(PWSH, ['-NoProfile', '-NonInteractive', '-Command', `$env:HYBRIDCFG_LAB = ${q(lab)}; Import-Module ${q(modulePath)}; ${work}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`pwsh per command failed: ${String(r.stderr).slice(0, 500)}`);
    }
    const naive = Number(process.hrtime.bigint() - naiveStart) / 1e6;
    rows.push([String(n), String(made.length), s(plan), `${trips.plan.calls} / ${trips.plan.shells}`, s(naive), x(naive / plan), s(apply), `${trips.apply.calls} / ${trips.apply.shells}`, '']);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [small, big] = [sizes[sizes.length - 2], sizes[sizes.length - 1]];
  const ratio = planMs[big] / planMs[small];
  rows[rows.length - 1][8] = `${verdict(ratio <= 2, `pwsh plan of ${big} servers took ${x(ratio)} the plan of ${small}, target within 2x`)} (${big} within 2x of ${small}: ${x(ratio)})`;
  section(
    title,
    '`hybridcfg plan` and `apply --yes` with `target.powershell.lab` (pwsh and the fake Exchange module), against the naive way: ' +
      'one `pwsh -Command` per call hybridcfg made (start, import the module, the cmdlet and the file read), run one after another. All measured in this run. ' +
      '"calls" counts what the lab logged (one per server and call, as the naive way makes them); "round trips / shell starts" counts the PowerShell calls hybridcfg made and the PowerShell processes it started, from the `--log-file` transcript (HC_I4001).',
    ['servers', 'calls', 'plan s', 'plan round trips / shell starts', 'naive s', 'naive / plan', 'apply s', 'apply round trips / shell starts', 'target'],
    rows,
  );
}

// ------------------------------------------------------------------------------------------------ main

function machine() {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} cores`,
    `- Memory: ${(os.totalmem() / (1 << 30)).toFixed(1)} GB`,
    `- Node.js ${process.version} on ${os.type()} ${os.release()} (${os.arch()})`,
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`npm run bench\`${QUICK ? ' (--quick)' : ''}`,
  ].join('\n');
}

async function main() {
  ensureBuilt();
  const began = Date.now();
  process.stdout.write(`# hybridcfg benchmark\n\n${machine()}\n`);
  startup();
  const perServer = fleet();
  callsPerServer(perServer);
  webConfigPatch();
  manyAttributes();
  memory();
  scaling();
  rollingApply();
  powershell();
  const took = `Whole bench: ${((Date.now() - began) / 60000).toFixed(1)} minutes.`;
  const verdicts = missed.length === 0 ? ['Every target met.'] : missed.map((m) => `NOT met: ${m}`);
  process.stdout.write(`\n${took}\n\n${verdicts.join('\n')}\n`);
  const results = WRITE ? RESULTS : path.join(os.tmpdir(), `hybridcfg-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  fs.writeFileSync(
    results,
    [
      '# hybridcfg benchmark results',
      '',
      'Written by `npm run bench -- --write` (bench/run.js); see the comments there for what each figure means.',
      '',
      machine(),
      '',
      ...sections.map(render),
      took,
      '',
      ...verdicts,
      '',
    ].join('\n'),
  );
  process.stdout.write(`Wrote ${results}${WRITE ? '' : ' (bench/RESULTS.md is left alone: --write replaces it)'}\n`);
  if (missed.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
