import { labTarget } from '../helpers/targets';
import { targetContract } from './target.contract';

targetContract('lab', async (labDir) => labTarget(labDir));
