/**
 * The real Exchange captures the lab is built from (fixtures/exchange/, MIT, from microsoft/CSS-Exchange:
 * fixtures/exchange/README.md). They ship in the package beside dist/.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The package root: the folder with package.json above this file. Compiled code runs from
 * dist/targets/lab/, source (tests) from src/targets/lab/; fixtures/ ships beside both.
 */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures', 'exchange'))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`hybridcfg is installed without its fixtures/exchange folder (looked upward from ${from})`);
    }
  }
}

/** A capture's path, given relative to fixtures/exchange/ (`E19/GetPartnerApplication.xml`). */
export function capturePath(relative: string): string {
  return path.join(packageRoot(), 'fixtures', 'exchange', relative);
}
