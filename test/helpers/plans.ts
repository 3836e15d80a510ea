/** Plans made by hand for the views' tests: the shapes the planner makes, with the values a test needs. */
import { GRAPH_APPLICATION_IDENTIFIER, KNOWN_PROFILES, PROFILES_KEY } from '../../src/domain/exchange';
import type { Plan } from '../../src/plan/types';
import type { AttributeChange, Change } from '../../src/resources/types';

export const KINDS: Plan['kinds'] = {
  partnerApplication: { scope: 'organization', noun: ['partner application', 'partner applications'] },
  webConfig: { scope: 'server', noun: ['web.config', 'web.config files'] },
};

export function plan(changes: Plan['changes'], extra: Partial<Plan> = {}): Plan {
  const byKind: Record<string, number> = {};
  for (const c of changes) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1;
  return {
    formatVersion: 2,
    tool: { name: 'hybridcfg', version: '0.1.0' },
    createdAt: '2025-01-15T09:30:00.000Z',
    purpose: 'apply',
    spec: { path: 'hybridcfg.yaml', digest: 'sha256:00' },
    target: { kind: 'lab', description: 'lab ./lab' },
    servers: ['EX01'],
    changes,
    kinds: KINDS,
    restarts: [],
    assumptions: [],
    warnings: [],
    fingerprint: 'sha256:ff',
    summary: { changes: changes.length, byKind, servers: new Set(changes.flatMap((c) => (c.server ? [c.server] : []))).size, restarts: 0 },
    ...extra,
  };
}

export type Attr = Pick<AttributeChange, 'name' | 'before' | 'after'> & Partial<AttributeChange>;

export function graphChange(...attributes: Attr[]): Change {
  return {
    kind: 'partnerApplication',
    address: `partnerApplication["${GRAPH_APPLICATION_IDENTIFIER}"]`,
    action: 'update',
    reason: 'spec',
    title: 'Microsoft Graph',
    attributes: attributes.map((a) => ({ action: 'update', format: Array.isArray(a.before) || Array.isArray(a.after) ? 'set' : 'scalar', ...a })),
    effects: [],
    data: {},
  };
}

/** A web.config change of one server and file: each setting as [key, before, after]. */
export function fileChange(server: string, file: string, ...settings: [key: string, before: string | null, after: string][]): Change {
  return {
    kind: 'webConfig',
    address: `server["${server}"].webConfig["${file}"]`,
    action: 'update',
    reason: 'spec',
    server,
    title: file,
    attributes: settings.map(([key, before, after]) => ({
      name: key,
      action: before === null ? 'create' : 'update',
      before,
      after,
      format: key === PROFILES_KEY || (before ?? '').includes('|') || after.includes('|') ? 'tokens' : 'text',
      separator: '|',
      ...(key === PROFILES_KEY ? { knownTokens: KNOWN_PROFILES } : {}),
    })),
    effects: [],
    data: {},
  };
}
