/**
 * The lab driver of an organisation-wide object kind (object-kind.ts): its objects are a list in
 * organization.json (`authServers`, ...), the parameters its Set- cmdlet exposes are
 * `cmdlets."<Set-X>".parameters`, and its originals are LAB/hybridcfg/original/<file>.json (LAB.md O7).
 * A lab made before the kind existed has none of its objects (and its Set- cmdlet exposes nothing).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../diag/diagnostic';
import type { LabInitOptions, LabOrganizationDriver } from '../../targets/lab/driver';
import type { LabOrganization } from '../../targets/lab/format';
import { LAB_DOMAIN } from '../../targets/lab/init';
import { readJsonOr, writeFileAtomic } from '../../targets/lab/lab-target';
import { CREATED, type ExchangeObject, type ObjectRequest, type ObjectsLive } from './object-kind';

export interface ObjectLabConfig {
  /** organization.json's key for the objects (`authServers`). */
  readonly collection: string;
  readonly cmdlets: { readonly set: string; readonly create?: string; readonly remove?: string };
  /** The originals file under LAB/hybridcfg/original/. */
  readonly originalsFile: string;
  /** The calls.jsonl name of a change (`setAuthServer`). */
  readonly call: string;
  /** The events.jsonl action of an update (`set-authserver`); create/remove use the New-/Remove- cmdlet's name. */
  readonly event: string;
  /** The object New-X makes from its parameters (the lab's stand-in for what Exchange stores). */
  created?(params: Readonly<Record<string, unknown>>): ExchangeObject;
  /** The follow-up command's event, logged after the change in the same call (the refresh). */
  readonly followUpEvent?: Readonly<Record<string, unknown>>;
  /** The kind's part of a new lab: its objects, and each cmdlet's parameters (build and RBAC). */
  init(org: LabOrganization, opts: LabInitOptions): Promise<{ readonly objects: readonly ExchangeObject[]; readonly cmdlets: Readonly<Record<string, { readonly parameters: readonly string[]; readonly all: readonly string[] }>> }>;
}

/** A lab object: Exchange's properties and the lab's fault knob (`faults.set: fail`). */
type LabObject = ExchangeObject & { readonly faults?: { readonly set?: 'fail' } };

const objectsOf = (org: LabOrganization, collection: string): readonly LabObject[] => (Array.isArray(org[collection]) ? (org[collection] as LabObject[]) : []);
const parametersOf = (org: LabOrganization, cmdlet: string): readonly string[] => org.cmdlets[cmdlet]?.parameters ?? [];
const withoutFaults = ({ faults: _faults, ...rest }: LabObject): ExchangeObject => rest as ExchangeObject;

export function objectLabDriver(c: ObjectLabConfig): LabOrganizationDriver<unknown, ObjectsLive, ObjectRequest, void> {
  const originalsPath = (state: string) => path.join(state, 'original', c.originalsFile);
  return {
    scope: 'organization',
    shape(org) {
      const list = org[c.collection];
      if (list === undefined) return undefined;
      if (!Array.isArray(list)) return `"${c.collection}" is not a list`;
      const bad = list.findIndex((o) => typeof o !== 'object' || o === null || typeof (o as Record<string, unknown>).Name !== 'string');
      return bad >= 0 ? `${c.collection}[${bad}] needs a string Name` : undefined;
    },
    async read(ctx) {
      const org = await ctx.organization();
      return { objects: objectsOf(org, c.collection).map(withoutFaults), parameters: parametersOf(org, c.cmdlets.set), originals: await readJsonOr(originalsPath(ctx.paths.state), {}) };
    },
    call: (request) => ({ call: c.call, name: request.name, action: request.action }),
    set(ctx, request) {
      return ctx.updateOrganization(async (org) => {
        const objects = objectsOf(org, c.collection);
        const index = objects.findIndex((o) => o.Name.toLowerCase() === request.name.toLowerCase());
        const cmdlet = request.action === 'create' ? c.cmdlets.create! : request.action === 'delete' ? c.cmdlets.remove! : c.cmdlets.set;
        const given = Object.keys(request.action === 'create' ? (request.create ?? {}) : request.action === 'update' ? (request.update ?? {}) : {});
        const exposed = parametersOf(org, cmdlet);
        const missing = given.find((p) => !exposed.includes(p));
        if (missing) {
          fail('target.parameter-missing', `${cmdlet} -${missing} failed: A parameter cannot be found that matches parameter name '${missing}'.`, `This Exchange session's ${cmdlet} does not have -${missing}: the build does not accept it, or your account's role entries do not expose it. Nothing was changed.\nIn the lab: cmdlets."${cmdlet}".parameters in ${ctx.paths.organization}.`);
        }
        if (request.action === 'create' && index >= 0) {
          fail('target.object-exists', `${cmdlet} failed: An object named '${request.name}' already exists.`, 'Nothing was changed; run plan again.');
        }
        if (request.action !== 'create' && index < 0) {
          fail('target.unknown-object', `${cmdlet} -Identity '${request.name}' failed: The operation couldn't be performed because object '${request.name}' couldn't be found on 'DC01.${LAB_DOMAIN}'.`, 'It is gone since the plan was made. Nothing was changed; run plan again.');
        }
        const current = index >= 0 ? objects[index]! : undefined;
        if (current?.faults?.set === 'fail') {
          fail('target.set-failed', `${cmdlet} failed for "${current.Name}"`, `Lab fault: ${c.collection} "${current.Name}" has faults.set=fail. Nothing was changed.`);
        }
        const file = originalsPath(ctx.paths.state);
        const originals = await readJsonOr<Record<string, Record<string, unknown>>>(file, {});
        let next: LabObject[];
        let record: Record<string, unknown> = {};
        let event: Record<string, unknown>;
        if (request.action === 'create') {
          next = [...objects, c.created!(request.create ?? {})];
          record = { [CREATED]: true };
          event = { action: cmdlet.toLowerCase(), name: request.name };
        } else if (request.action === 'delete') {
          next = objects.filter((_, i) => i !== index);
          event = { action: cmdlet.toLowerCase(), name: current!.Name };
        } else {
          const changed: string[] = [];
          const updated: Record<string, unknown> = { ...current };
          for (const [prop, value] of Object.entries(request.update ?? {})) {
            const v = Array.isArray(value) && value.length === 0 ? null : value;
            if (JSON.stringify(current![prop] ?? null) === JSON.stringify(v)) continue;
            updated[prop] = v;
            changed.push(prop);
            record[prop] = current![prop] ?? null;
          }
          // Exchange writes nothing when no setting differs [M].
          if (changed.length === 0) return { result: undefined };
          next = objects.map((o, i) => (i === index ? (updated as LabObject) : o));
          event = { action: c.event, name: current!.Name, properties: changed };
        }
        const key = current?.Name ?? request.name;
        const mine = { ...(originals[key] ?? {}) };
        let recorded = false;
        for (const [k, v] of Object.entries(record)) if (!(k in mine)) ((mine[k] = v), (recorded = true));
        if (recorded) {
          await fs.mkdir(path.dirname(file), { recursive: true });
          await writeFileAtomic(file, JSON.stringify({ ...originals, [key]: mine }, null, 2) + '\n');
        }
        const events = [event, ...(request.followUp && c.followUpEvent ? [c.followUpEvent] : [])];
        return { org: { ...org, [c.collection]: next }, events, result: undefined };
      });
    },
    async init(org, opts) {
      const made = await c.init(org, opts);
      return { ...org, [c.collection]: made.objects, cmdlets: { ...org.cmdlets, ...made.cmdlets } };
    },
  };
}
