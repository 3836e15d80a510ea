import { createLabTarget } from '../../src/targets/lab/lab-target';
import { targetContract } from './target.contract';

targetContract('lab', async (labDir) => createLabTarget(labDir));
