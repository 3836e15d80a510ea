#!/usr/bin/env node
/**
 * Writes docs/spec.md from schemas/hybridcfg.schema.json, so that the reference cannot drift from
 * what the loader accepts. `--check` writes nothing and exits 1 when docs/spec.md is out of date.
 * Plain JS on purpose: it runs from a fresh clone with no build.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.join(__dirname, '..');
const SCHEMA_FILE = path.join(ROOT, 'schemas', 'hybridcfg.schema.json');
const DOC_FILE = path.join(ROOT, 'docs', 'spec.md');

function resolveRef(schema, node) {
  if (!node || typeof node.$ref !== 'string') return node;
  const target = node.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((n, key) => n[key.replace(/~1/g, '/').replace(/~0/g, '~')], schema);
  // Keywords beside $ref (description, examples) describe this use of the shared definition.
  const { $ref: _ignored, ...local } = node;
  return { ...resolveRef(schema, target), ...local };
}

function typeText(schema, raw) {
  const node = resolveRef(schema, raw);
  if (node.oneOf) return node.oneOf.map((b) => b.title || typeText(schema, b)).join(', or ');
  if (node.anyOf) return node.anyOf.map((b) => b.title || typeText(schema, b)).join(', or ');
  if (node.const !== undefined) return `\`${node.const}\``;
  // A long enum with a description per value is listed, with them, under the first key that uses it.
  if (node.enum && node.markdownEnumDescriptions && node.title) return node.title;
  if (node.enum) return `one of ${node.enum.map((v) => `\`${v}\``).join(', ')}`;
  const base = {
    string: 'text',
    boolean: '`true` or `false`',
    integer: 'whole number',
    number: 'number',
    null: '`null`',
    array: 'list',
    object: 'mapping',
  }[node.type] || String(node.type);
  const limits = [];
  if (node.type === 'array' && node.items) limits.push(`of ${typeText(schema, node.items)}`);
  if (node.minItems) limits.push(`at least ${node.minItems}`);
  if (node.uniqueItems) limits.push('no repeats');
  if (node.minimum !== undefined) limits.push(`at least ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) limits.push(`more than ${node.exclusiveMinimum}`);
  if (node.format) limits.push(`format \`${node.format}\``);
  if (node.pattern) limits.push(`matching \`${node.pattern}\``);
  return limits.length > 0 ? `${base} (${limits.join(', ')})` : base;
}

/** The values and their descriptions of an enum that carries them, here or in the list's items. */
function enumWithDescriptions(schema, node) {
  const own = resolveRef(schema, node);
  const items = own.items ? resolveRef(schema, own.items) : undefined;
  const candidates = [own, items, ...((items && items.anyOf) || []).map((b) => resolveRef(schema, b))];
  const target = candidates.find((c) => c && c.enum && c.markdownEnumDescriptions && c.title);
  if (!target) return undefined;
  return { title: target.title, list: target.enum.map((v, i) => [v, target.markdownEnumDescriptions[i]]) };
}

function example(key, value) {
  return YAML.stringify({ [key]: value }, { lineWidth: 0, flowCollectionPadding: false }).trimEnd();
}

/** Every property, depth first, with the path a reader writes in YAML. */
function walk(schema, node, prefix, out) {
  node = resolveRef(schema, node);
  const objects = [node, ...(node.oneOf || []).map((b) => resolveRef(schema, b))];
  for (const obj of objects) {
    if (obj.type === 'array' && obj.items) walk(schema, obj.items, `${prefix}[]`, out);
    const required = new Set(obj.required || []);
    for (const [key, raw] of Object.entries(obj.properties || {})) {
      const prop = resolveRef(schema, raw);
      const name = prefix ? `${prefix}.${key}` : key;
      out.push({ name, key, prop, required: required.has(key) });
      walk(schema, prop, name, out);
    }
    // A key matched by an exact pattern (`^OAuthHttpModule\\.Profiles$`) is documented under its name.
    for (const [pattern, raw] of Object.entries(obj.patternProperties || {})) {
      const key = pattern.replace(/^\^|\$$/g, '').replace(/\\(.)/g, '$1');
      const name = `${prefix}.${key}`;
      const prop = resolveRef(schema, raw);
      out.push({ name, key, prop, required: false });
      walk(schema, prop, name, out);
    }
    if (obj.additionalProperties && typeof obj.additionalProperties === 'object') {
      const name = `${prefix}.<key>`;
      const value = resolveRef(schema, obj.additionalProperties);
      out.push({ name, key: '<key>', prop: { description: 'Any key: the name of the appSetting.', ...value }, required: false });
      walk(schema, value, name, out);
    }
  }
  return out;
}

function render(schema) {
  const lines = [
    '# The hybridcfg spec',
    '',
    '<!-- Generated from schemas/hybridcfg.schema.json by `node scripts/gen-spec-doc.js`. Edit the schema, not this file. -->',
    '',
    schema.description,
    '',
    `Schema: \`${schema.$id}\` (JSON Schema ${schema.$schema.includes('2020-12') ? 'draft 2020-12' : schema.$schema}). ` +
      'Check a spec with `hybridcfg validate [SPEC]`. Relative paths are resolved against the spec file\'s folder.',
    '',
    '## Example',
    '',
    '```yaml',
    ...(schema.examples || []).map((e) => YAML.stringify(e, { lineWidth: 0 }).trimEnd()),
    '```',
    '',
    '## Keys',
    '',
  ];
  const seen = new Set();
  const listed = new Set();
  for (const { name, key, prop, required } of walk(schema, schema, '', [])) {
    // Alternative forms of one mapping (oneOf) can share a key: the first form's entry documents it.
    if (seen.has(name)) continue;
    seen.add(name);
    lines.push(`### \`${name}\``, '');
    lines.push(`${required ? '**Required.** ' : ''}Type: ${typeText(schema, prop)}.`, '');
    if (prop.description) lines.push(prop.description, '');
    const values = enumWithDescriptions(schema, prop);
    if (values && !listed.has(values.title)) {
      listed.add(values.title);
      lines.push(`${values.title[0].toUpperCase()}${values.title.slice(1)} is one of:`, '');
      lines.push(...values.list.map(([v, d]) => `- \`${v}\`: ${d.replace(/^\*\*[^*]+\*\*: /, '')}`), '');
    }
    const examples = prop.examples || [];
    if (examples.length > 0) {
      lines.push(examples.length === 1 ? 'Example:' : 'Examples:', '', '```yaml');
      lines.push(examples.map((e) => example(key, e)).join('\n# or\n'));
      lines.push('```', '');
    }
  }
  return lines.join('\n').trimEnd() + '\n';
}

function main(argv) {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  const text = render(schema);
  if (argv.includes('--check')) {
    const current = fs.existsSync(DOC_FILE) ? fs.readFileSync(DOC_FILE, 'utf8') : '';
    if (current !== text) {
      process.stderr.write('docs/spec.md is out of date with schemas/hybridcfg.schema.json: run `node scripts/gen-spec-doc.js`.\n');
      return 1;
    }
    return 0;
  }
  fs.mkdirSync(path.dirname(DOC_FILE), { recursive: true });
  fs.writeFileSync(DOC_FILE, text);
  return 0;
}

module.exports = { render, SCHEMA_FILE, DOC_FILE };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
