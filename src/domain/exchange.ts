/**
 * Exchange facts the engine rests on (docs/exchange-facts.md has their sources and confidence marks).
 */

/** The Graph partner application. */
export const GRAPH_APPLICATION_IDENTIFIER = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_ONLINE_APPLICATION_IDENTIFIER = '00000002-0000-0ff1-ce00-000000000000';

/** The appSetting that lists the OAuth profiles a vdir accepts; separator `|` [H]. */
export const PROFILES_KEY = 'OAuthHttpModule.Profiles';
export const DEFAULT_SEPARATOR = '|';

/**
 * Profile names Exchange recognises [H/M]. Exchange keeps a token only on an exact, case-sensitive
 * match and silently drops anything else [M], so the spec loader rejects unknown names (a spec can
 * opt out per name with `allowUnknown`). V1S2SAppOnly is spelled as in the community write-ups of
 * the app-only fix [?].
 */
export const KNOWN_PROFILES: readonly string[] = [
  'S2SAppActAs',
  'S2SAppOnly',
  'Callback',
  'CallbackV2',
  'V1AppActAs',
  'V1AppOnly',
  'V1S2SActAs',
  'V1S2SAppOnly',
  'V1IdToken',
  'V1ExchangeSelfIssuedActAs',
  'V1ExchangeSelfIssuedSessionActAs',
  'V1Callback',
  'StiAppOnly',
];

/** Default value of OAuthHttpModule.Profiles on the front-end REST vdir of 2016 and 2019 [H]. */
export const DEFAULT_REST_PROFILES = 'S2SAppActAs|S2SAppOnly|V1AppActAs|V1AppOnly|Callback|V1S2SActAs|CallbackV2';

/** The file the fix changes, relative to ExchangeInstallPath [H]. */
export const REST_FRONTEND_WEB_CONFIG = 'FrontEnd/HttpProxy/rest/web.config';

/** App pool serving /api on the front end [M]. */
export const REST_FRONTEND_APP_POOL = 'MSExchangeRestFrontEndAppPool';
