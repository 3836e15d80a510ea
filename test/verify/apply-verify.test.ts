/**
 * `hybridcfg apply --verify`: after a successful apply on the lab, verify runs against the loopback cloud;
 * with --json the pipeline gets one JSON document holding the plan, the apply result and the verify report.
 */
import { rmSync } from 'node:fs';
import { runCli, SECRET, withCloud, workdir, writeSpec } from './harness';

describe('apply --verify', () => {
  it('applies, then proves the mailbox read; --json prints one document', async () => {
    const { dir, tls } = workdir();
    try {
      await withCloud(tls, { mailboxes: { 'onprem.user@contoso.com': { kind: 'ok' } } }, async (cloud) => {
        writeSpec(dir, cloud, { mailboxes: ['onprem.user@contoso.com'] });
        const env = { ...process.env, HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: tls.certFile };
        expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], dir, env)).code).toBe(0);
        const r = await runCli(['apply', '--yes', '--json', '--verify'], dir, env);
        expect(r.stderr).not.toContain('Error');
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout);
        expect(doc.result.status).toBe('succeeded');
        expect(doc.plan.changes.length).toBe(2);
        expect(doc.verify.ok).toBe(true);
        expect(r.stdout + r.stderr).not.toContain(SECRET);
        expect(cloud.graphRequests.map((g) => g.mailbox)).toEqual(['onprem.user@contoso.com']);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed mailbox read makes apply --verify exit 1 after a successful apply', async () => {
    const { dir, tls } = workdir();
    try {
      await withCloud(tls, { mailboxes: { 'onprem.user@contoso.com': { kind: 'exchange' } } }, async (cloud) => {
        writeSpec(dir, cloud, { mailboxes: ['onprem.user@contoso.com'] });
        const env = { ...process.env, HYBRIDCFG_CLIENT_SECRET: SECRET, HYBRIDCFG_CA_FILE: tls.certFile };
        expect((await runCli(['lab', 'init', './lab', '--servers', 'EX01', '--app-only-exposed'], dir, env)).code).toBe(0);
        const r = await runCli(['apply', '--yes', '--verify'], dir, env);
        expect(r.code).toBe(1);
        expect(r.stdout).toContain('Apply complete.');
        expect(r.stdout).toContain('onprem.user@contoso.com');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
