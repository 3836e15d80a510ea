/**
 * The web.config kind: `webConfigs` in the spec, appSettings of web.config files on each server
 * (docs/exchange-facts.md#web-config), changed byte for byte in place, backed up on the server.
 */
import type { ResourceKind } from '../types';
import { checkWebConfigFile, webConfigProblems } from './checks';
import { webConfigLab } from './lab';
import {
  KIND,
  checkScope,
  exportWebConfigs,
  planWebConfigs,
  rollbackWebConfigs,
  serverQuery,
  undoWebConfig,
  webConfigRequest,
} from './plan';
import { webConfigPowerShell } from './powershell';
import schema from './schema.json';
import type { WebConfigChangeData, WebConfigLive, WebConfigResult, WebConfigSpec } from './types';

export const webConfig: ResourceKind<WebConfigSpec, never, WebConfigLive, WebConfigChangeData> = {
  id: KIND,
  specKey: 'webConfigs',
  scope: 'server',
  noun: ['web.config', 'web.config files'],
  applyOrder: 100,
  schema,
  checkSpec: (entries, ctx) => webConfigProblems(entries, ctx.pointer, ctx.spec),
  // The semantic checks already refused files that do not pass; this only normalises.
  normalize: (entries) =>
    entries.map((wc) => {
      const checked = checkWebConfigFile(wc.file);
      return 'file' in checked ? { ...wc, file: checked.file, fileAsWritten: wc.file } : wc;
    }),
  /**
   * The schema checks profile names of OAuthHttpModule.Profiles (the enum of known names in the `else`
   * of "has allowUnknown", the pattern of the exact `|` value) so that an editor flags a misspelt name
   * where it is written; checkSpec says more (a name with a space, did you mean, the allowUnknown
   * escape). Recognised by place and keyword, not by schemaPath: ajv inlines referenced definitions.
   */
  leavesToChecks: (instancePath, keyword, schemaPath) => {
    const under = /^\/webConfigs\/\d+\/appSettings\/OAuthHttpModule\.Profiles(\/(include|exclude)\/\d+)?$/.exec(instancePath);
    if (under === null) return false;
    if (under[1] !== undefined) return keyword === 'enum';
    // `if` only says that its `else` failed, whose own errors are reported (or are the enum's above);
    // the `else` repeats the edit's unknown-key check, which the edit itself reports.
    return keyword === 'pattern' || keyword === 'if' || (keyword === 'additionalProperties' && schemaPath.endsWith('/else/additionalProperties'));
  },
  checkScope,
  serverQuery,
  plan: planWebConfigs,
  rollback: rollbackWebConfigs,
  export: (input) => exportWebConfigs(input),
  request: webConfigRequest,
  undo: undoWebConfig,
  backupsOf: (result) => [(result as WebConfigResult).backupPath],
  drivers: { lab: webConfigLab, powershell: webConfigPowerShell },
};
