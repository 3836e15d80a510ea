/** sha256 in hex, the one digest hybridcfg uses for file bytes, spec texts, plans and fingerprints. */
import { createHash } from 'node:crypto';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
