import { labTarget } from '../helpers/targets';
import { CONTRACT_BUILDS, targetContract } from './target.contract';

targetContract('lab', async (labDir) => labTarget(labDir));
for (const build of CONTRACT_BUILDS) targetContract('lab', async (labDir) => labTarget(labDir), { build });
