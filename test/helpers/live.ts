/** In-memory live states for planner tests, made from the real captures. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { assumptions } from '../../src/assumptions/register';
import { plan as makePlan, planInput, planRollback as makeRollback } from '../../src/plan/planner';
import type { Plan } from '../../src/plan/types';
import type { PartnerApplication, PartnerApplicationsLive, PartnerApplicationUpdate } from '../../src/resources/partner-application/types';
import { REGISTRY, type Registry } from '../../src/resources/registry';
import type { LiveState } from '../../src/resources/types';
import type { FileRead, WebConfigLive } from '../../src/resources/web-config/types';
import type { LoadedSpec, Spec } from '../../src/spec/types';
import { readLive } from '../../src/session/live';
import type { ExchangeServer, ServerRead, Target } from '../../src/targets/types';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'exchange');

export function fixtureBytes(rel: string, crlf = true): Buffer {
  const text = readFileSync(join(FIXTURES, rel), 'utf8');
  return Buffer.from(crlf ? text.replace(/\r?\n/g, '\r\n') : text, 'utf8');
}

export const REST = 'FrontEnd/HttpProxy/rest/web.config';
export const GRAPH_ID = '00000003-0000-0000-c000-000000000000';
export const ACT_AS = ['Mail.Read', 'Mail.ReadWrite', 'Calendars.Read', 'Contacts.Read'];

export function graph(overrides: Partial<PartnerApplication> = {}): PartnerApplication {
  return {
    Name: 'Microsoft Graph',
    ApplicationIdentifier: GRAPH_ID,
    Enabled: true,
    AcceptSecurityIdentifierInformation: false,
    AccountType: 'OrganizationalAccount',
    ActAsPermissions: ACT_AS,
    AppOnlyPermissions: null,
    AuthMetadataUrl: '',
    IssuerIdentifier: '',
    LinkedAccount: 'contoso.lab/Users/Microsoft Graph-ApplicationAccount',
    Realm: '',
    UseAuthServer: true,
    ...overrides,
  };
}

export function server(name: string): ExchangeServer {
  return { Name: name, Fqdn: `${name}.contoso.lab`, AdminDisplayVersion: 'Version 15.2 (Build 1544.4)', ServerRole: 'Mailbox' };
}

export function fileRead(b: Buffer | null): FileRead {
  return b === null ? { exists: false as const } : { exists: true as const, bytes: b, sha256: createHash('sha256').update(b).digest('hex') };
}

export function serverState(name: string, files: Record<string, Buffer | null>, originals?: Record<string, Buffer | null>): ServerRead {
  const web: WebConfigLive = {
    files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, fileRead(b)])),
    ...(originals ? { originals: Object.fromEntries(Object.entries(originals).map(([f, b]) => [f, fileRead(b)])) } : {}),
  };
  return { name, installPath: `C:\\Program Files\\Microsoft\\Exchange Server\\V15\\`, resources: { webConfig: web }, backup: { possible: true } };
}

export function live(opts: {
  apps?: PartnerApplication[];
  servers?: Record<string, Record<string, Buffer | null>>;
  originals?: Record<string, Record<string, Buffer | null>>;
  parameters?: string[] | null;
  appOriginals?: Record<string, PartnerApplicationUpdate>;
}): LiveState {
  const servers = Object.keys(opts.servers ?? {}).map(server);
  const partnerApplication: PartnerApplicationsLive = {
    applications: opts.apps ?? [graph()],
    parameters: opts.parameters === undefined ? null : opts.parameters,
    originals: opts.appOriginals ?? {},
  };
  return {
    organization: { servers, resources: { partnerApplication }, lock: null, lastRun: null },
    servers,
    serverStates: Object.fromEntries(Object.entries(opts.servers ?? {}).map(([n, f]) => [n, serverState(n, f, opts.originals?.[n])])),
  };
}

export function loaded(spec: Partial<Spec>): LoadedSpec {
  return {
    spec: { apiVersion: 'hybridcfg/v1', kind: 'HybridOAuth', target: { lab: '/lab' }, servers: 'all', ...spec } as Spec,
    path: '/specs/hybridcfg.yaml',
    dir: '/specs',
    digest: 'test',
    locate: () => undefined,
  };
}

export const CTX = { toolVersion: '0.0.0-test', target: { kind: 'lab', description: 'lab /lab' }, now: new Date('2026-01-01T00:00:00Z') };

/** The plan of (spec, live) with the built-in kinds; errors thrown as a DiagnosticError, as the session does. */
export function planOf(spec: LoadedSpec, state: LiveState, registry: Registry = REGISTRY): Plan {
  const outcome = makePlan(spec, state, registry, CTX);
  if (!outcome.plan) throw new DiagnosticError(outcome.diagnostics.filter((d) => d.severity === 'error'));
  return outcome.plan;
}

export function rollbackOf(spec: LoadedSpec, state: LiveState, registry: Registry = REGISTRY): Plan {
  const outcome = makeRollback(spec, state, registry, CTX);
  if (!outcome.plan) throw new DiagnosticError(outcome.diagnostics.filter((d) => d.severity === 'error'));
  return outcome.plan;
}

/** The bytes apply would write for a web.config change, computed as apply computes them (kind.request). */
export function newBytes(spec: LoadedSpec, state: LiveState, change: Plan['changes'][number]): Buffer {
  const kind = REGISTRY.kinds.find((k) => k.id === change.kind)!;
  const request = kind.request(change, planInput(kind, spec, state, assumptions(spec.spec.assumptions))) as { bytes: Buffer };
  return request.bytes;
}

/** What a session does before apply, by hand: read the live state through `target` and plan with the built-in kinds. */
export async function readAndPlan(spec: LoadedSpec, target: Target) {
  const state = await readLive(spec, target, REGISTRY);
  return { loaded: spec, live: state, plan: planOf(spec, state) };
}
