/** Setting overrides (`Get-SettingOverride`): the spec's entries and what hybridcfg reads and sets. */
import type { ObjectProperty } from '../common/object-kind';

export interface SettingOverrideSpec {
  readonly name: string;
  readonly component: string;
  readonly section: string;
  readonly parameters: readonly string[];
  readonly reason?: string;
}

/** What Set-SettingOverride changes (Set-SettingOverride.md [H]: -Parameters, -Reason; not the component or section). */
export const PROPERTIES: readonly ObjectProperty[] = [
  { key: 'parameters', prop: 'Parameters', type: 'list' },
  { key: 'reason', prop: 'Reason', type: 'string' },
];
/** Get-SettingOverride's properties hybridcfg reads (fixture E19 GetSettingOverride2.xml [H]). */
export const READ: readonly ObjectProperty[] = [
  { key: 'name', prop: 'Name', type: 'string' },
  { key: 'component', prop: 'ComponentName', type: 'string' },
  { key: 'section', prop: 'SectionName', type: 'string' },
  ...PROPERTIES,
  { key: 'server', prop: 'Server', type: 'list' },
];

/** The refresh that makes Exchange read overrides now (css@f88378b1 ConfigureExchangeHybridApplication.ps1:1284 [H]). */
export const REFRESH = { cmdlet: 'Get-ExchangeDiagnosticInfo', parameters: { Process: 'Microsoft.Exchange.Directory.TopologyService', Component: 'VariantConfiguration', Argument: 'Refresh' } } as const;
export const REFRESH_COMMAND = 'Get-ExchangeDiagnosticInfo -Process Microsoft.Exchange.Directory.TopologyService -Component VariantConfiguration -Argument Refresh';
/** The override of the dedicated hybrid application (docs/exchange-facts.md#hybrid-unit H4). */
export const HYBRID_APP_SECTION = { component: 'Global', section: 'ExchangeOnpremAsThirdPartyAppId' } as const;
