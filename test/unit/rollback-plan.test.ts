/** planRollback(originals, live): pure; restores what hybridcfg first found, and nothing once restored. */
import { planRollback } from '../../src/plan/rollback';
import { originalOf } from '../../src/targets/types';
import { setAppSetting } from '../../src/webconfig/appsettings';
import { ACT_AS, CTX, fixtureBytes, graph, live, loaded, REST } from '../helpers/live';

const ORIGINAL = fixtureBytes('E19/IIS/DefaultWebSite-Rest_web.config');
const CHANGED = Buffer.from(
  setAppSetting(ORIGINAL.toString('utf8'), 'OAuthHttpModule.Profiles', 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2|V1S2SAppOnly', 'f'),
  'utf8',
);
const SPEC = loaded({ webConfigs: [{ file: REST, appSettings: { 'OAuthHttpModule.Profiles': { include: ['V1S2SAppOnly'] } } }] });

function state(current: Buffer, original: Buffer | null, appOnly: string[] | null) {
  const base = live({ apps: [graph({ AppOnlyPermissions: appOnly })], servers: { EX01: { [REST]: current, [originalOf(REST)]: original } } });
  return { ...base, organization: { ...base.organization, partnerApplicationOriginals: { [graph().ApplicationIdentifier]: { AppOnlyPermissions: null } } } };
}

test('a changed file and partner application are planned back to their originals, byte for byte', () => {
  const plan = planRollback(SPEC, state(CHANGED, ORIGINAL, ACT_AS), CTX);
  expect(plan.fileEdits).toHaveLength(1);
  expect(Buffer.from(plan.fileEdits[0].afterBase64, 'base64')).toEqual(ORIGINAL);
  expect(plan.changes.map((c) => c.address)).toEqual([
    'partnerApplication["00000003-0000-0000-c000-000000000000"]',
    `server["EX01"].webConfig["${REST}"].appSetting["OAuthHttpModule.Profiles"]`,
  ]);
  const app = plan.changes[0];
  expect(app.kind === 'partnerApplication' && app.update).toEqual({ AppOnlyPermissions: null });
  expect(plan.restarts.map((r) => r.server)).toEqual(['EX01']);
});

test('once restored, a rollback plans nothing', () => {
  const plan = planRollback(SPEC, state(ORIGINAL, ORIGINAL, null), CTX);
  expect(plan.changes).toEqual([]);
  expect(plan.fileEdits).toEqual([]);
  expect(plan.restarts).toEqual([]);
});

test('a file hybridcfg never changed (no original) is left alone', () => {
  const plan = planRollback(SPEC, state(CHANGED, null, null), CTX);
  expect(plan.fileEdits).toEqual([]);
});

test('a target that records no partner application originals says so', () => {
  const base = live({ servers: { EX01: { [REST]: ORIGINAL, [originalOf(REST)]: ORIGINAL } } });
  expect(planRollback(SPEC, base, CTX).warnings.map((w) => w.code)).toContain('rollback.no-partner-application-originals');
});
