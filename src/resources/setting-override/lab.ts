/**
 * Setting overrides in the lab (LAB.md O7): `settingOverrides` of organization.json, in the shape of the
 * real capture (fixture E19 GetSettingOverride2.xml: Name, ComponentName, SectionName, Parameters, Reason,
 * Server Nil). A new lab has none: the organisation has not moved to the dedicated application yet. A
 * change is followed by the refresh of the variant configuration, logged as its own event.
 */
import { objectLabDriver } from '../common/object-lab';
import { REFRESH } from './types';

const COMMON = ['Confirm', 'WhatIf', 'DomainController'];
/** New-/Set-/Remove-SettingOverride's parameters (New-/Set-/Remove-SettingOverride.md [H]). */
const NEW = ['Name', 'Component', 'Section', 'Parameters', 'Reason', 'Server', 'MinVersion', 'MaxVersion', 'FixVersion', 'Force', ...COMMON];
const SET = ['Identity', 'Parameters', 'Reason', 'Server', 'MinVersion', 'MaxVersion', 'Force', ...COMMON];
const REMOVE = ['Identity', ...COMMON];

export const settingOverrideLab = objectLabDriver({
  collection: 'settingOverrides',
  cmdlets: { set: 'Set-SettingOverride', create: 'New-SettingOverride', remove: 'Remove-SettingOverride' },
  originalsFile: 'setting-overrides.json',
  call: 'setSettingOverride',
  event: 'set-settingoverride',
  created: (p) => ({
    Name: String(p.Name),
    ComponentName: String(p.Component),
    SectionName: String(p.Section),
    Parameters: (p.Parameters as string[] | undefined) ?? null,
    Reason: p.Reason === undefined ? null : String(p.Reason),
    Server: null,
  }),
  followUpEvent: { action: 'refresh-variantconfiguration', process: REFRESH.parameters.Process },
  init: async () => ({
    objects: [],
    cmdlets: {
      'New-SettingOverride': { parameters: NEW, all: NEW },
      'Set-SettingOverride': { parameters: SET, all: SET },
      'Remove-SettingOverride': { parameters: REMOVE, all: REMOVE },
    },
  }),
});
