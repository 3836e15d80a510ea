/** The spec loader with the built-in kinds, as the session uses it. */
import { REGISTRY } from '../../src/resources/registry';
import { loadSpec as load, parseSpec as parse } from '../../src/spec/load';
import type { LoadedSpec } from '../../src/spec/types';

export const loadSpec = (file: string): Promise<LoadedSpec> => load(file, REGISTRY.kinds);
export const parseSpec = (text: string, path: string): LoadedSpec => parse(text, path, REGISTRY.kinds);

/** The kinds' sections of a spec, typed as their kinds read them. */
export const webConfigsOf = (spec: Readonly<Record<string, unknown>>) => (spec.webConfigs ?? []) as readonly import('../../src/resources/web-config/types').WebConfigSpec[];
export const partnerApplicationsOf = (spec: Readonly<Record<string, unknown>>) =>
  (spec.partnerApplications ?? []) as readonly import('../../src/resources/partner-application/types').PartnerApplicationSpec[];
