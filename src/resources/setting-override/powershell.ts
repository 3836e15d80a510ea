/**
 * Setting overrides on the PowerShell target: Get-SettingOverride in the organisation read; New-, Set- or
 * Remove-SettingOverride for a change, followed in the same call by the refresh of the variant
 * configuration (css@f88378b1 ConfigureExchangeHybridApplication.ps1:1281-1284 [H]).
 */
import { objectPsDriver } from '../common/object-powershell';
import { READ, REFRESH } from './types';

export const settingOverridePowerShell = objectPsDriver({
  cmdlets: { get: 'Get-SettingOverride', set: 'Set-SettingOverride', create: 'New-SettingOverride', remove: 'Remove-SettingOverride' },
  read: READ,
  originalsFile: 'original/setting-overrides.json',
  call: 'setSettingOverride',
  what: 'Setting override',
  followUp: REFRESH,
});
