/**
 * Start-up: `hybridcfg --version` and `--help` load nothing they do not print, and a command loads
 * the heavy libraries only when it uses them. Each heavy module is replaced by a stand-in that records
 * being loaded (and then behaves as the real one), in a fresh module registry per run.
 */
import { PassThrough } from 'node:stream';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../src/cli/io';

const HEAVY = ['yaml', 'ajv/dist/2020', 'ajv-formats', 'fast-xml-parser', '@azure/msal-node', 'node-powershell'] as const;

async function modulesLoadedBy(argv: string[], cwd = process.cwd()): Promise<{ loaded: string[]; code: number; stdout: string }> {
  const loaded: string[] = [];
  let main!: typeof import('../../src/cli/main').main;
  jest.isolateModules(() => {
    for (const name of HEAVY) {
      jest.doMock(name, () => {
        loaded.push(name);
        return jest.requireActual(name);
      });
    }
    ({ main } = require('../../src/cli/main') as typeof import('../../src/cli/main'));
  });
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const io: CliIo = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd, color: false, quiet: true };
  const code = await main(argv, io);
  for (const name of HEAVY) jest.dontMock(name);
  return { loaded, code, stdout: Buffer.concat(chunks).toString('utf8') };
}

describe('start-up loads only what a command needs', () => {
  it.each([[['--version']], [['--help']], [['plan', '--help']], [['apply', '--help']], [['verify', '--help']], [['nosuch']]])(
    'hybridcfg %j loads none of the heavy modules',
    async (argv) => {
      const r = await modulesLoadedBy(argv);
      expect(r.loaded).toEqual([]);
      if (argv[0] === '--version') expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
    },
  );

  it('validate loads the YAML parser and the validator, and neither msal nor node-powershell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hybridcfg-startup-'));
    try {
      copyFileSync(join(__dirname, '..', '..', 'examples', 'specs', 'graph-app-only-lab.yaml'), join(dir, 'hybridcfg.yaml'));
      const r = await modulesLoadedBy(['validate'], dir);
      expect(r.code).toBe(0);
      // From src/ there is no generated validator, so ajv compiles the schema: the stand-ins see both.
      expect(r.loaded).toEqual(expect.arrayContaining(['yaml', 'ajv/dist/2020']));
      expect(r.loaded).not.toContain('@azure/msal-node');
      expect(r.loaded).not.toContain('node-powershell');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
