import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/*
 * Query model
 */

export type HttpMethod = 'GET' | 'POST';

export type ColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'time' | 'json';

/** `single`: one value for stat panels; `variable`: text/value pairs for dashboard variables. */
export type QueryFormat = 'table' | 'timeseries' | 'single' | 'variable';

export type PaginationMode = 'none' | 'offset' | 'page' | 'cursor' | 'nextLink';

/** How to fetch the pages of a reply (see docs/queries.md). Rows of all pages are concatenated. */
export interface Pagination {
  mode: PaginationMode;
  /** Page cap (default 10); a notice says when it cut the results. */
  maxPages?: number;
  /** offset and page modes: rows per page (a shorter page is the last). */
  pageSize?: number;
  /** Parameter carrying the page size (offset mode default `limit`; page mode sends it only when set). */
  limitParam?: string;
  /** offset mode: offset parameter (default `offset`). */
  offsetParam?: string;
  /** page mode: page number parameter (default `page`). */
  pageParam?: string;
  /** page mode: first page number (default 1). */
  startPage?: number;
  /** cursor mode: where the next cursor is in the reply, e.g. `meta.next_cursor`. */
  cursorPath?: string;
  /** cursor mode: parameter carrying the cursor (default `cursor`). */
  cursorParam?: string;
  /** nextLink mode: where the next URL is in the reply; empty = the Link header (rel="next"). */
  nextLinkPath?: string;
}

export const PAGINATION_DEFAULTS = {
  maxPages: 10,
  pageSize: 100,
  limitParam: 'limit',
  offsetParam: 'offset',
  pageParam: 'page',
  startPage: 1,
  cursorParam: 'cursor',
};

export interface KeyValue {
  name: string;
  value: string;
}

export interface ColumnDefinition {
  /** Path of the value inside one row: dotted (`user.name`) or RFC 9535 JSONPath (`$.user.name`). */
  selector: string;
  /** Field name in the resulting frame (defaults to the selector). */
  name?: string;
  type?: ColumnType;
  /** Time values (for type `time`): empty = auto, `rfc3339`, `epoch_s`, `epoch_ms`, or a Go layout such as `2006-01-02`. */
  timeFormat?: string;
}

/** One query of a panel, an alert rule or a variable. */
export interface RestQuery extends DataQuery {
  method: HttpMethod;
  /** Path relative to the data source URL, e.g. `/items`. */
  path: string;
  params: KeyValue[];
  headers: KeyValue[];
  body?: string;
  /** jq program (gojq) that reshapes the reply before the root selector and columns. */
  jq?: string;
  /** Where the rows are in the reply: RFC 9535 JSONPath (`$.items`) or dotted (`data.items`). */
  rootSelector?: string;
  columns?: ColumnDefinition[];
  format?: QueryFormat;
  pagination?: Pagination;
  /** format `variable`: selector (in a row) of each option's text; default: the first string column. */
  variableTextSelector?: string;
  /** format `variable`: selector (in a row) of each option's value; default: the first string or number column. */
  variableValueSelector?: string;
}

export const DEFAULT_QUERY: Partial<RestQuery> = {
  method: 'GET',
  path: '',
  params: [],
  headers: [],
  format: 'table',
};

/*
 * Data source configuration (see docs/configuration.md)
 */

export type GrantType = 'client_credentials' | 'authorization_code' | 'jwt_bearer';
/** How the client authenticates at the token endpoint (issue 16: RFC 7523 §2.2, RFC 8705). */
/** `none` only with the JWT bearer grant, where the assertion is the credential. */
export type ClientAuth = 'body' | 'basic' | 'private_key_jwt' | 'client_secret_jwt' | 'tls_client_auth' | 'none';
export type JwtAlg = 'RS256' | 'PS256' | 'ES256';
/** Where the access token goes on API requests. */
export type TokenPlacement = 'header' | 'query';
export type TokenRequestEncoding = 'form' | 'json';
export type TokenLocation = 'body' | 'header';

/**
 * A header or parameter. When `secure` is true the value is not stored here but in
 * secureJsonData (`header.<Name>`, `tokenParam.<name>` or `tokenHeader.<Name>`).
 */
export interface ConfigKeyValue {
  name: string;
  value?: string;
  secure?: boolean;
}

/** The data source's settings (non-secret only; secrets are in RestSecureJsonData). */
export interface RestDataSourceOptions extends DataSourceJsonData {
  grantType?: GrantType;
  /** OIDC Discovery / RFC 8414 issuer: fills the token and authorization URLs left empty. */
  issuerUrl?: string;
  /** Authorization code grant (grantType `authorization_code`). */
  authUrl?: string;
  redirectUrl?: string;
  issuer?: string;
  usePkce?: boolean;
  authParams?: ConfigKeyValue[];
  tokenUrl?: string;
  scopes?: string;
  audience?: string;
  resource?: string;
  clientAuth?: ClientAuth;
  /** Client assertions (private_key_jwt, client_secret_jwt) and the JWT bearer grant. */
  jwtAlg?: JwtAlg;
  jwtKeyId?: string;
  jwtAudience?: string;
  jwtIssuer?: string;
  jwtSubject?: string;
  tokenRequestEncoding?: TokenRequestEncoding;
  clientIdParam?: string;
  clientSecretParam?: string;
  omitGrantType?: boolean;
  tokenParams?: ConfigKeyValue[];
  tokenHeaders?: ConfigKeyValue[];

  tokenLocation?: TokenLocation;
  tokenPath?: string;
  tokenResponseHeader?: string;
  expiresInPath?: string;
  expiresAtPath?: string;
  issuedAtPath?: string;
  refreshTokenPath?: string;
  successPath?: string;
  successValue?: string;
  defaultTokenLifetime?: string;

  tokenPlacement?: TokenPlacement;
  tokenQueryParam?: string;
  tokenHeaderName?: string;
  tokenHeaderTemplate?: string;
  sendClientIdHeader?: boolean;
  clientIdHeaderName?: string;

  headers?: ConfigKeyValue[];

  healthCheckPath?: string;

  /** Request policy (issue 14): methods queries and the proxy route may use; POST limited to these paths. */
  allowedMethods?: HttpMethod[];
  postPathPatterns?: string[];
  /** Budgets of one query. */
  jqTimeout?: string;
  queryMemoryMiB?: number;
  maxRows?: number;
  maxCells?: number;
  maxColumns?: number;
  maxColumnNameLength?: number;

  /** User identity (issue 17): Grafana forwards the signed-in user's OAuth token (Grafana's own key). */
  oauthPassThru?: boolean;
  /** RFC 8693: exchange the user's token first, for a token for this audience. */
  tokenExchange?: boolean;
  tokenExchangeAudience?: string;
  /** RFC 9449: DPoP-bound tokens. */
  dpop?: boolean;

  /** Grafana's standard TLS keys (read by the backend through the SDK's HTTPClientOptions). */
  tlsSkipVerify?: boolean;
  tlsAuthWithCACert?: boolean;
  tlsAuth?: boolean;
  serverName?: string;

  timeout?: string;
  tokenTimeout?: string;
  maxResponseBytes?: number;

  /** Shared token store for Grafana HA (docs/ha.md). */
  sharedStore?: string;
  redisAddress?: string;
  redisUsername?: string;
  redisDb?: number;
  redisTls?: boolean;
  redisKeyPrefix?: string;
}

/**
 * Secret values: sent to the backend only, never returned to the browser.
 * Secure headers and parameters use the dynamic keys `header.<Name>`, `tokenParam.<name>`
 * and `tokenHeader.<Name>`.
 */
export interface RestSecureJsonData {
  clientId?: string;
  clientSecret?: string;
  /** PEM CA certificate (with jsonData.tlsAuthWithCACert). */
  tlsCACert?: string;
  /** PEM client certificate and key (with jsonData.tlsAuth). */
  tlsClientCert?: string;
  tlsClientKey?: string;
  /** A refresh token to start from (authorization code grant, e.g. provisioned). */
  refreshToken?: string;
  /** The newest refresh token, sealed by the backend; written by the Connect section on Save. */
  sealedRefreshToken?: string;
  /** Password of the shared token store (Redis), with jsonData.sharedStore `redis`. */
  redisPassword?: string;
  /** PEM private key (RSA or EC) for private_key_jwt and the JWT bearer grant. */
  privateKey?: string;
  /** A Google service-account JSON key, pasted whole (JWT bearer grant). */
  serviceAccountKey?: string;
  /** Optional EC P-256 PEM key for DPoP proofs (else one is generated per instance). */
  dpopPrivateKey?: string;
  [key: string]: string | undefined;
}

/** Defaults from docs/configuration.md, shown as placeholders in the editor. */
export const CONFIG_DEFAULTS = {
  grantType: 'client_credentials' as GrantType,
  clientAuth: 'body' as ClientAuth,
  tokenRequestEncoding: 'form' as TokenRequestEncoding,
  clientIdParam: 'client_id',
  clientSecretParam: 'client_secret',
  tokenLocation: 'body' as TokenLocation,
  tokenPath: 'access_token',
  expiresInPath: 'expires_in',
  refreshTokenPath: 'refresh_token',
  defaultTokenLifetime: '1h',
  tokenHeaderName: 'Authorization',
  tokenHeaderTemplate: 'Bearer {{token}}',
  clientIdHeaderName: 'X-Client-ID',
  tokenPlacement: 'header' as TokenPlacement,
  tokenQueryParam: 'access_token',
  jwtAlg: 'RS256' as JwtAlg,
  allowedMethods: ['GET'] as HttpMethod[],
  jqTimeout: '10s',
  queryMemoryMiB: 256,
  timeout: '30s',
  tokenTimeout: '15s',
  maxResponseBytes: 16777216,
};

/** secureJsonData key prefixes for secure list entries. */
export const SECURE_PREFIX = {
  headers: 'header.',
  tokenParams: 'tokenParam.',
  tokenHeaders: 'tokenHeader.',
  authParams: 'authParam.',
} as const;

export type SecureListKey = keyof typeof SECURE_PREFIX;
