/**
 * A connector or relationship named in the spec that the organisation lacks fails the plan with its
 * kind's own code (docs/diagnostics.md), names what exists, and changes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';

let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-unknown-names-'));
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01'], { cwd: dir })).code).toBe(0);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test.each([
  ['intraOrganizationConnectors', 'plan.unknown-intra-organization-connector', 'enabled: true', 'Get-IntraOrganizationConnector lists:'],
  ['organizationRelationships', 'plan.unknown-organization-relationship', 'targetSharingEpr: https://outlook.office365.com/EWS/Exchange.asmx', 'Get-OrganizationRelationship lists:'],
])('%s: a name the organisation lacks fails the plan with %s', async (section, code, setting, lists) => {
  writeFileSync(
    join(dir, 'hybridcfg.yaml'),
    ['apiVersion: hybridcfg/v1', 'kind: HybridOAuth', 'target:', '  lab: ./lab', 'servers: all', `${section}:`, '  - name: Nobody', `    ${setting}`, ''].join('\n'),
  );
  const before = readFileSync(join(dir, 'lab', 'organization.json'), 'utf8');
  const r = await runCli(['plan', 'hybridcfg.yaml', '--json'], { cwd: dir });
  expect(r.code).toBe(1);
  const [d, ...rest] = JSON.parse(r.stdout).diagnostics;
  expect(rest).toEqual([]);
  expect(d).toMatchObject({ severity: 'error', code, path: `/${section}/0/name`, source: { line: 7 } });
  expect(d.summary).toContain('"Nobody"');
  expect(d.detail).toContain(lists);
  expect(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8')).toBe(before);
});
