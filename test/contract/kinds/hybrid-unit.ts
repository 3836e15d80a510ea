/**
 * The hybrid unit's organisation-wide kinds in the Target contract: auth servers, setting overrides,
 * intra-organisation connectors and organisation relationships, read and changed as both targets do it
 * (Set-/New-/Remove- with the cmdlets' real parameters, originals recorded first, the override's refresh).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ObjectRequest, ObjectsLive } from '../../../src/resources/common/object-kind';
import type { Target } from '../../../src/targets/types';
import { hasDedicatedHybridApp } from '../../../src/domain/builds';
import { readLines, rejectsWith, type ContractContext } from '../target.contract';

const QUERIES = { authServer: {}, settingOverride: {}, intraOrganizationConnector: {}, organizationRelationship: {} };

export function hybridUnitContract(c: ContractContext): void {
  let lab: string;
  let target: Target;
  beforeEach(() => {
    ({ lab, target } = c);
  });
  const events = () => readLines(path.join(lab, 'events.jsonl'));
  const orgJson = async () => JSON.parse(await fs.readFile(path.join(lab, 'organization.json'), 'utf8')) as Record<string, any>;
  const writeOrg = (org: unknown) => fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
  const read = async () => (await target.readOrganization(QUERIES)).resources as Record<string, ObjectsLive>;
  const set = (kind: string, request: ObjectRequest) => target.setOrganization(kind, request);
  const originals = async (file: string) => JSON.parse((await fs.readFile(path.join(lab, 'hybridcfg', 'original', file), 'utf8').catch(() => 'null')) as string);

  test('a new lab: EvoSts without ApplicationIdentifier, no override, one enabled connector, one relationship without TargetSharingEpr', async () => {
    const r = await read();
    expect(r.authServer!.objects).toEqual([expect.objectContaining({ Name: expect.stringMatching(/^EvoSts - [0-9a-f-]{36}$/), Type: 'AzureAD', Enabled: true, ApplicationIdentifier: null, DomainName: null })]);
    expect(r.authServer!.parameters).toEqual(expect.arrayContaining(['DomainName', 'Enabled']));
    // -ApplicationIdentifier came with the April 2025 HU (docs/exchange-facts.md#hybrid-unit H1).
    expect((r.authServer!.parameters ?? []).includes('ApplicationIdentifier')).toBe(hasDedicatedHybridApp(c.build));
    expect(r.settingOverride!.objects).toEqual([]);
    expect(r.intraOrganizationConnector!.objects).toEqual([expect.objectContaining({ Enabled: true, TargetAddressDomains: ['contoso.mail.onmicrosoft.com'] })]);
    expect(r.organizationRelationship!.objects).toEqual([expect.objectContaining({ Enabled: true, TargetSharingEpr: null })]);
    expect(r.authServer!.originals).toEqual({});
  });

  test('Set-AuthServer sets the given properties, records the first originals, and reads back (a build before the April 2025 HU refuses -ApplicationIdentifier)', async () => {
    const evo = (await read()).authServer!.objects[0]!.Name;
    if (!hasDedicatedHybridApp(c.build)) {
      await rejectsWith(set('authServer', { name: evo, action: 'update', update: { ApplicationIdentifier: '66666666-7777-8888-9999-000000000000' } }), 'target.parameter-missing');
      await set('authServer', { name: evo, action: 'update', update: { DomainName: ['contoso.mail.onmicrosoft.com'] } });
      expect((await read()).authServer!.objects[0]).toMatchObject({ ApplicationIdentifier: null, DomainName: ['contoso.mail.onmicrosoft.com'] });
      expect(await events()).toEqual([{ action: 'set-authserver', name: evo, properties: ['DomainName'] }]);
      expect(await originals('auth-servers.json')).toEqual({ [evo]: { DomainName: null } });
      return;
    }
    await set('authServer', { name: evo, action: 'update', update: { ApplicationIdentifier: '66666666-7777-8888-9999-000000000000', DomainName: ['contoso.mail.onmicrosoft.com'], Enabled: true } });
    const after = (await read()).authServer!;
    expect(after.objects[0]).toMatchObject({ ApplicationIdentifier: '66666666-7777-8888-9999-000000000000', DomainName: ['contoso.mail.onmicrosoft.com'], Enabled: true });
    expect(await events()).toEqual([{ action: 'set-authserver', name: evo, properties: ['ApplicationIdentifier', 'DomainName'] }]);
    expect(await originals('auth-servers.json')).toEqual({ [evo]: { ApplicationIdentifier: null, DomainName: null } });
    await set('authServer', { name: evo, action: 'update', update: { ApplicationIdentifier: '77777777-7777-8888-9999-000000000000' } });
    expect(await originals('auth-servers.json')).toEqual({ [evo]: { ApplicationIdentifier: null, DomainName: null } });
    expect(after.originals).toEqual({ [evo]: { ApplicationIdentifier: null, DomainName: null } });
  });

  test('a build without -ApplicationIdentifier refuses it and changes nothing', async () => {
    const org = await orgJson();
    org.cmdlets['Set-AuthServer'].parameters = org.cmdlets['Set-AuthServer'].parameters.filter((p: string) => p !== 'ApplicationIdentifier');
    await writeOrg(org);
    const live = (await read()).authServer!;
    expect(live.parameters).not.toContain('ApplicationIdentifier');
    await rejectsWith(set('authServer', { name: live.objects[0]!.Name, action: 'update', update: { ApplicationIdentifier: '66666666-7777-8888-9999-000000000000' } }), 'target.parameter-missing');
    expect(await orgJson()).toEqual(org);
    expect(await originals('auth-servers.json')).toBeNull();
    expect(await events()).toEqual([]);
  });

  test('New-SettingOverride creates the override, then the variant configuration is refreshed; Remove-SettingOverride takes it away', async () => {
    await set('settingOverride', {
      name: 'EnableExchangeHybrid3PAppFeature',
      action: 'create',
      create: { Name: 'EnableExchangeHybrid3PAppFeature', Component: 'Global', Section: 'ExchangeOnpremAsThirdPartyAppId', Parameters: ['Enabled=true'], Reason: 'Dedicated Exchange hybrid application' },
      followUp: true,
    });
    const live = (await read()).settingOverride!;
    expect(live.objects).toEqual([
      { Name: 'EnableExchangeHybrid3PAppFeature', ComponentName: 'Global', SectionName: 'ExchangeOnpremAsThirdPartyAppId', Parameters: ['Enabled=true'], Reason: 'Dedicated Exchange hybrid application', Server: null },
    ]);
    expect(live.originals).toEqual({ EnableExchangeHybrid3PAppFeature: { $created: true } });
    await rejectsWith(set('settingOverride', { name: 'EnableExchangeHybrid3PAppFeature', action: 'create', create: { Name: 'EnableExchangeHybrid3PAppFeature', Component: 'Global', Section: 'X', Parameters: ['a=b'], Reason: 'r' } }), 'target.object-exists');
    await set('settingOverride', { name: 'EnableExchangeHybrid3PAppFeature', action: 'update', update: { Parameters: ['Enabled=false'] }, followUp: true });
    await set('settingOverride', { name: 'EnableExchangeHybrid3PAppFeature', action: 'delete' });
    expect((await read()).settingOverride!.objects).toEqual([]);
    const refresh = { action: 'refresh-variantconfiguration', process: 'Microsoft.Exchange.Directory.TopologyService' };
    expect(await events()).toEqual([
      { action: 'new-settingoverride', name: 'EnableExchangeHybrid3PAppFeature' },
      refresh,
      { action: 'set-settingoverride', name: 'EnableExchangeHybrid3PAppFeature', properties: ['Parameters'] },
      refresh,
      { action: 'remove-settingoverride', name: 'EnableExchangeHybrid3PAppFeature' },
    ]);
  });

  test('connectors and relationships: Set- by name, a failing object changes nothing, an unknown name is refused', async () => {
    const r = await read();
    const ioc = r.intraOrganizationConnector!.objects[0]!.Name;
    const rel = r.organizationRelationship!.objects[0]!.Name;
    await set('intraOrganizationConnector', { name: ioc, action: 'update', update: { Enabled: false } });
    await set('organizationRelationship', { name: rel, action: 'update', update: { TargetSharingEpr: 'https://outlook.office365.com/EWS/Exchange.asmx' } });
    const after = await read();
    expect(after.intraOrganizationConnector!.objects[0]!.Enabled).toBe(false);
    expect(after.organizationRelationship!.objects[0]!.TargetSharingEpr).toBe('https://outlook.office365.com/EWS/Exchange.asmx');
    expect(await originals('intra-organization-connectors.json')).toEqual({ [ioc]: { Enabled: true } });
    expect(await originals('organization-relationships.json')).toEqual({ [rel]: { TargetSharingEpr: null } });
    const org = await orgJson();
    org.intraOrganizationConnectors[0].faults = { set: 'fail' };
    await writeOrg(org);
    await rejectsWith(set('intraOrganizationConnector', { name: ioc, action: 'update', update: { Enabled: true } }), 'target.set-failed');
    expect(await orgJson()).toEqual(org);
    await rejectsWith(set('organizationRelationship', { name: 'nobody', action: 'update', update: { Enabled: false } }), 'target.unknown-object');
    expect((await events()).map((e) => e.action)).toEqual(['set-intraorganizationconnector', 'set-organizationrelationship']);
  });
}
