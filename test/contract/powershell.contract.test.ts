import { requirePwsh } from '../helpers/pwsh';
import { powershellTarget } from '../helpers/targets';
import { targetContract } from './target.contract';

const pwsh = requirePwsh();

targetContract('powershell (pwsh + fake Exchange module)', async (labDir) => powershellTarget(labDir, pwsh));
