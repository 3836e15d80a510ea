/**
 * The contract through pwsh and the fake Exchange module on the other build profiles (the default 2019
 * CU15 runs in powershell.contract.test.ts); a file of its own so that jest runs it beside the others.
 */
import { requirePwsh } from '../helpers/pwsh';
import { powershellTarget } from '../helpers/targets';
import { CONTRACT_BUILDS, targetContract } from './target.contract';

const pwsh = requirePwsh();

for (const build of CONTRACT_BUILDS) targetContract('powershell (pwsh + fake Exchange module)', async (labDir) => powershellTarget(labDir, pwsh), { build });
