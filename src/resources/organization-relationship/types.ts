/** Organisation relationships (`Get-OrganizationRelationship`): the spec's entries and what hybridcfg reads and sets. */
import type { ObjectProperty } from '../common/object-kind';

export interface OrganizationRelationshipSpec {
  /** A relationship's Name, or `all`. */
  readonly name: string;
  readonly enabled?: boolean;
  readonly domainNames?: readonly string[];
  readonly freeBusyAccessEnabled?: boolean;
  readonly freeBusyAccessLevel?: 'None' | 'AvailabilityOnly' | 'LimitedDetails';
  readonly mailTipsAccessEnabled?: boolean;
  readonly mailTipsAccessLevel?: 'None' | 'Limited' | 'All';
  readonly targetApplicationUri?: string;
  readonly targetAutodiscoverEpr?: string;
  readonly targetSharingEpr?: string;
}

/** Set-OrganizationRelationship's parameters hybridcfg manages (Set-OrganizationRelationship.md [H]; docs/exchange-facts.md#hybrid-unit H2). */
export const PROPERTIES: readonly ObjectProperty[] = [
  { key: 'enabled', prop: 'Enabled', type: 'boolean' },
  { key: 'domainNames', prop: 'DomainNames', type: 'list' },
  { key: 'freeBusyAccessEnabled', prop: 'FreeBusyAccessEnabled', type: 'boolean' },
  { key: 'freeBusyAccessLevel', prop: 'FreeBusyAccessLevel', type: 'string' },
  { key: 'mailTipsAccessEnabled', prop: 'MailTipsAccessEnabled', type: 'boolean' },
  { key: 'mailTipsAccessLevel', prop: 'MailTipsAccessLevel', type: 'string' },
  { key: 'targetApplicationUri', prop: 'TargetApplicationUri', type: 'string' },
  { key: 'targetAutodiscoverEpr', prop: 'TargetAutodiscoverEpr', type: 'string' },
  { key: 'targetSharingEpr', prop: 'TargetSharingEpr', type: 'string' },
];
export const READ: readonly ObjectProperty[] = [{ key: 'name', prop: 'Name', type: 'string' }, ...PROPERTIES];
