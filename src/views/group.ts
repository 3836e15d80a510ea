/**
 * Identical changes across servers, told once: a fleet of servers usually gets the same web.config edit,
 * and a reviewer should read it once with the servers it is made on, and see at a glance the server whose
 * change differs. Two server changes are the same change when they differ only in their server: the same
 * kind and action, the same address but for the server, and the same attributes (names, before, after).
 */
import type { Change } from '../resources/types';
import { canonicalJson } from '../util/json';

export interface ChangeGroup {
  /** The first server's change: what the group shows. */
  readonly change: Change;
  /** The address with the server left out (`server[*].webConfig["..."]`). */
  readonly address: string;
  /** The servers the change is made on, in the plan's order. */
  readonly servers: readonly string[];
}

/** `server["EX01"].webConfig["..."]` -> `server[*].webConfig["..."]` (the form src/resources/web-config/plan.ts gives). */
export function addressWithoutServer(c: Change): string {
  return c.server === undefined ? c.address : c.address.split(`server["${c.server}"]`).join('server[*]');
}

/** Server changes grouped by sameness, each group where its first change is in the plan. */
export function groupAcrossServers(changes: readonly Change[]): ChangeGroup[] {
  const groups = new Map<string, { change: Change; address: string; servers: string[] }>();
  for (const c of changes) {
    const address = addressWithoutServer(c);
    // Effects, digests and the kind's own data name the server or its file's bytes: what a reviewer
    // compares is what changes, which the attributes say.
    const key = canonicalJson({ kind: c.kind, action: c.action, address, attributes: c.attributes });
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { change: c, address, servers: c.server === undefined ? [] : [c.server] });
    else if (c.server !== undefined && !group.servers.includes(c.server)) group.servers.push(c.server);
  }
  return [...groups.values()];
}
