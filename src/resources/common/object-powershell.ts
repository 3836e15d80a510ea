/**
 * The PowerShell driver of an organisation-wide object kind (object-kind.ts): object-kind.ps1 reads the
 * objects with the kind's Get- cmdlet and probes the parameters its Set- cmdlet exposes, in the one
 * organisation read; a change is one Set-, New- or Remove- call with the originals recorded first in the
 * run state (and put back if the call fails), then the kind's follow-up command when it has one.
 */
import * as path from 'node:path';
import type { PsDriver } from '../../targets/powershell/driver';
import { parseStateText } from '../../targets/powershell/state';
import type { ExchangeObject, ObjectOriginals, ObjectProperty, ObjectRequest, ObjectsLive } from './object-kind';

export interface ObjectPsConfig {
  readonly cmdlets: { readonly get: string; readonly set: string; readonly create?: string; readonly remove?: string };
  /** Properties read beside the managed ones (Name first), with their types. */
  readonly read: readonly ObjectProperty[];
  /** The originals file of the run state (`original/auth-servers.json`). */
  readonly originalsFile: string;
  /** The calls.jsonl name of a change, as the lab target logs it. */
  readonly call: string;
  /** What failed, for diagnostics (`Set-AuthServer`). */
  readonly what: string;
  /** The follow-up command, as data: the cmdlet and its parameters. */
  readonly followUp?: { readonly cmdlet: string; readonly parameters: Readonly<Record<string, string>> };
}

interface Raw {
  readonly objects?: readonly ExchangeObject[];
  readonly parameters?: readonly string[] | null;
  readonly originals?: string | null;
}

export function objectPsDriver(c: ObjectPsConfig): PsDriver<unknown, ObjectsLive, ObjectRequest, void> {
  const cmdlets = [c.cmdlets.get, c.cmdlets.set, ...(c.cmdlets.create ? [c.cmdlets.create] : []), ...(c.cmdlets.remove ? [c.cmdlets.remove] : []), ...(c.followUp ? [c.followUp.cmdlet] : [])];
  return {
    scope: 'organization',
    script: path.join(__dirname, 'object-kind.ps1'),
    cmdlets,
    stateFiles: [c.originalsFile],
    read: {
      fn: 'Read-HcObject',
      data: () => ({ get: c.cmdlets.get, set: c.cmdlets.set, properties: c.read.map((p) => ({ name: p.prop, type: p.type })), originalsFile: c.originalsFile }),
      parse: (raw) => {
        const r = (raw ?? {}) as Raw;
        return {
          objects: r.objects ?? [],
          parameters: r.parameters ?? null,
          originals: r.originals ? (parseStateText(r.originals, `${c.what} originals (${c.originalsFile})`) as ObjectOriginals) : {},
        };
      },
    },
    set: {
      fn: 'Set-HcObject',
      payload: ([request]) => ({
        data: {
          ...request,
          get: c.cmdlets.get,
          cmdlet: request!.action === 'create' ? c.cmdlets.create : request!.action === 'delete' ? c.cmdlets.remove : c.cmdlets.set,
          lists: c.read.filter((p) => p.type === 'list').map((p) => p.prop),
          originalsFile: c.originalsFile,
          followUpCommand: request!.followUp && c.followUp ? c.followUp : null,
        },
      }),
      parse: (_raw, requests) => requests.map(() => undefined),
      log: (request) => ({ call: c.call, name: request.name, action: request.action }),
      failCode: 'target.set-failed',
      what: c.what,
    },
  };
}
