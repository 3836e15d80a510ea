/**
 * The structure reads top-down: cli -> session -> plan/apply -> resources -> targets, with the leaves
 * (spec, webconfig, domain, util, diag, io, assumptions) below. No module imports one of a layer above
 * it at run time (type-only imports are allowed: a view may know the shape of a plan). Checked on every
 * import and require of src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', '..', 'src');

/** For each folder of src/: the folders its modules may import at run time (besides their own). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  util: [],
  diag: ['util'],
  assumptions: [],
  io: ['util', 'diag'],
  domain: ['util', 'diag'],
  webconfig: ['util', 'diag', 'domain'],
  spec: ['util', 'diag', 'domain', 'assumptions'],
  targets: ['util', 'diag', 'domain', 'spec', 'webconfig'],
  resources: ['util', 'diag', 'domain', 'spec', 'webconfig', 'targets', 'assumptions'],
  plan: ['util', 'diag', 'domain', 'spec', 'resources', 'assumptions'],
  apply: ['util', 'diag', 'domain', 'spec', 'resources', 'targets', 'plan', 'io', 'assumptions'],
  verify: ['util', 'diag', 'domain', 'spec', 'resources'],
  views: ['util', 'diag', 'domain'],
  session: ['util', 'diag', 'domain', 'spec', 'resources', 'targets', 'plan', 'apply', 'io', 'assumptions', 'verify'],
  cli: ['util', 'diag', 'domain', 'spec', 'resources', 'targets', 'plan', 'apply', 'io', 'assumptions', 'verify', 'views', 'session'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Run-time imports of a module: `import x from`, `import { x }` (not `import type`), `export ... from`, `require(...)`. */
function runtimeImports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'(\.[^']+)'/gm)) {
    // `import { type A, type B } from` brings nothing at run time either.
    const clause = m[0];
    if (/\{\s*(?:type\s+\w+\s*,?\s*)+\}\s+from/.test(clause)) continue;
    out.push(m[1]);
  }
  for (const m of text.matchAll(/require\('(\.[^']+)'\)/g)) out.push(m[1]);
  return out;
}

const layerOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0].replace(/\.ts$/, '');

test('no module imports a layer above its own', () => {
  const offences: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    if (from === 'index') continue; // the library entry exports everything
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(SRC)) continue; // package.json, schemas: not a layer
      const to = layerOf(target);
      if (to === from) continue;
      if (!(MAY_IMPORT[from] ?? []).includes(to)) offences.push(`${path.relative(SRC, file)} imports ${spec} (${from} -> ${to})`);
    }
  }
  expect(offences).toEqual([]);
});

test('every folder of src/ has its place in the layers', () => {
  const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect(folders.filter((f) => !(f in MAY_IMPORT))).toEqual([]);
});

test('the check sees an import that runs back up', () => {
  expect(runtimeImports("import { plan } from '../plan/planner';\nimport type { X } from '../cli/io';\nconst m = require('./lab');")).toEqual(['../plan/planner', './lab']);
  expect(runtimeImports("import { type A, type B } from '../plan/types';")).toEqual([]);
});
