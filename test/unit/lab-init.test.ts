/** LAB.md "init" (I1..I8) and the CLIXML reader it rests on. */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiagnosticError } from '../../src/diag/diagnostic';
import { parseClixml } from '../../src/targets/lab/clixml';
import { readLabOrganization } from '../../src/targets/lab/format';
import { packageRoot } from '../../src/targets/lab/captures';
import { initLab } from '../helpers/targets';
import type { LabPartnerApplication } from '../../src/resources/partner-application/lab';
import { LAB_VDIRS } from '../../src/targets/lab/vdirs';

const GRAPH = '00000003-0000-0000-c000-000000000000';

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'hybridcfg-lab-init-'));
}

async function codesOf(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DiagnosticError) return err.diagnostics.map((d) => d.code);
    throw err;
  }
  throw new Error('expected a DiagnosticError');
}

describe('CLIXML reader', () => {
  it('reads Nil as null, LST as an ordered list, B as booleans and enum/ADObjectId objects as their ToString', () => {
    const objs = parseClixml(readFileSync(path.join(packageRoot(), 'fixtures/exchange/E19/GetPartnerApplication.xml'), 'utf8'));
    const exo = objs.find((o) => o.props.Name === 'Exchange Online')!;
    expect(exo.props.AppOnlyPermissions).toBeNull();
    expect(exo.props.Enabled).toBe(true);
    expect(exo.props.AcceptSecurityIdentifierInformation).toBe(false);
    expect(exo.props.LinkedAccount).toBe('contoso.lab/Users/Exchange Online-ApplicationAccount');
    expect(exo.props.AccountType).toBe('OrganizationalAccount');
    expect(exo.props.CertificateStrings).toEqual([]);
  });

  it('decodes escaped characters and resolves references', () => {
    const xml =
      '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><Props>' +
      '<S N="A">line1_x000D__x000A_line2</S><Obj N="B" RefId="1"><ToString>shown</ToString></Obj><Ref N="C" RefId="1" />' +
      '<I32 N="D">42</I32></Props></Obj></Objs>';
    const [o] = parseClixml(xml);
    expect(o.props).toEqual({ A: 'line1\r\nline2', B: 'shown', C: 'shown', D: 42 });
  });

  it('refuses text that is not CLIXML', () => {
    expect(() => parseClixml('<html></html>')).toThrow(/not CLIXML/);
  });
});

describe('initLab', () => {
  it('I3: Graph has its 29 ActAsPermissions from the capture and AppOnlyPermissions null; unset lists are null', async () => {
    const dir = path.join(await tempDir(), 'lab');
    await initLab(dir, { servers: ['EX01'] });
    const org = await readLabOrganization(dir);
    expect((org.partnerApplications as readonly LabPartnerApplication[]).map((a) => a.Name)).toEqual([
      'Exchange Online',
      'Microsoft Graph',
      'TeamsScheduler',
      'CloudVoicemail',
      'SfBLegacy',
    ]);
    const graph = (org.partnerApplications as readonly LabPartnerApplication[]).find((a) => a.ApplicationIdentifier === GRAPH)!;
    expect(graph.ActAsPermissions).toHaveLength(29);
    expect(graph.ActAsPermissions![0]).toBe('Mail.Read');
    expect(graph.ActAsPermissions![28]).toBe('Tasks.ReadWrite');
    expect(graph.AppOnlyPermissions).toBeNull();
    expect(graph.LinkedAccount).toBeNull();
    expect(graph.IssuerIdentifier).toBe('');
    expect(graph.UseAuthServer).toBe(true);
    for (const app of (org.partnerApplications as readonly LabPartnerApplication[])) {
      expect(app.AppOnlyPermissions).not.toEqual([]);
      expect(app.ActAsPermissions).not.toEqual([]);
    }
  });

  it('I4, I5, I6: auth config, EvoSts, servers from the captures, and Set-PartnerApplication as the build and its role entries expose it', async () => {
    const dir = path.join(await tempDir(), 'lab');
    await initLab(dir, { servers: ['EX01', 'ex-02'], appOnlyExposed: false });
    const org = await readLabOrganization(dir);
    expect((org.authConfig as Record<string, unknown>).CurrentCertificateThumbprint).toBe('C3EDCF181EF4F9B53D01768ECA99564014BCA6E7');
    expect((org.authConfig as Record<string, unknown>).ServiceName).toBe('00000002-0000-0ff1-ce00-000000000000');
    expect((org.authServers as readonly Record<string, unknown>[])).toHaveLength(1);
    expect((org.authServers as readonly Record<string, unknown>[])[0].Name).toMatch(/^EvoSts - [0-9a-f-]{36}$/);
    expect((org.authServers as readonly Record<string, unknown>[])[0].IssuerIdentifier).toBe('00000001-0000-0000-c000-000000000000');
    // AdminDisplayVersion is the CU's build (2019 CU15 = 15.2.1748.10), never the SU's: ExSetup.exe has that.
    expect(org.servers).toEqual([
      { Name: 'EX01', Fqdn: 'EX01.contoso.lab', AdminDisplayVersion: 'Version 15.2 (Build 1748.10)', ServerRole: 'Mailbox', IsEdgeServer: false },
      { Name: 'ex-02', Fqdn: 'ex-02.contoso.lab', AdminDisplayVersion: 'Version 15.2 (Build 1748.10)', ServerRole: 'Mailbox', IsEdgeServer: false },
    ]);
    // The documented state of 2019: the cmdlet has the parameter, no role entry exposes it to the session.
    const setPartner = org.cmdlets['Set-PartnerApplication'] as unknown as { parameters: string[]; all: string[] };
    expect(setPartner.parameters).not.toContain('AppOnlyPermissions');
    expect(setPartner.parameters).not.toContain('IssuerIdentifier');
    expect(setPartner.parameters).toEqual(expect.arrayContaining(['Identity', 'Name', 'Enabled', 'AcceptSecurityIdentifierInformation', 'AccountType', 'ActAsPermissions', 'LinkedAccount', 'Realm', 'AuthMetadataUrl']));
    expect(setPartner.all).toContain('AppOnlyPermissions');
    expect(org.session).toEqual({ computer: 'ADMIN01', remote: false, executionPolicy: 'RemoteSigned' });
    expect(org.modules).toEqual({ WebAdministration: false });
    const raw = await fs.readFile(path.join(dir, 'organization.json'));
    expect(raw[0]).toBe('{'.charCodeAt(0)); // no BOM
    expect(raw.toString('utf8')).toContain('\n  "formatVersion": 1,');
  });

  it('I7: every server gets every vdir web.config, made from its capture, with a UTF-8 BOM and CRLF only', async () => {
    const dir = path.join(await tempDir(), 'lab');
    await initLab(dir, { servers: ['EX01', 'EX02'] });
    for (const server of ['EX01', 'EX02']) {
      for (const vdir of LAB_VDIRS) {
        const bytes = await fs.readFile(path.join(dir, 'servers', server, ...vdir.file.split('/')));
        expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
        const text = bytes.subarray(3).toString('utf8');
        expect(text.startsWith('<?xml')).toBe(true);
        expect(text).toContain('\r\n');
        expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
        const capture = readFileSync(path.join(packageRoot(), 'fixtures/exchange', vdir.capture), 'utf8').replace(/^\uFEFF/, '');
        expect(text.replace(/\r\n/g, '\n')).toBe(capture);
      }
    }
    const rest = await fs.readFile(path.join(dir, 'servers/EX01/FrontEnd/HttpProxy/rest/web.config'), 'utf8');
    expect(rest).toContain('key="OAuthHttpModule.Profiles" value="S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2"');
    const sync = await fs.readFile(path.join(dir, 'servers/EX01/FrontEnd/HttpProxy/sync/web.config'), 'utf8');
    expect(sync).toContain('Exchange cmdlet Set-AppConfigValue updated value');
  });

  it('I7: a 2016 server gets the 2016 capture where one exists (EWS), a 2019 server the 2019 one', async () => {
    const dir = path.join(await tempDir(), 'lab');
    await initLab(dir, { servers: ['EX01', 'EX02'], build: '15.2.1748.43,EX01=15.1.2507.66' });
    const ews = (server: string) => fs.readFile(path.join(dir, 'servers', server, 'FrontEnd/HttpProxy/ews/web.config'), 'utf8');
    expect(await ews('EX01')).toContain('<add name="X-FEServer" value="SOLO-E16A" />');
    expect(await ews('EX02')).toContain('<add name="X-FEServer" value="SOLO-E19A" />');
  });

  it('I8: events.jsonl and calls.jsonl start empty', async () => {
    const dir = path.join(await tempDir(), 'lab');
    await initLab(dir, { servers: ['EX01'] });
    expect(await fs.readFile(path.join(dir, 'events.jsonl'), 'utf8')).toBe('');
    expect(await fs.readFile(path.join(dir, 'calls.jsonl'), 'utf8')).toBe('');
  });

  it('I2: refuses a non-empty folder and leaves its content alone; accepts an existing empty one', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'keep.txt'), 'mine');
    expect(await codesOf(initLab(dir, { servers: ['EX01'] }))).toEqual(['lab.not-empty']);
    expect(await fs.readdir(dir)).toEqual(['keep.txt']);
    expect(await fs.readFile(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');

    const empty = await tempDir();
    await initLab(empty, { servers: ['EX01'] });
    expect((await fs.readdir(empty)).sort()).toEqual(['calls.jsonl', 'events.jsonl', 'organization.json', 'servers']);
  });

  it('I2: refuses a path that is a file', async () => {
    const file = path.join(await tempDir(), 'lab');
    await fs.writeFile(file, 'x');
    expect(await codesOf(initLab(file, { servers: ['EX01'] }))).toEqual(['lab.not-empty']);
    expect(await fs.readFile(file, 'utf8')).toBe('x');
  });

  it('I1: rejects bad server names, one diagnostic each, and creates nothing', async () => {
    const dir = path.join(await tempDir(), 'lab');
    const err = await initLab(dir, { servers: ['EX01', 'EX_02', 'A-VERY-LONG-NAME-16', '1234', '-EX', 'ex01', ''] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    const summaries = (err as DiagnosticError).diagnostics.map((d) => d.summary);
    expect(summaries).toEqual([
      expect.stringContaining('"EX_02" is not a valid server name: it has characters other than'),
      expect.stringContaining('"A-VERY-LONG-NAME-16" is not a valid server name: it has 19 characters, more than 15'),
      expect.stringContaining('"1234" is not a valid server name'),
      expect.stringContaining('"-EX" is not a valid server name'),
      expect.stringContaining('"ex01" is given twice'),
      expect.stringContaining('"" is not a valid server name: it is empty'),
    ]);
    expect((err as DiagnosticError).diagnostics.every((d) => d.code === 'lab.invalid-server-name')).toBe(true);
    await expect(fs.stat(dir)).rejects.toThrow();
    expect(await codesOf(initLab(dir, { servers: [] }))).toEqual(['lab.invalid-server-name']);
  });
});
