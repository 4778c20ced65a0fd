/**
 * The labels of the editors' controls, in one place: the components render them and the tests (jest and
 * browser/run.mjs) find the controls by them, so a renamed label cannot leave a test looking for the old one.
 */

/** ConfigEditor field labels. */
export const CONFIG = {
  preset: 'Preset',
  url: 'API base URL',
  /** The accessible name plugin-ui's ConnectionSettings gives the URL input (its aria-label wins over the label). */
  urlInput: 'Data source connection URL',
  healthCheckPath: 'Health check path',
  // Authentication
  grantType: 'Grant type',
  issuerUrl: 'Issuer URL',
  authUrl: 'Authorization URL',
  tokenUrl: 'Token URL',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  scopes: 'Scopes',
  audience: 'Audience',
  resource: 'Resource',
  clientAuth: 'Client authentication',
  privateKey: 'Private key',
  jwtAlg: 'Signing algorithm',
  jwtKeyId: 'Key ID',
  jwtAudience: 'Assertion audience',
  jwtIssuer: 'Assertion issuer',
  jwtSubject: 'Assertion subject',
  keySource: 'Key source',
  serviceAccountKey: 'Service account key',
  redirectUrl: 'Redirect URL override',
  issuer: 'Issuer',
  usePkce: 'Use PKCE',
  refreshToken: 'Initial refresh token',
  // Token request
  tokenRequestEncoding: 'Request encoding',
  omitGrantType: 'Omit grant type',
  clientIdParam: 'Client ID parameter',
  clientSecretParam: 'Client secret parameter',
  // Token reply
  tokenLocation: 'Token location',
  tokenResponseHeader: 'Token response header',
  tokenPath: 'Token path',
  expiresInPath: 'Expires in path',
  expiresAtPath: 'Expires at path',
  issuedAtPath: 'Issued at path',
  refreshTokenPath: 'Refresh token path',
  successPath: 'Success path',
  successValue: 'Success value',
  defaultTokenLifetime: 'Default token lifetime',
  // Token placement
  tokenPlacement: 'Send the token in',
  tokenQueryParam: 'Token query parameter',
  tokenHeaderName: 'Token header name',
  tokenHeaderTemplate: 'Token header template',
  sendClientIdHeader: 'Send client ID header',
  clientIdHeaderName: 'Client ID header name',
  // User identity and DPoP
  oauthPassThru: 'Forward user OAuth token',
  tokenExchange: 'Exchange the user token',
  tokenExchangeAudience: 'Exchange audience',
  dpop: 'DPoP-bound tokens',
  dpopPrivateKey: 'DPoP private key',
  // Request policy and limits
  allowPost: 'Allow POST',
  postPathPatterns: 'POST path patterns',
  jqTimeout: 'jq timeout',
  queryMemoryMiB: 'Query memory (MiB)',
  maxRows: 'Max rows',
  maxCells: 'Max cells',
  maxColumns: 'Max columns',
  maxColumnNameLength: 'Max column name length',
  // High availability
  sharedStore: 'Shared token store',
  redisAddress: 'Redis address',
  redisUsername: 'Redis username',
  redisPassword: 'Redis password',
  redisDb: 'Redis database',
  redisTls: 'Redis TLS',
  redisKeyPrefix: 'Redis key prefix',
  // TLS and timeouts
  tlsSkipVerify: 'Skip TLS verification',
  tlsAuthWithCACert: 'With CA certificate',
  tlsCACert: 'CA certificate',
  tlsAuth: 'TLS client authentication',
  tlsClientCert: 'Client certificate',
  tlsClientKey: 'Client key',
  serverName: 'TLS server name',
  timeout: 'Timeout',
  tokenTimeout: 'Token timeout',
  maxResponseBytes: 'Max response bytes',
} as const;

/** Titles of the ConfigEditor's sections (collapsible ones have an "Expand section <title>" button). */
export const SECTION = {
  connection: 'Connection',
  authentication: 'Authentication',
  tokenRequest: 'Token request',
  tokenReply: 'Token reply',
  tokenPlacement: 'Token placement',
  identity: 'User identity and DPoP',
  headers: 'Headers',
  policy: 'Request policy',
  limits: 'Limits',
  ha: 'High availability',
  tls: 'TLS and timeouts',
} as const;

/** Nouns of the key/value lists: rows are labelled "<noun> <n> name|value|secure", buttons "Add <noun>". */
export const LIST = {
  headers: 'Header',
  tokenParams: 'Parameter',
  tokenHeaders: 'Token header',
  authParams: 'Authorization parameter',
  queryParams: 'Parameter',
  queryHeaders: 'Header',
} as const;

/** Labels of one row of a key/value list, and of its buttons. */
export const listRow = (noun: string, n: number) => ({
  name: `${noun} ${n} name`,
  value: `${noun} ${n} value`,
  secure: `${noun} ${n} secure`,
  remove: `Remove ${noun.toLowerCase()} ${n}`,
});
export const addButton = (noun: string) => `Add ${noun.toLowerCase()}`;

/** QueryEditor field labels. */
export const QUERY = {
  method: 'Method',
  path: 'Path',
  body: 'Body',
  jq: 'jq',
  rootSelector: 'Root selector',
  format: 'Format',
  variableTextSelector: 'Text selector',
  variableValueSelector: 'Value selector',
  pagination: 'Pagination',
  maxPages: 'Max pages',
  offsetParam: 'Offset parameter',
  limitParam: 'Limit parameter',
  pageParam: 'Page parameter',
  startPage: 'Start page',
  pageSizeParam: 'Page size parameter',
  pageSize: 'Page size',
  cursorPath: 'Cursor path',
  cursorParam: 'Cursor parameter',
  nextLinkPath: 'Next link path',
  addColumn: 'Add column',
  runQuery: 'Run query',
} as const;

/** Labels of the controls of column n of the QueryEditor. */
export const columnRow = (n: number) => ({
  selector: `Column ${n} selector`,
  name: `Column ${n} name`,
  type: `Column ${n} type`,
  timeFormat: `Column ${n} time format`,
  remove: `Remove column ${n}`,
});
