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
