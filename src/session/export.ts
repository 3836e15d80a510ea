/**
 * `hybridcfg export`: a spec that describes the live state of the resources the given spec manages (or,
 * with `all`, of every object of the kinds hybridcfg knows). Planning the exported spec against the same
 * organisation shows no changes. Each kind exports its own section.
 */
import { relative } from 'node:path';
import { assumptions as assumptionsFor } from '../assumptions/register';
import type { IoHost } from '../io/host';
import { IO } from '../io/messages';
import { planInput } from '../plan/planner';
import { REGISTRY, type Registry } from '../resources/registry';
import type { LiveState } from '../resources/types';
import type { LoadedSpec } from '../spec/types';
import { readLive } from './live';
import { loadSpec, openSpecTarget } from './session';

/** The exported spec as data (the view writes it as YAML). Pure: (spec, live) -> spec object. */
export function exportDocument(loaded: LoadedSpec, live: LiveState, registry: Registry, outDir: string, opts: { readonly all: boolean }): Record<string, unknown> {
  const spec = loaded.spec;
  const target =
    'lab' in spec.target
      ? { lab: relPath(outDir, spec.target.lab) }
      : { powershell: { ...spec.target.powershell, ...(spec.target.powershell.lab ? { lab: relPath(outDir, spec.target.powershell.lab) } : {}) } };
  const doc: Record<string, unknown> = { apiVersion: spec.apiVersion, kind: spec.kind, target, servers: spec.servers === 'all' ? 'all' : [...spec.servers] };
  const assumptions = assumptionsFor(spec.assumptions);
  for (const kind of registry.kinds) {
    const entries = kind.export(planInput(kind, loaded, live, assumptions), opts);
    if (entries.length > 0) doc[kind.specKey] = entries;
  }
  if (spec.restart) doc.restart = spec.restart;
  if (spec.assumptions) doc.assumptions = spec.assumptions;
  return doc;
}

function relPath(from: string, to: string): string {
  const r = relative(from, to) || '.';
  return r.startsWith('.') ? r : `./${r}`;
}

export async function exportSpec(
  file: string,
  opts: { readonly host: IoHost; readonly registry?: Registry; readonly parallelism?: number; readonly outDir: string; readonly all?: boolean },
): Promise<{ readonly doc: Record<string, unknown>; readonly loaded: LoadedSpec; readonly target: string }> {
  const registry = opts.registry ?? REGISTRY;
  const loaded = await loadSpec(file, registry);
  const target = await openSpecTarget(loaded, registry, opts.parallelism, opts.host);
  try {
    await opts.host.notify(IO.READ_START.msg(`Reading the live state for ${file} ...`, { spec: file }));
    const live = await readLive(loaded, target, registry, { ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}), purpose: 'export', host: opts.host });
    return { doc: exportDocument(loaded, live, registry, opts.outDir, { all: opts.all === true }), loaded, target: target.description };
  } finally {
    await target.close();
  }
}
