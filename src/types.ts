import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/*
 * Query model
 */

export type HttpMethod = 'GET' | 'POST';

export type ColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'time' | 'json';

export type QueryFormat = 'table' | 'timeseries';

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
  /** Layout of time values (for type `time`), e.g. `2006-01-02` or `unix`, `unixms`, `rfc3339`. */
  timeFormat?: string;
}

export interface MyQuery extends DataQuery {
  method: HttpMethod;
  /** Path relative to the data source URL, e.g. `/items`. */
  path: string;
  params: KeyValue[];
  headers: KeyValue[];
  body?: string;
  /** Where the rows are in the reply: RFC 9535 JSONPath (`$.items`) or dotted (`data.items`). */
  rootSelector?: string;
  columns?: ColumnDefinition[];
  format?: QueryFormat;
}

export const DEFAULT_QUERY: Partial<MyQuery> = {
  method: 'GET',
  path: '',
  params: [],
  headers: [],
  format: 'table',
};

/*
 * Data source configuration (see docs/configuration.md)
 */

export type ClientAuth = 'body' | 'basic';
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

/**
 * These are options configured for each DataSource instance (non-secret settings only).
 */
export interface MyDataSourceOptions extends DataSourceJsonData {
  grantType?: string;
  tokenUrl?: string;
  scopes?: string;
  audience?: string;
  resource?: string;
  clientAuth?: ClientAuth;
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

  tokenHeaderName?: string;
  tokenHeaderTemplate?: string;
  sendClientIdHeader?: boolean;
  clientIdHeaderName?: string;

  headers?: ConfigKeyValue[];

  healthCheckPath?: string;
  timeout?: string;
  tokenTimeout?: string;
  maxResponseBytes?: number;
}

/**
 * Secret values: sent to the backend only, never returned to the browser.
 * Secure headers and parameters use the dynamic keys `header.<Name>`, `tokenParam.<name>`
 * and `tokenHeader.<Name>`.
 */
export interface MySecureJsonData {
  clientId?: string;
  clientSecret?: string;
  [key: string]: string | undefined;
}

/** Defaults from docs/configuration.md, shown as placeholders in the editor. */
export const CONFIG_DEFAULTS = {
  grantType: 'client_credentials',
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
  timeout: '30s',
  tokenTimeout: '15s',
  maxResponseBytes: 16777216,
};

/** secureJsonData key prefixes for secure list entries. */
export const SECURE_PREFIX = {
  headers: 'header.',
  tokenParams: 'tokenParam.',
  tokenHeaders: 'tokenHeader.',
} as const;

export type SecureListKey = keyof typeof SECURE_PREFIX;
