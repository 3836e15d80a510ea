/**
 * The published JSON Schema is assembled from the spec's own sections (core.schema.json), each
 * resource kind's fragment (src/resources/<kind>/schema.json) and the assumptions register, so that a
 * kind's schema lives with its code and cannot drift from it (after DSC v3, which derives schemas from
 * its types). `npm run build` writes the result to schemas/hybridcfg.schema.json (scripts/build-schema.js);
 * a test checks the committed file is the assembled one.
 */
import { assumptionsSchema } from '../assumptions/register';
import core from './core.schema.json';
import type { SpecSection } from './types';

type Json = Record<string, unknown>;

export function assembleSchema(sections: readonly SpecSection[]): Json {
  const base = core as unknown as Json & { properties: Json; $defs: Json };
  const properties: Json = {};
  for (const [key, value] of Object.entries(base.properties)) {
    properties[key] = value;
    // The kinds' sections follow `servers`, in the registry's order, as a spec is usually written.
    if (key === 'servers') for (const s of sections) properties[s.specKey] = s.schema.section;
  }
  for (const s of sections) {
    if (!(s.specKey in properties)) properties[s.specKey] = s.schema.section;
    else if (properties[s.specKey] !== s.schema.section) throw new Error(`two schema fragments define the spec key "${s.specKey}"`);
  }
  properties.assumptions = assumptionsSchema();
  const defs: Json = { ...base.$defs };
  for (const s of sections) {
    for (const [name, def] of Object.entries(s.schema.defs ?? {})) {
      if (name in defs) throw new Error(`two schema fragments define $defs/${name}`);
      defs[name] = def;
    }
  }
  return { ...base, properties, $defs: defs };
}

/** The schema's text as the build writes it (2-space JSON, newline at the end). */
export function schemaText(sections: readonly SpecSection[]): string {
  return JSON.stringify(assembleSchema(sections), null, 2) + '\n';
}
