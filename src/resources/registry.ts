/**
 * The resource kinds hybridcfg manages: the one place that names them. The spec loader, the planner,
 * the apply engine, rollback, export and every view iterate over this list; each target dispatches to
 * the drivers it holds. A new kind is a folder beside these and a line here (docs/architecture.md).
 */
import { authCertificate, authConfig } from './auth-certificate';
import { authServer } from './auth-server';
import { intraOrganizationConnector } from './intra-organization-connector';
import { organizationRelationship } from './organization-relationship';
import { partnerApplication } from './partner-application';
import { settingOverride } from './setting-override';
import type { ResourceKind } from './types';
import { webConfig } from './web-config';

export interface Registry {
  readonly kinds: readonly ResourceKind[];
}

export const REGISTRY: Registry = { kinds: [partnerApplication, webConfig, authServer, settingOverride, intraOrganizationConnector, organizationRelationship, authConfig, authCertificate] };

/** A registry with more kinds (tests, and whoever embeds the library). */
export function withKinds(base: Registry, ...kinds: readonly ResourceKind[]): Registry {
  return { kinds: [...base.kinds, ...kinds] };
}

export function kindOf(registry: Registry, id: string): ResourceKind {
  const kind = registry.kinds.find((k) => k.id === id);
  if (!kind) throw new Error(`no resource kind "${id}" is registered`);
  return kind;
}
