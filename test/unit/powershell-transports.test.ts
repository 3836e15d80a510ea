/**
 * Server work happens on that server (issue 11, defect 1): through the PowerShell target on pwsh and the
 * fake Exchange module, each server's web.config is read from that server, in-process only when the
 * server is the machine hybridcfg runs on; `files: local` with another server and WinRM from inside a
 * remote session (the Kerberos double hop) are refused before anything is read or written.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REST_FRONTEND_WEB_CONFIG } from '../../src/domain/exchange';
import type { Target } from '../../src/targets/types';
import { readFiles, rejectsWith } from '../contract/target.contract';
import { initLab, powershellTarget } from '../helpers/targets';
import { requirePwsh } from '../helpers/pwsh';

const pwsh = requirePwsh();
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('which machine a server call runs on', () => {
  let dir: string;
  let lab: string;
  let open: Target[] = [];
  const onDisk = (server: string) => fs.readFile(path.join(lab, 'servers', server, ...REST_FRONTEND_WEB_CONFIG.split('/')));

  /** The lab's session runs on `computer` (LAB.md, "The session"), possibly as a remote session itself. */
  async function sessionOn(computer: string, remote = false): Promise<void> {
    const file = path.join(lab, 'organization.json');
    const org = JSON.parse(await fs.readFile(file, 'utf8'));
    org.session = { ...org.session, computer, remote };
    await fs.writeFile(file, JSON.stringify(org, null, 2) + '\n');
  }
  async function target(opts: { files?: 'auto' | 'local' | 'winrm' } = {}): Promise<Target> {
    const t = await powershellTarget(lab, pwsh, { timeoutSeconds: 30, ...opts });
    open.push(t);
    return t;
  }
  const fileOf = async (t: Target, name: string): Promise<string> => {
    const org = await t.readOrganization({});
    const server = org.servers.find((s) => s.Name === name)!;
    const read = await readFiles(t, server, REST_FRONTEND_WEB_CONFIG);
    const file = read.files[REST_FRONTEND_WEB_CONFIG];
    if (!file?.exists) throw new Error(`${name}: no ${REST_FRONTEND_WEB_CONFIG}`);
    return file.sha256;
  };

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-transports-'));
    lab = path.join(dir, 'lab');
    await initLab(lab, { servers: ['EX01', 'EX02'] });
    // The two servers' files differ, so that reading one server's file as the other's shows.
    const ex02 = path.join(lab, 'servers', 'EX02', ...REST_FRONTEND_WEB_CONFIG.split('/'));
    await fs.writeFile(ex02, Buffer.concat([await fs.readFile(ex02), Buffer.from('<!-- EX02 -->\r\n')]));
  });
  afterEach(async () => {
    await Promise.all(open.map((t) => t.close()));
    open = [];
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('files: auto (the default) on EX01: EX01 in-process, EX02 through WinRM, each its own file', async () => {
    await sessionOn('EX01');
    const t = await target();
    expect(await fileOf(t, 'EX01')).toBe(sha256(await onDisk('EX01')));
    expect(await fileOf(t, 'EX02')).toBe(sha256(await onDisk('EX02')));
    expect(sha256(await onDisk('EX01'))).not.toBe(sha256(await onDisk('EX02')));
  });

  test('files: auto on a management host (the default lab): every server through WinRM, each its own file', async () => {
    const t = await target();
    expect(await fileOf(t, 'EX01')).toBe(sha256(await onDisk('EX01')));
    expect(await fileOf(t, 'EX02')).toBe(sha256(await onDisk('EX02')));
  });

  test('files: local with a server that is not this machine is an error that names the fix; this machine works', async () => {
    await sessionOn('EX01');
    const t = await target({ files: 'local' });
    expect(await fileOf(t, 'EX01')).toBe(sha256(await onDisk('EX01')));
    await rejectsWith(fileOf(t, 'EX02'), 'target.files-local-other-server');
    await expect(fileOf(t, 'EX02')).rejects.toMatchObject({
      diagnostics: [expect.objectContaining({ summary: expect.stringContaining('files: local reads and writes files on this machine (EX01), and EX02 is another server') })],
    });
  });

  test('inside a remote session, WinRM to another server is refused as a double hop; the session host itself still works', async () => {
    await sessionOn('EX01', true);
    const t = await target();
    expect(await fileOf(t, 'EX01')).toBe(sha256(await onDisk('EX01')));
    await rejectsWith(fileOf(t, 'EX02'), 'target.double-hop');
  });

  test('the server that hosts the Exchange session is the one the apply engine restarts last', async () => {
    await sessionOn('EX02');
    const t = await target();
    await t.readOrganization({});
    expect(t.sessionHost?.()).toBe('EX02');
  });
});
