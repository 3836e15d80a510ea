/** The partner application kind's part of the Target contract: Set-PartnerApplication as both targets do it. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, GRAPH_APPLICATION_IDENTIFIER } from '../../../src/domain/exchange';
import type { Target } from '../../../src/targets/types';
import { listFiles, readLines, readOrg, rejectsWith, setApp, type ContractContext } from '../target.contract';

export function partnerApplicationContract(c: ContractContext): void {
  let lab: string;
  let target: Target;
  beforeEach(() => {
    ({ lab, target } = c);
  });
  const events = () => readLines(path.join(lab, 'events.jsonl'));
  const calls = () => readLines(path.join(lab, 'calls.jsonl'));
  const organizationJson = async () => JSON.parse(await fs.readFile(path.join(lab, 'organization.json'), 'utf8')) as Record<string, any>;
  const writeOrganization = (org: unknown) => fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
  const originalsText = () => fs.readFile(path.join(lab, 'hybridcfg', 'original', 'partner-applications.json'), 'utf8').catch(() => null);

  test('sets only the given partner application properties', async () => {
    const before = await organizationJson();
    const act = before.partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER).ActAsPermissions;
    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: act, Enabled: true });
    const after = await organizationJson();
    const expected = {
      ...before,
      partnerApplications: before.partnerApplications.map((a: any) => (a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER ? { ...a, AppOnlyPermissions: act } : a)),
    };
    expect(after).toEqual(expected);
    expect((await readOrg(target)).apps.applications.find((a) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER)?.AppOnlyPermissions).toEqual(act);
    // Enabled was already true: only what changed is reported.
    expect(await events()).toEqual([
      { action: 'set-partnerapplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER, name: 'Microsoft Graph', properties: ['AppOnlyPermissions'] },
    ]);
    expect(await calls()).toEqual([{ call: 'setPartnerApplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER }, { call: 'readOrganization' }]);
  });

  test('an empty permission list is stored as null', async () => {
    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'] });
    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: [] });
    const app = (await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
    expect(app.AppOnlyPermissions).toBeNull();
    expect((await events()).map((e) => e.properties)).toEqual([['AppOnlyPermissions'], ['AppOnlyPermissions']]);
  });

  test('a build without -AppOnlyPermissions refuses it and changes nothing', async () => {
    const org = await organizationJson();
    org.cmdlets['Set-PartnerApplication'].parameters = org.cmdlets['Set-PartnerApplication'].parameters.filter((p: string) => p !== 'AppOnlyPermissions');
    await fs.writeFile(path.join(lab, 'organization.json'), JSON.stringify(org, null, 2) + '\n');
    const live = (await readOrg(target)).apps;
    expect(live.parameters).not.toContain('AppOnlyPermissions');
    expect(live.parameters).toContain('ActAsPermissions');
    await rejectsWith(setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'] }), 'target.parameter-missing');
    expect(await organizationJson()).toEqual(org);
    expect(await originalsText()).toBeNull();
    expect(await events()).toEqual([]);
    expect(await calls()).toEqual([
      { call: 'readOrganization' },
      { call: 'setPartnerApplication', applicationIdentifier: GRAPH_APPLICATION_IDENTIFIER, error: 'target.parameter-missing' },
    ]);
  });

  test('partner application originals: recorded before the first change of each property, never overwritten, read back, restorable with null', async () => {
    // A live value with characters JSON must escape, as hybridcfg first finds it.
    const tricky = 'contoso "lab" \\ tab\t line\n\u0001 é ☃ 𝄞';
    const org = await organizationJson();
    org.partnerApplications = org.partnerApplications.map((a: any) => (a.ApplicationIdentifier === EXCHANGE_ONLINE_APPLICATION_IDENTIFIER ? { ...a, Name: tricky } : a));
    await writeOrganization(org);
    const act = org.partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER).ActAsPermissions;

    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: act });
    expect(await originalsText()).toBe(JSON.stringify({ [GRAPH_APPLICATION_IDENTIFIER]: { AppOnlyPermissions: null } }, null, 2) + '\n');
    // A later change keeps the first original of AppOnlyPermissions and adds Enabled's.
    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'], Enabled: false });
    await setApp(target, EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, { Name: 'other' });
    const expected = {
      [GRAPH_APPLICATION_IDENTIFIER]: { AppOnlyPermissions: null, Enabled: true },
      [EXCHANGE_ONLINE_APPLICATION_IDENTIFIER]: { Name: tricky },
    };
    expect(await originalsText()).toBe(JSON.stringify(expected, null, 2) + '\n');
    expect((await readOrg(target)).apps.originals).toEqual(expected);

    // Restoring sends the recorded values, null included; the originals stay as they were.
    await setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: null, Enabled: true });
    await setApp(target, EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, { Name: tricky });
    const graph = (await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER);
    expect(graph).toMatchObject({ AppOnlyPermissions: null, Enabled: true });
    expect((await organizationJson()).partnerApplications.find((a: any) => a.ApplicationIdentifier === EXCHANGE_ONLINE_APPLICATION_IDENTIFIER).Name).toBe(tricky);
    expect(await originalsText()).toBe(JSON.stringify(expected, null, 2) + '\n');
    expect((await events()).map((e) => e.properties)).toEqual([['AppOnlyPermissions'], ['AppOnlyPermissions', 'Enabled'], ['Name'], ['AppOnlyPermissions', 'Enabled'], ['Name']]);
    expect(await listFiles(path.join(lab, 'hybridcfg'))).toEqual(['original/partner-applications.json']);
  });

  test('a failing Set-PartnerApplication records no original', async () => {
    const org = await organizationJson();
    org.partnerApplications = org.partnerApplications.map((a: any) => (a.ApplicationIdentifier === GRAPH_APPLICATION_IDENTIFIER ? { ...a, faults: { set: 'fail' } } : a));
    await writeOrganization(org);
    await rejectsWith(setApp(target, GRAPH_APPLICATION_IDENTIFIER, { AppOnlyPermissions: ['Mail.Read'] }), 'target.set-failed');
    expect(await originalsText()).toBeNull();
    await setApp(target, EXCHANGE_ONLINE_APPLICATION_IDENTIFIER, { Enabled: false });
    const before = await originalsText();
    await rejectsWith(setApp(target, GRAPH_APPLICATION_IDENTIFIER, { Name: 'x' }), 'target.set-failed');
    expect(await originalsText()).toBe(before);
    expect(JSON.parse(before!)).toEqual({ [EXCHANGE_ONLINE_APPLICATION_IDENTIFIER]: { Enabled: true } });
    expect(await organizationJson()).toEqual({
      ...org,
      partnerApplications: org.partnerApplications.map((a: any) => (a.ApplicationIdentifier === EXCHANGE_ONLINE_APPLICATION_IDENTIFIER ? { ...a, Enabled: false } : a)),
    });
  });
}
