/** In-memory live states for planner tests, made from the real captures. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LiveState } from '../../src/engine/live';
import type { LoadedSpec, Spec } from '../../src/spec/types';
import type { ExchangeServer, PartnerApplication, ServerState } from '../../src/targets/types';

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

export function serverState(name: string, files: Record<string, Buffer | null>): ServerState {
  return {
    name,
    installPath: `C:\\Program Files\\Microsoft\\Exchange Server\\V15\\`,
    files: Object.fromEntries(
      Object.entries(files).map(([f, b]) => [
        f,
        b === null ? { exists: false as const } : { exists: true as const, bytes: b, sha256: createHash('sha256').update(b).digest('hex') },
      ]),
    ),
  };
}

export function live(opts: {
  apps?: PartnerApplication[];
  servers?: Record<string, Record<string, Buffer | null>>;
  parameters?: string[] | null;
}): LiveState {
  const servers = Object.keys(opts.servers ?? {}).map(server);
  return {
    organization: {
      partnerApplications: opts.apps ?? [graph()],
      servers,
      setPartnerApplicationParameters: opts.parameters === undefined ? null : opts.parameters,
    },
    servers,
    serverStates: Object.fromEntries(Object.entries(opts.servers ?? {}).map(([n, f]) => [n, serverState(n, f)])),
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
