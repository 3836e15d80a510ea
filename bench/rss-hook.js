/**
 * Preloaded into a CLI run by bench/run.js (`node -r bench/rss-hook.js dist/cli/main.js ...`): when the
 * process exits, writes its peak resident set size in KB to the file named by HYBRIDCFG_BENCH_RSS_OUT.
 * It measures the CLI as users run it, in its own process, with nothing of the bench in its heap.
 */
'use strict';
const { writeFileSync } = require('node:fs');

const out = process.env.HYBRIDCFG_BENCH_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
