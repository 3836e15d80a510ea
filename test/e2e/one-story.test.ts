/**
 * Issue 13 #17: every view of a result (text, JSON, HTML, audit line) tells the same story from one
 * result type. A failed apply whose rollback restored the partner application shows it restored in all
 * four, not "done" in one of them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { GRAPH, seedSpec } from '../helpers/seed-spec';

const SPEC = seedSpec({ restart: '  mode: iisreset\n  rolling:\n    healthCheck:\n      paths: [/owa/healthcheck.htm]\n  onFailure: rollback\n' });
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('a failed apply with a restored partner application: restored in text, JSON, HTML and the audit line', async () => {
  dir = mkdtempSync(join(tmpdir(), 'hybridcfg-story-'));
  writeFileSync(join(dir, 'hybridcfg.yaml'), SPEC);
  expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], { cwd: dir })).code).toBe(0);
  const org = JSON.parse(readFileSync(join(dir, 'lab', 'organization.json'), 'utf8'));
  org.servers[0].faults = { healthCheck: 'fail' };
  writeFileSync(join(dir, 'lab', 'organization.json'), JSON.stringify(org, null, 2));

  const text = await runCli(['apply', '--yes', '--html', 'report.html', '--audit-log', 'audit.jsonl'], { cwd: dir });
  expect(text.code).toBe(1);
  expect(text.stdout).toMatch(/partner application "Microsoft Graph": changed, then RESTORED/);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  expect(html).toMatch(/data-state="restored">done, then restored</);
  expect(html).not.toMatch(/data-testid="change-result"[^>]*>done</);
  const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(audit[0].organization).toEqual([{ address: `partnerApplication["${GRAPH}"]`, state: 'restored' }]);

  const json = await runCli(['apply', '--yes', '--json'], { cwd: dir });
  expect(JSON.parse(json.stdout).result.organization[0].state).toBe('restored');
});
