#!/usr/bin/env node
/**
 * `npm run schema`: writes schemas/hybridcfg.schema.json, the published JSON Schema, as the built-in
 * kinds assemble it (src/spec/assemble.ts), then docs/spec.md from it. `--check` writes nothing and
 * exits 1 when either is out of date. Needs the build (dist/).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const FILE = path.join(ROOT, 'schemas', 'hybridcfg.schema.json');
const { schemaText } = require(path.join(ROOT, 'dist', 'spec', 'assemble.js'));
const { REGISTRY } = require(path.join(ROOT, 'dist', 'resources', 'registry.js'));

const text = schemaText(REGISTRY.kinds);
const check = process.argv.includes('--check');
let current = '';
try {
  current = readFileSync(FILE, 'utf8');
} catch {
  /* missing: written below */
}
if (check) {
  if (current !== text) {
    process.stderr.write('schemas/hybridcfg.schema.json is not the schema the resource kinds assemble: run `npm run schema`.\n');
    process.exit(1);
  }
} else if (current !== text) {
  writeFileSync(FILE, text);
  process.stdout.write('Wrote schemas/hybridcfg.schema.json\n');
}
execFileSync(process.execPath, [path.join(__dirname, 'gen-spec-doc.js'), ...(check ? ['--check'] : [])], { stdio: 'inherit' });
