/**
 * The lab's fault knobs (LAB.md, "Faults"): what `hybridcfg lab fault` sets in organization.json to
 * rehearse what goes wrong on real servers. The harness, not the organisation: changing them logs no event.
 */
import { DiagnosticError, error, fail } from '../../diag/diagnostic';
import { suggest } from '../../domain/tokens';
import { readLabOrganization, writeLabOrganization, type LabOrganization, type ServerFaults } from './format';

interface FaultyApplication {
  readonly Name: string;
  readonly ApplicationIdentifier: string;
  readonly faults?: { readonly set?: 'fail' };
}

function knobError(summary: string): DiagnosticError {
  return new DiagnosticError(error('cli.usage', summary, 'Run "hybridcfg lab fault --help" for the knobs.'));
}

type Knob = { readonly values: readonly string[]; readonly parse: (v: string) => unknown | undefined };
const onOff = (on: string, off: string, stored: unknown): Knob => ({ values: [on, off], parse: (v) => (v === on ? stored : v === off ? undefined : null) });
/** A modelled duration: seconds, `default` to go back to the plan's expectation. */
const seconds: Knob = {
  values: ['N (seconds, decimals allowed)', 'default'],
  parse: (v) => (v === 'default' ? undefined : /^\d{1,6}(\.\d{1,3})?$/.test(v) ? Number(v) : null),
};
const SERVER_KNOBS: Readonly<Record<keyof ServerFaults, Knob>> = {
  unreachable: onOff('true', 'false', true),
  restart: onOff('fail', 'ok', 'fail'),
  healthCheck: onOff('fail', 'ok', 'fail'),
  backup: onOff('fail', 'ok', 'fail'),
  unhealthyPaths: {
    values: ['a comma-separated list of URL paths (/api/,/owa/healthcheck.htm)', 'none'],
    parse: (v) => (v === 'none' ? undefined : /^\/[^,\s]*(,\/[^,\s]*)*$/.test(v) ? v.split(',') : null),
  },
  authCertificate: {
    values: ['missing', 'expiring', 'no-private-key', 'ok'],
    parse: (v) => (v === 'ok' ? undefined : ['missing', 'expiring', 'no-private-key'].includes(v) ? v : null),
  },
  latencyMs: {
    values: ['N (milliseconds, 0 for none)'],
    parse: (v) => (/^\d{1,7}$/.test(v) ? (Number(v) === 0 ? undefined : Number(v)) : null),
  },
  iisresetSeconds: seconds,
  recycleSeconds: seconds,
};
const APP_KNOBS: Readonly<Record<'set', Knob>> = { set: onOff('fail', 'ok', 'fail') };

/** Applies `--set knob=value` to a faults object; `undefined` from a knob removes it, `null` is a bad value. */
function applySets(current: object, sets: readonly string[], knobs: Readonly<Record<string, Knob>>, what: string): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const set of sets) {
    const eq = set.indexOf('=');
    const key = eq < 0 ? set : set.slice(0, eq);
    const knob = knobs[key];
    if (!knob) {
      const guess = suggest(key, Object.keys(knobs));
      throw knobError(`"${key}" is not a fault knob of ${what}${guess ? `. Did you mean "${guess}"?` : ''} (knobs: ${Object.keys(knobs).join(', ')})`);
    }
    const value = eq < 0 ? null : knob.parse(set.slice(eq + 1));
    if (value === null) throw knobError(`--set ${set}: give ${key}=${knob.values.join(' or ')}`);
    if (value === undefined) delete next[key];
    else next[key] = value;
  }
  return next;
}

export function describeFaults(faults: object | undefined): string {
  const entries = Object.entries(faults ?? {});
  return entries.length === 0 ? 'no faults' : `faults ${entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ')}`;
}

function withFaults<T extends { readonly faults?: object }>(item: T, faults: Record<string, unknown>): T {
  const { faults: _old, ...rest } = item;
  return (Object.keys(faults).length > 0 ? { ...rest, faults } : rest) as T;
}


/** Every server's and partner application's faults, one line each. */
export async function listFaults(dir: string): Promise<string[]> {
  const org = await readLabOrganization(dir);
  const apps = (org.partnerApplications ?? []) as readonly FaultyApplication[];
  return [
    ...org.servers.map((s) => `server ${s.Name}: ${describeFaults(s.faults)}`),
    ...apps.map((a) => `partner application ${a.Name} (${a.ApplicationIdentifier}): ${describeFaults(a.faults)}`),
  ];
}

/** Sets (or, with clear, first removes) the faults of one server or one partner application; returns what they are now. */
export async function setFaults(
  dir: string,
  who: { readonly server: string } | { readonly app: string },
  sets: readonly string[],
  clear: boolean,
): Promise<string> {
  const org = await readLabOrganization(dir);
  let next: LabOrganization;
  let report: string;
  if ('server' in who) {
    const serverName = who.server;
    const index = org.servers.findIndex((s) => s.Name.toUpperCase() === serverName.toUpperCase());
    if (index < 0) {
      const guess = suggest(serverName, org.servers.map((s) => s.Name));
      return fail('lab.unknown-server', `The lab has no server "${serverName}"${guess ? `. Did you mean "${guess}"?` : ''}`, `Its servers: ${org.servers.map((s) => s.Name).join(', ')}.`);
    }
    const s = org.servers[index];
    const faults = applySets(clear ? {} : (s.faults ?? {}), sets, SERVER_KNOBS, `a server`);
    next = { ...org, servers: org.servers.map((x, i) => (i === index ? withFaults(x, faults) : x)) };
    report = `server ${s.Name}: ${describeFaults(faults)}`;
  } else {
    const apps = (org.partnerApplications ?? []) as readonly FaultyApplication[];
    const wanted = who.app.toLowerCase();
    const index = apps.findIndex((a) => a.ApplicationIdentifier.toLowerCase() === wanted || a.Name.toLowerCase() === wanted);
    if (index < 0) {
      const guess = suggest(who.app, apps.map((a) => a.Name));
      return fail(
        'lab.unknown-application',
        `The lab has no partner application "${who.app}"${guess ? `. Did you mean "${guess}"?` : ''}`,
        `Give its ApplicationIdentifier or Name: ${apps.map((a) => `${a.Name} (${a.ApplicationIdentifier})`).join(', ')}.`,
      );
    }
    const a = apps[index];
    const faults = applySets(clear ? {} : (a.faults ?? {}), sets, APP_KNOBS, 'a partner application');
    next = { ...org, partnerApplications: apps.map((x, i) => (i === index ? withFaults(x, faults) : x)) };
    report = `partner application ${a.Name} (${a.ApplicationIdentifier}): ${describeFaults(faults)}`;
  }
  if (sets.length > 0 || clear) await writeLabOrganization(dir, next);
  return report;
}
