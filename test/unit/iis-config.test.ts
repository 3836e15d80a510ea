/** applicationHost.config as hybridcfg reads it: only its pools and sites, the same as the whole file says. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applicationHostSections, parseApplicationHost } from '../../src/targets/iis';

const CAPTURE = readFileSync(join(__dirname, '..', '..', 'fixtures', 'exchange', 'E19', 'IIS', 'applicationHost.config'), 'utf8');
// `<system.applicationHost >` is the same element to XML, but not the plain tag the section reader looks for.
const whole = (text: string) => parseApplicationHost(text.replace('<system.applicationHost>', '<system.applicationHost >'));

test('the captured server: the two sections give exactly what the whole file gives', () => {
  expect(applicationHostSections(CAPTURE)).toBeDefined();
  expect(applicationHostSections(CAPTURE)!.length).toBeLessThan(CAPTURE.length / 2);
  const full = whole(CAPTURE);
  expect(full.pools).toContain('MSExchangeRestFrontEndAppPool');
  expect(parseApplicationHost(CAPTURE)).toEqual(full);
});

test('a section named in a comment, or a file without the sections, still reads right', () => {
  const commented = CAPTURE.replace('<system.applicationHost>', '<system.applicationHost>\n<!-- <sites></sites> <applicationPools></applicationPools> -->');
  expect(parseApplicationHost(commented)).toEqual(whole(CAPTURE));
  expect(applicationHostSections('<configuration><system.applicationHost><sites/></system.applicationHost></configuration>')).toBeUndefined();
  expect(parseApplicationHost('<configuration><system.applicationHost><sites/></system.applicationHost></configuration>')).toEqual({ applications: [], pools: [] });
});
