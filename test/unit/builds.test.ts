/** Exchange builds as Microsoft lists them: parsing ExSetup's version, the dedicated hybrid app's minimums, named levels. */
import { compareBuilds, hasDedicatedHybridApp, knownBuild, normalizeBuild, productOf, resolveMinimum } from '../../src/domain/builds';

test("ExSetup's zero-padded file version is the same build (fixtures/exchange/E19/ExSetup*.xml)", () => {
  expect(normalizeBuild('15.02.1118.025')).toBe('15.2.1118.25');
  expect(normalizeBuild('15.02.0986.005')).toBe('15.2.986.5');
  expect(normalizeBuild('Version 15.2 (Build 986.5)')).toBeUndefined();
  expect(compareBuilds('15.02.1748.024', '15.2.1748.24')).toBe(0);
  expect(compareBuilds('15.2.1748.10', '15.2.1748.24')).toBeLessThan(0);
});

test('products: 15.1 is 2016, 15.2 is 2019 until build 2562, then SE', () => {
  expect([productOf('15.1.2507.55'), productOf('15.2.1748.24'), productOf('15.2.2562.17'), productOf('14.3.513.0')]).toEqual(['2016', '2019', 'SE', undefined]);
});

test.each([
  ['15.1.2507.55', true, '2016 CU23 Apr25HU'],
  ['15.1.2507.44', false, '2016 CU23 Nov24SUv2'],
  ['15.2.1544.25', true, '2019 CU14 Apr25HU'],
  ['15.2.1544.14', false, '2019 CU14 Nov24SUv2'],
  ['15.2.1748.24', true, '2019 CU15 Apr25HU'],
  ['15.2.1748.10', false, '2019 CU15 without the HU (Microsoft\'s script lets it pass; the build table does not)'],
  ['15.2.1258.12', false, '2019 CU13'],
  ['15.2.2562.17', true, 'SE RTM'],
  ['15.2.986.5', false, '2019 CU6 (the E19 capture)'],
])('%s has the dedicated hybrid app: %s (%s)', (build, expected) => {
  expect(hasDedicatedHybridApp(build)).toBe(expected);
});

test('a named minimum resolves on each server to its own CU', () => {
  expect(resolveMinimum('Apr25HU', '15.2.1748.10')).toBe('15.2.1748.24');
  expect(resolveMinimum('apr25hu', '15.2.1544.4')).toBe('15.2.1544.25');
  expect(resolveMinimum('Apr25HU', '15.1.2507.6')).toBe('15.1.2507.55');
  expect(resolveMinimum('15.02.1748.024', '15.2.1544.4')).toBe('15.2.1748.24');
  expect(resolveMinimum('NoSuchHU', '15.2.1748.10')).toBeUndefined();
  expect(knownBuild('15.2.1748.24')).toEqual({ product: '2019', cu: 'CU15', name: 'Apr25HU', build: '15.2.1748.24' });
});
