/**
 * What the organisation-wide objects of the hybrid unit share (auth servers, setting overrides,
 * intra-organisation connectors, organisation relationships): an entry of the spec selects one or more
 * live objects by the kind's rule, states some of their properties, and each object that differs becomes
 * one change carried out by the kind's Set- cmdlet with only those parameters (-Identity = the object's
 * Name, which Active Directory keeps unique in the object's container). A kind may also create objects
 * (New-SettingOverride), and rollback then removes what hybridcfg created. The values before hybridcfg
 * first changed a property are recorded by the target, in the same call, for rollback.
 *
 * This file names no kind: each kind's folder gives its configuration (src/resources/<kind>/index.ts).
 */
import { error, warning, type Diagnostic } from '../../diag/diagnostic';
import type { AttributeChange, Change, ChangeAction, Effect, KindPlan, PlanInput, ResourceKind } from '../types';

/** How a property's values compare: booleans and strings exactly (strings of URLs and GUIDs case-insensitively), lists as sets. */
export type PropertyType = 'boolean' | 'string' | 'list';

export interface ObjectProperty {
  /** The spec's key (`enabled`). */
  readonly key: string;
  /** Exchange's property and the Set- cmdlet's parameter (`Enabled`). */
  readonly prop: string;
  readonly type: PropertyType;
}

/** A live object as the kind reads it: Exchange's property names, strings, booleans, string lists or null. */
export type ExchangeObject = Readonly<Record<string, unknown>> & { readonly Name: string };

/** The originals the target records per object Name: the first value of each property, and `$created` for what hybridcfg made. */
export type ObjectOriginals = Readonly<Record<string, Readonly<Record<string, unknown>>>>;
export const CREATED = '$created';

export interface ObjectsLive {
  readonly objects: readonly ExchangeObject[];
  /** Parameters the session's Set- cmdlet exposes (build and RBAC decide them); null when the target cannot tell. */
  readonly parameters: readonly string[] | null;
  readonly originals: ObjectOriginals;
}

/** What a change asks the target to do, and carries to it: `Set-X -Identity <name> ...`, `New-X ...` or `Remove-X <name>`. */
export interface ObjectRequest {
  readonly name: string;
  readonly action: ChangeAction;
  /** update: property -> new value. */
  readonly update?: Readonly<Record<string, unknown>>;
  /** create: New- cmdlet parameter -> value. */
  readonly create?: Readonly<Record<string, unknown>>;
  /** Run the kind's follow-up command after the change, in the same call. */
  readonly followUp?: boolean;
}
export type ObjectChangeData = ObjectRequest;

export interface EntryBase {
  readonly name: string;
}

/** What a kind's selection rule finds for one entry. */
export type Selection =
  | { readonly objects: readonly ExchangeObject[] }
  | { readonly create: Readonly<Record<string, unknown>> }
  | { readonly problem: Diagnostic };

export interface ObjectKindConfig<E extends EntryBase> {
  readonly id: string;
  /** The Set- cmdlet (`Set-AuthServer`): the parameters a change uses are checked against what it exposes. */
  readonly setCmdlet: string;
  /** For people, in diagnostics: `auth server`. */
  readonly what: string;
  readonly properties: readonly ObjectProperty[];
  /** The objects the entry means (at pointer), or what to create, or why neither. */
  select(entry: E, live: ObjectsLive, input: PlanInput<E, ObjectsLive, never>, pointer: string): Selection;
  /** Problems of the entry against the object it selected (read-only properties that differ), before any diff. */
  checkObject?(entry: E, object: ExchangeObject, input: PlanInput<E, ObjectsLive, never>, pointer: string): readonly Diagnostic[];
  /** Cross-checks of the whole section against the other kinds' facts (Microsoft's preconditions). */
  crossCheck?(input: PlanInput<E, ObjectsLive, never>, changes: readonly Change<ObjectChangeData>[]): readonly Diagnostic[];
  /** The follow-up a change of this kind needs (a refresh), when it does. */
  readonly followUp?: { readonly command: string; readonly why: string };
  /** The entry export writes for a live object (`all`: every managed property). */
  exportEntry(object: ExchangeObject, entry: E | undefined): E;
}

const lower = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);

export function sameValue(type: PropertyType, a: unknown, b: unknown): boolean {
  if (type === 'list') {
    // Domain names, URLs and `Key=Value` parameters: compared case-insensitively as Exchange stores them [M].
    const sa = new Set(((a as unknown[] | null) ?? []).map((x) => String(x).toLowerCase()));
    const sb = new Set(((b as unknown[] | null) ?? []).map((x) => String(x).toLowerCase()));
    return sa.size === sb.size && [...sa].every((x) => sb.has(x));
  }
  if (type === 'string') return String(lower(a ?? '')) === String(lower(b ?? ''));
  return a === b;
}

/** A kind that was not read (no entries in the spec) has nothing live to plan against. */
const NOTHING: ObjectsLive = { objects: [], parameters: null, originals: {} };
const liveOf = (input: { readonly org: ObjectsLive | undefined }): ObjectsLive => input.org ?? NOTHING;

export const addressOf = (id: string, name: string): string => `${id}["${name}"]`;

function attribute(p: ObjectProperty, before: unknown, after: unknown, action: ChangeAction = 'update'): AttributeChange {
  return { name: p.prop, action, before: before ?? null, after: after ?? null, format: p.type === 'list' ? 'set' : 'scalar' };
}

function effectsOf<E extends EntryBase>(config: ObjectKindConfig<E>): Effect[] {
  return config.followUp ? [{ type: 'followUp', command: config.followUp.command, why: config.followUp.why }] : [];
}

function change<E extends EntryBase>(config: ObjectKindConfig<E>, name: string, action: ChangeAction, reason: Change['reason'], attributes: AttributeChange[], data: ObjectChangeData): Change<ObjectChangeData> {
  return { kind: config.id, address: addressOf(config.id, name), action, reason, title: name, attributes, effects: action === 'delete' ? [] : effectsOf(config), data };
}

/** The pure diff of one kind: every entry against the objects it selects. */
export function planObjects<E extends EntryBase>(config: ObjectKindConfig<E>, input: PlanInput<E, ObjectsLive, never>): KindPlan<ObjectChangeData> {
  const live = liveOf(input);
  const changes: Change<ObjectChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  const exposed = live.parameters === null ? null : new Set(live.parameters.map((p) => p.toLowerCase()));
  input.entries.forEach((entry, i) => {
    const pointer = `${input.pointer}/${i}`;
    const found = config.select(entry, live, input, pointer);
    if ('problem' in found) {
      diagnostics.push(found.problem);
      return;
    }
    if ('create' in found) {
      const attributes = Object.entries(found.create).map(([k, v]) => ({ name: k, action: 'create' as const, before: null, after: v, format: Array.isArray(v) ? ('set' as const) : ('scalar' as const) }));
      changes.push(change(config, entry.name, 'create', 'spec', attributes, { name: entry.name, action: 'create', create: found.create, followUp: config.followUp !== undefined }));
      return;
    }
    for (const object of found.objects) {
      const problems = config.checkObject?.(entry, object, input, pointer) ?? [];
      diagnostics.push(...problems);
      if (problems.some((d) => d.severity === 'error')) continue;
      const attributes: AttributeChange[] = [];
      const update: Record<string, unknown> = {};
      for (const p of config.properties) {
        const wanted = (entry as unknown as Record<string, unknown>)[p.key];
        if (wanted === undefined || sameValue(p.type, object[p.prop], wanted)) continue;
        const after = p.type === 'list' && Array.isArray(wanted) && wanted.length === 0 ? null : wanted;
        attributes.push(attribute(p, object[p.prop], after));
        update[p.prop] = after;
        if (exposed !== null && !exposed.has(p.prop.toLowerCase())) {
          diagnostics.push(
            error('plan.parameter-not-exposed', `${config.setCmdlet} does not expose -${p.prop} here.`, `${config.setCmdlet} in this session has no -${p.prop} parameter, so ${config.what} "${object.Name}" cannot be changed: applying would fail with "A parameter cannot be found that matches parameter name '${p.prop}'".\nThe build of the server the session runs on lacks it, or your account's role entries do not expose it. Update the servers, run hybridcfg with a role that has it, or remove \`${p.key}\` from the spec.`, {
              source: input.locate(`${pointer}/${p.key}`),
              path: `${pointer}/${p.key}`,
              address: addressOf(config.id, object.Name),
            }),
          );
        }
      }
      if (attributes.length > 0) changes.push(change(config, object.Name, 'update', 'spec', attributes, { name: object.Name, action: 'update', update, followUp: config.followUp !== undefined }));
    }
  });
  diagnostics.push(...(config.crossCheck?.(input, changes) ?? []));
  return { changes, diagnostics, read: live.objects };
}

/** Changes that put back what hybridcfg first found: recorded values, and removal of what it created. */
export function rollbackObjects<E extends EntryBase>(config: ObjectKindConfig<E>, input: PlanInput<E, ObjectsLive, never>): KindPlan<ObjectChangeData> {
  const live = liveOf(input);
  const changes: Change<ObjectChangeData>[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [name, values] of Object.entries(live.originals)) {
    const object = live.objects.find((o) => o.Name.toLowerCase() === name.toLowerCase());
    if (values[CREATED] === true) {
      if (object) changes.push(change(config, object.Name, 'delete', 'rollback', [], { name: object.Name, action: 'delete' }));
      continue;
    }
    if (!object) {
      diagnostics.push(warning('rollback.object-gone', `The ${config.what} "${name}" has recorded originals but no longer exists; it is not recreated.`));
      continue;
    }
    const attributes: AttributeChange[] = [];
    const update: Record<string, unknown> = {};
    for (const p of config.properties) {
      if (!(p.prop in values) || sameValue(p.type, object[p.prop], values[p.prop])) continue;
      attributes.push(attribute(p, object[p.prop], values[p.prop]));
      update[p.prop] = values[p.prop];
    }
    if (attributes.length > 0) changes.push(change(config, object.Name, 'update', 'rollback', attributes, { name: object.Name, action: 'update', update, followUp: config.followUp !== undefined }));
  }
  return { changes, diagnostics, read: { objects: live.objects, originals: live.originals } };
}

/** Within a run (onFailure: rollback): an update goes back to its before values, a create is removed. */
export function undoObject(c: Change<ObjectChangeData>): Change<ObjectChangeData> | undefined {
  if (c.action === 'create') return { ...c, action: 'delete', reason: 'undo', attributes: [], effects: [], data: { name: c.data.name, action: 'delete' } };
  if (c.action === 'delete') return undefined;
  const update: Record<string, unknown> = {};
  for (const a of c.attributes) update[a.name] = a.before;
  return { ...c, reason: 'undo', attributes: c.attributes.map((a) => ({ ...a, before: a.after, after: a.before })), data: { ...c.data, update } };
}

/** Entries for the live objects the spec's entries select (`all`: every object of the kind). */
export function exportObjects<E extends EntryBase>(config: ObjectKindConfig<E>, input: PlanInput<E, ObjectsLive, never>, opts: { readonly all: boolean }): E[] {
  const live = liveOf(input);
  if (opts.all) return live.objects.map((o) => config.exportEntry(o, undefined));
  return input.entries.flatMap((entry, i) => {
    const found = config.select(entry, live, input, `${input.pointer}/${i}`);
    return 'objects' in found ? found.objects.map((o) => config.exportEntry(o, entry)) : [];
  });
}

/** Entries for export: the managed properties the entry states (all of them without an entry), unset strings left out. */
export function exportedProperties(properties: readonly ObjectProperty[], object: ExchangeObject, entry: object | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of properties) {
    if (entry !== undefined && (entry as Record<string, unknown>)[p.key] === undefined) continue;
    const v = object[p.prop];
    // An unset string (a Uri, a GUID) is left out rather than written as "", which its schema's format
    // refuses; planning the export then leaves it as it is, which is what the live state says.
    if (p.type === 'string' && (v === null || v === undefined || v === '')) continue;
    out[p.key] = p.type === 'list' ? [...((v as unknown[] | null) ?? [])] : v;
  }
  return out;
}

/**
 * `name: all` or an exact name (Active Directory names compare case-insensitively); none found is an
 * error naming those that exist, with the kind's `unknownCode` (spelt out by the kind, not built from its
 * id, so that docs/diagnostics.md can be checked against the source).
 */
export function selectByName<E extends EntryBase>(
  config: { readonly what: string; readonly getCmdlet: string; readonly unknownCode: string },
  entry: E,
  live: ObjectsLive,
  input: PlanInput<E, ObjectsLive, never>,
  pointer: string,
): Selection {
  if (entry.name === 'all') return { objects: live.objects };
  const found = live.objects.filter((o) => o.Name.toLowerCase() === entry.name.toLowerCase());
  if (found.length > 0) return { objects: found };
  return {
    problem: error(
      config.unknownCode,
      `No ${config.what} named "${entry.name}" exists in this organisation.`,
      `hybridcfg changes existing ${config.what}s; it does not create them (the Hybrid Configuration Wizard does). Use \`name: all\` for every one.\n` +
        `${config.getCmdlet} lists: ${live.objects.map((o) => `"${o.Name}"`).join(', ') || '(none)'}.`,
      { source: input.locate(`${pointer}/name`), path: `${pointer}/name` },
    ),
  };
}

/** What every object kind's ResourceKind does with its config: the diff, rollback, export, the request and its undo. */
export function objectKindBehaviour<E extends EntryBase>(
  config: ObjectKindConfig<E>,
): Pick<ResourceKind<E, ObjectsLive, never, ObjectChangeData>, 'plan' | 'rollback' | 'export' | 'request' | 'undo'> {
  return {
    plan: (input) => planObjects(config, input),
    rollback: (input) => rollbackObjects(config, input),
    export: (input, opts) => exportObjects(config, input, opts),
    request: (change) => change.data,
    undo: (change) => undoObject(change),
  };
}
