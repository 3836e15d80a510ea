/** planRollback(originals, live): pure; restores what hybridcfg first found, and nothing once restored. */
import { setAppSetting } from '../../src/webconfig/appsettings';
import { ACT_AS, fixtureBytes, graph, live, loaded, newBytes, REST, rollbackOf } from '../helpers/live';

const ORIGINAL = fixtureBytes('E19/IIS/DefaultWebSite-Rest_web.config');
const CHANGED = Buffer.from(
  setAppSetting(ORIGINAL.toString('utf8'), 'OAuthHttpModule.Profiles', 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2|V1S2SAppOnly', 'f'),
  'utf8',
);
const SPEC = loaded({ webConfigs: [{ file: REST, appSettings: { 'OAuthHttpModule.Profiles': { include: ['V1S2SAppOnly'] } } }] });

function state(current: Buffer, original: Buffer | null, appOnly: string[] | null) {
  return live({
    apps: [graph({ AppOnlyPermissions: appOnly })],
    servers: { EX01: { [REST]: current } },
    originals: { EX01: { [REST]: original } },
    appOriginals: { [graph().ApplicationIdentifier]: { AppOnlyPermissions: null } },
  });
}

test('a changed file and partner application are planned back to their originals, byte for byte', () => {
  const s = state(CHANGED, ORIGINAL, ACT_AS);
  const plan = rollbackOf(SPEC, s);
  expect(plan.purpose).toBe('rollback');
  expect(plan.changes.map((c) => c.address)).toEqual(['partnerApplication["00000003-0000-0000-c000-000000000000"]', `server["EX01"].webConfig["${REST}"]`]);
  expect(plan.changes[0].data).toMatchObject({ update: { AppOnlyPermissions: null } });
  expect(plan.changes[1].attributes.map((a) => [a.name, a.after])).toEqual([['OAuthHttpModule.Profiles', 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2']]);
  expect(newBytes(SPEC, s, plan.changes[1])).toEqual(ORIGINAL);
  expect(plan.restarts.map((r) => r.server)).toEqual(['EX01']);
});

test('once restored, a rollback plans nothing', () => {
  const plan = rollbackOf(SPEC, state(ORIGINAL, ORIGINAL, null));
  expect(plan.changes).toEqual([]);
  expect(plan.restarts).toEqual([]);
});

test('a file hybridcfg never changed (no original) is left alone', () => {
  const plan = rollbackOf(SPEC, state(CHANGED, null, null));
  expect(plan.changes.filter((c) => c.kind === 'webConfig')).toEqual([]);
});
