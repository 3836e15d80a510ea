/** The partner application originals file (original/partner-applications.json) as both drivers read it: checked, never trusted. */
import { fail } from '../../diag/diagnostic';
import type { PartnerApplicationUpdate } from './types';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The originals by application key; a file of another shape is a diagnostic naming it, not a crash later. */
export function checkedOriginals(value: unknown, where: string): Record<string, PartnerApplicationUpdate> {
  if (isObject(value) && Object.values(value).every(isObject)) return value as Record<string, PartnerApplicationUpdate>;
  return fail(
    'target.state-invalid',
    `hybridcfg's partner application originals (${where}) are damaged: the file is not an object of objects, one per application.`,
    'Nothing was changed. Restore the file from a backup of that folder; without it hybridcfg cannot roll partner applications back.',
  );
}
