/**
 * The web.config files a lab server gets, and which real capture each is made from.
 * Physical paths are relative to ExchangeInstallPath, as IIS maps the vdirs on Exchange 2016/2019 [H]
 * (microsoft/CSS-Exchange HealthChecker's table of correct vdir locations: `Default Web Site/API` =
 * `FrontEnd\HttpProxy\Rest`, `Exchange Back End/API` = `ClientAccess\rest`, ...). Windows paths are
 * case-insensitive; the lab spells them as the spec is expected to.
 */
export interface LabVdir {
  /** IIS name of the vdir, for people. */
  readonly iis: string;
  /** Relative to the server folder, with `/`. */
  readonly file: string;
  /** Relative to fixtures/exchange/. */
  readonly capture: string;
  /** The Exchange 2016 capture of the same file, for 15.1 servers, where one exists (fixtures/exchange/E16). */
  readonly capture2016?: string;
}

export const LAB_VDIRS: readonly LabVdir[] = [
  { iis: 'Default Web Site/API', file: 'FrontEnd/HttpProxy/rest/web.config', capture: 'E19/IIS/DefaultWebSite-Rest_web.config' },
  { iis: 'Default Web Site/EWS', file: 'FrontEnd/HttpProxy/ews/web.config', capture: 'E19/IIS/DefaultWebSite-EWS_web.config', capture2016: 'E16/IIS/DefaultWebSite-EWS_web.config' },
  { iis: 'Default Web Site/Autodiscover', file: 'FrontEnd/HttpProxy/autodiscover/web.config', capture: 'E19/IIS/DefaultWebSite-AutoD_web.config' },
  { iis: 'Default Web Site/mapi', file: 'FrontEnd/HttpProxy/mapi/web.config', capture: 'E19/IIS/DefaultWebSite-MAPI_web.config' },
  { iis: 'Default Web Site/OAB', file: 'FrontEnd/HttpProxy/oab/web.config', capture: 'E19/IIS/DefaultWebSite-OAB_web.config' },
  // Only the 2016 capture has the ActiveSync file; it carries Set-AppConfigValue's comment (fixtures/README.md).
  { iis: 'Default Web Site/Microsoft-Server-ActiveSync', file: 'FrontEnd/HttpProxy/sync/web.config', capture: 'E16/IIS/DefaultWebSite-EAS_web.config' },
  { iis: 'Exchange Back End/ecp', file: 'ClientAccess/ecp/web.config', capture: 'E19/IIS/ExchangeBackEnd-ECP_web.config' },
  { iis: 'Exchange Back End/API', file: 'ClientAccess/rest/web.config', capture: 'E19/IIS/ExchangeBackEnd-Rest_web.config' },
];
