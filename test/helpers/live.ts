/** In-memory live states for planner tests, made from the real captures. */
import { iisMapOf, parseApplicationHost } from '../../src/targets/iis';
import type { IisMap } from '../../src/targets/types';
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
    Guid: '391a8972-dc11-4460-a586-9628e2829562',
    DistinguishedName: 'CN=Microsoft Graph,CN=Partner Applications,CN=Auth Configuration,CN=Exchange Labs,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=contoso,DC=lab',
    Enabled: true,
    AcceptSecurityIdentifierInformation: false,
    AccountType: 'OrganizationalAccount',
    ActAsPermissions: ACT_AS,
    AppOnlyPermissions: null,
    AuthMetadataUrl: '',
    IssuerIdentifier: '',
    LinkedAccount: 'contoso.lab/Users/Microsoft Graph-ApplicationAccount',
    LinkedAccountDistinguishedName: 'CN=Microsoft Graph-ApplicationAccount,CN=Users,DC=contoso,DC=lab',
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

export function originalRead(b: Buffer | null, recordedSha256?: string | null): FileRead {
  const r = fileRead(b);
  return r.exists ? { ...r, recordedSha256: recordedSha256 === undefined ? r.sha256 : recordedSha256 } : r;
}

export function serverState(name: string, files: Record<string, Buffer | null>, originals?: Record<string, Buffer | null>): ServerRead {
  const web: WebConfigLive = {
    files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, fileRead(b)])),
    // A first original as a target reports one made by this hybridcfg: with its recorded sha256.
    ...(originals ? { originals: Object.fromEntries(Object.entries(originals).map(([f, b]) => [f, originalRead(b)])) } : {}),
  };
  const installPath = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';
  return { name, installPath, resources: { webConfig: web }, backup: { possible: true }, build: '15.2.1748.43', iis: REAL_IIS(installPath) };
}

/** The IIS map of a real Exchange 2019 server (fixture E19 IIS/applicationHost.config), as read-server.ps1 hands it over. */
let realIis: ReturnType<typeof parseApplicationHost> | undefined;
export function REAL_IIS(installPath: string): IisMap {
  realIis ??= parseApplicationHost(readFileSync(join(__dirname, '..', '..', 'fixtures', 'exchange', 'E19', 'IIS', 'applicationHost.config'), 'utf8'));
  return iisMapOf(realIis, installPath, { SystemDrive: 'C:', windir: 'C:\\Windows' });
}

export function live(opts: {
  apps?: PartnerApplication[];
  servers?: Record<string, Record<string, Buffer | null>>;
  originals?: Record<string, Record<string, Buffer | null>>;
  parameters?: string[] | null;
  appOriginals?: Record<string, PartnerApplicationUpdate>;
  appOnly?: PartnerApplicationsLive['appOnly'];
}): LiveState {
  const servers = Object.keys(opts.servers ?? {}).map(server);
  const partnerApplication: PartnerApplicationsLive = {
    applications: opts.apps ?? [graph()],
    parameters: opts.parameters === undefined ? null : opts.parameters,
    appOnly: opts.appOnly !== undefined ? opts.appOnly : opts.parameters === undefined || opts.parameters === null || opts.parameters.includes('AppOnlyPermissions') ? { state: 'session' } : { state: 'no-role' },
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
