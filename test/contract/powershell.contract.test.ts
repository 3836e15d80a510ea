import * as path from 'node:path';
import { createPowerShellTarget } from '../../src/targets/powershell';
import { requirePwsh } from '../helpers/pwsh';
import { targetContract } from './target.contract';

const pwsh = requirePwsh();

targetContract('powershell (pwsh + fake Exchange module)', async (labDir) =>
  createPowerShellTarget({ shell: pwsh, lab: labDir, timeoutSeconds: 60 }, { specDir: path.dirname(labDir) }),
);
