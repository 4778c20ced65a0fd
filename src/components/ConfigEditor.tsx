import React from 'react';
import { css } from '@emotion/css';
import { DataSourcePluginOptionsEditorProps, GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import {
  Box,
  Divider,
  InlineField,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  SecretInput,
  SecretTextArea,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';

import {
  CONFIG_DEFAULTS,
  ClientAuth,
  MyDataSourceOptions,
  MySecureJsonData,
  TokenLocation,
  TokenRequestEncoding,
} from '../types';
import { KeyValueListEditor } from './KeyValueListEditor';
import { resetSecureValue, setJsonValue, setSecureValue } from './configHelpers';
import { PRESETS, PresetId, applyPreset, hasPlaceholder, matchPreset } from './presets';
import { OAuthConnect } from './OAuthConnect';

export interface Props extends DataSourcePluginOptionsEditorProps<MyDataSourceOptions, MySecureJsonData> {}

const LABEL_WIDTH = 28;
const INPUT_WIDTH = 48;
const SHORT_WIDTH = 16;

type StringKey = {
  [K in keyof MyDataSourceOptions]-?: MyDataSourceOptions[K] extends string | undefined ? K : never;
}[keyof MyDataSourceOptions];

type BoolKey = {
  [K in keyof MyDataSourceOptions]-?: MyDataSourceOptions[K] extends boolean | undefined ? K : never;
}[keyof MyDataSourceOptions];

type SecretKey =
  'clientId' | 'clientSecret' | 'refreshToken' | 'redisPassword' | 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey';

type GrantType = 'client_credentials' | 'authorization_code';

const GRANT_OPTIONS: Array<{ label: string; value: GrantType; description: string }> = [
  { label: 'Client credentials', value: 'client_credentials', description: 'Machine-to-machine: no user signs in' },
  {
    label: 'Authorization code',
    value: 'authorization_code',
    description: 'On behalf of a user: an admin clicks Connect once',
  },
];

const SHARED_STORE_OPTIONS: Array<{ label: string; value: string }> = [
  { label: 'None', value: '' },
  { label: 'Redis', value: 'redis' },
];

const CLIENT_AUTH_OPTIONS: Array<{ label: string; value: ClientAuth; description: string }> = [
  { label: 'In request body', value: 'body', description: 'Client id and secret sent as request parameters' },
  { label: 'HTTP Basic', value: 'basic', description: 'Client id and secret sent as an Authorization: Basic header' },
];

const ENCODING_OPTIONS: Array<{ label: string; value: TokenRequestEncoding }> = [
  { label: 'Form', value: 'form' },
  { label: 'JSON', value: 'json' },
];

const TOKEN_LOCATION_OPTIONS: Array<{ label: string; value: TokenLocation }> = [
  { label: 'Body', value: 'body' },
  { label: 'Header', value: 'header' },
];

const PRESET_OPTIONS = PRESETS.map((p) => ({ label: p.label, value: p.id }));

/** Keys shown in each collapsible section: a section starts open when one of them is set. */
const SECTION_KEYS = {
  tokenRequest: [
    'tokenRequestEncoding',
    'omitGrantType',
    'clientIdParam',
    'clientSecretParam',
    'tokenParams',
    'tokenHeaders',
  ],
  tokenReply: [
    'tokenLocation',
    'tokenPath',
    'tokenResponseHeader',
    'expiresInPath',
    'expiresAtPath',
    'issuedAtPath',
    'refreshTokenPath',
    'successPath',
    'successValue',
    'defaultTokenLifetime',
  ],
  headers: ['headers'],
  ha: ['sharedStore'],
  tls: ['tlsSkipVerify', 'tlsAuthWithCACert', 'tlsAuth', 'serverName', 'timeout', 'tokenTimeout', 'maxResponseBytes'],
} satisfies Record<string, Array<keyof MyDataSourceOptions>>;

function isSet(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return value !== undefined && value !== '' && value !== false;
}

/** Tooltip text: what the field does, then an example. */
function Tip({ text, example }: { text: string; example?: string }): React.JSX.Element {
  return (
    <>
      {text}
      {example !== undefined && (
        <>
          <br />
          Example: <code>{example}</code>
        </>
      )}
    </>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  textArea: css({ width: theme.spacing(INPUT_WIDTH) }),
  preset: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    background: theme.colors.background.secondary,
  }),
  code: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});

export function ConfigEditor(props: Props) {
  const { onOptionsChange, options } = props;
  const { jsonData, secureJsonFields, secureJsonData } = options;
  const styles = useStyles2(getStyles);

  const onJson = <K extends keyof MyDataSourceOptions>(key: K, value: MyDataSourceOptions[K] | undefined) =>
    onOptionsChange(setJsonValue(options, key, value));

  // Sections start open when they hold a setting (evaluated once, when the page opens).
  const [initiallyOpen] = React.useState(() => {
    const open = (keys: Array<keyof MyDataSourceOptions>) => keys.some((k) => isSet(jsonData[k]));
    return {
      tokenRequest: open(SECTION_KEYS.tokenRequest),
      tokenReply: open(SECTION_KEYS.tokenReply),
      headers: open(SECTION_KEYS.headers),
      tls: open(SECTION_KEYS.tls),
      ha: open(SECTION_KEYS.ha),
    };
  });

  /** A labelled row with a tooltip (`htmlFor` links the label to the control for screen readers and tests). */
  const row = (
    label: string,
    tip: React.JSX.Element,
    control: React.ReactElement,
    htmlFor?: string,
    error?: string
  ) => (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      tooltip={tip}
      interactive
      htmlFor={htmlFor}
      invalid={!!error}
      error={error}
    >
      {control}
    </InlineField>
  );

  /** A text input bound to one string jsonData key. */
  const textField = (
    key: StringKey,
    label: string,
    tip: React.JSX.Element,
    placeholder?: string,
    extra?: { width?: number; required?: boolean; error?: string }
  ) => {
    const id = `config-${key}`;
    return row(
      label,
      tip,
      <Input
        id={id}
        value={(jsonData[key] as string | undefined) ?? ''}
        placeholder={placeholder}
        width={extra?.width ?? INPUT_WIDTH}
        required={extra?.required}
        onChange={(e) => onJson(key, e.currentTarget.value)}
      />,
      id,
      extra?.error
    );
  };

  /** A switch bound to one boolean jsonData key (false removes the key). */
  const switchField = (key: BoolKey, label: string, tip: React.JSX.Element) => {
    const id = `config-${key}`;
    return row(
      label,
      tip,
      <InlineSwitch
        id={id}
        value={!!jsonData[key]}
        onChange={(e) => onJson(key, e.currentTarget.checked || undefined)}
      />,
      id
    );
  };

  /** A secret: only ever written to secureJsonData; a stored value shows as "configured" with a Reset button. */
  const secretField = (
    key: SecretKey,
    label: string,
    tip: React.JSX.Element,
    placeholder: string,
    multiline = false
  ) => {
    const id = `config-${key}`;
    const common = {
      id,
      isConfigured: !!secureJsonFields?.[key],
      value: secureJsonData?.[key] ?? '',
      placeholder,
      onReset: () => onOptionsChange(resetSecureValue(options, key)),
    };
    return row(
      label,
      tip,
      multiline ? (
        <SecretTextArea
          {...common}
          className={styles.textArea}
          rows={4}
          onChange={(e) => onOptionsChange(setSecureValue(options, key, e.currentTarget.value))}
        />
      ) : (
        <SecretInput
          {...common}
          width={INPUT_WIDTH}
          onChange={(e) => onOptionsChange(setSecureValue(options, key, e.currentTarget.value))}
        />
      ),
      id
    );
  };

  const clientAuth = jsonData.clientAuth ?? CONFIG_DEFAULTS.clientAuth;
  const grantType = (jsonData.grantType || CONFIG_DEFAULTS.grantType) as GrantType;
  const authCode = grantType === 'authorization_code';
  const tokenLocation = jsonData.tokenLocation ?? CONFIG_DEFAULTS.tokenLocation;
  const presetId = matchPreset(jsonData);
  const preset = PRESETS.find((p) => p.id === presetId);
  const tokenHeaderName = jsonData.tokenHeaderName || CONFIG_DEFAULTS.tokenHeaderName;
  const tokenHeaderValue = (jsonData.tokenHeaderTemplate || CONFIG_DEFAULTS.tokenHeaderTemplate).replace(
    '{{token}}',
    '<token>'
  );

  return (
    <Stack direction="column" gap={2}>
      <Text element="p" color="secondary">
        Queries a REST/JSON API with an OAuth2 access token. The token is requested with the client credentials below,
        cached until it expires, and sent on every request to the API base URL. Client id, client secret, certificates
        and secure headers are encrypted by Grafana and never sent back to the browser.
      </Text>

      <div className={styles.preset}>
        <Stack direction="column" gap={1}>
          <InlineField
            label="Preset"
            labelWidth={LABEL_WIDTH}
            interactive
            tooltip={
              <Tip
                text="Fills the token reply and token placement fields for a known kind of server (and a token URL template where the provider has one). Secrets, the API URL, scopes and headers are not changed."
                example="Custom {token} API"
              />
            }
          >
            <RadioButtonGroup<PresetId>
              aria-label="Preset"
              options={PRESET_OPTIONS}
              value={presetId}
              onChange={(id) => onOptionsChange(applyPreset(options, id))}
            />
          </InlineField>
          <Text variant="bodySmall" color="secondary">
            {preset
              ? preset.description
              : 'The current token reply and placement settings match no preset: pick one to start over from it.'}
          </Text>
        </Stack>
      </div>

      <ConfigSection title="Connection" description="The API that queries are sent to.">
        {row(
          'API base URL',
          <Tip
            text="Every query path is resolved under this URL; the token is never sent anywhere else."
            example="https://api.example.com/v1"
          />,
          <Input
            id="config-url"
            value={options.url ?? ''}
            placeholder="https://api.example.com/v1"
            width={INPUT_WIDTH}
            required
            onChange={(e) => onOptionsChange({ ...options, url: e.currentTarget.value })}
          />,
          'config-url'
        )}
        {textField(
          'healthCheckPath',
          'Health check path',
          <Tip
            text="Path (relative to the API base URL) that Save & test calls with the token; empty = only the token is checked."
            example="/me"
          />,
          'optional'
        )}
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection title="Authentication" description="OAuth2 grant: where and how to get a token.">
        {row(
          'Grant type',
          <Tip
            text="Client credentials: the plugin gets tokens with the client id and secret alone. Authorization code: an admin signs in at the provider once (Connect); the plugin then refreshes the token itself."
            example="Authorization code for APIs that act on behalf of a user"
          />,
          <RadioButtonGroup<GrantType>
            aria-label="Grant type"
            options={GRANT_OPTIONS}
            value={grantType}
            onChange={(v) => onJson('grantType', v === CONFIG_DEFAULTS.grantType ? undefined : v)}
          />
        )}
        {authCode &&
          textField(
            'authUrl',
            'Authorization URL',
            <Tip
              text="The provider's authorization endpoint, where the admin signs in."
              example="https://auth.example.com/oauth2/authorize"
            />,
            'https://auth.example.com/oauth2/authorize',
            { required: true }
          )}
        {textField(
          'tokenUrl',
          'Token URL',
          <Tip
            text="Token endpoint (http or https) the client credentials are posted to."
            example="https://auth.example.com/oauth2/token"
          />,
          'https://auth.example.com/oauth2/token',
          {
            required: true,
            error: hasPlaceholder(jsonData.tokenUrl)
              ? 'Replace the <placeholder> in the URL with your own value'
              : undefined,
          }
        )}
        {secretField(
          'clientId',
          'Client ID',
          <Tip text="OAuth2 client id (application id). Stored encrypted." example="3f2b9c1e-grafana" />,
          'Client ID'
        )}
        {secretField(
          'clientSecret',
          'Client secret',
          <Tip
            text="OAuth2 client secret. Stored encrypted and never shown again."
            example="s3cr3t-from-your-provider"
          />,
          'Client secret'
        )}
        {textField(
          'scopes',
          'Scopes',
          <Tip
            text="Space-separated scopes sent as the scope parameter (commas also accepted)."
            example="read:items write:items"
          />,
          'optional'
        )}
        {textField(
          'audience',
          'Audience',
          <Tip text="Sent as the audience parameter when set (Auth0 and others)." example="https://api.example.com" />,
          'optional'
        )}
        {textField(
          'resource',
          'Resource',
          <Tip
            text="Sent as the resource parameter (RFC 8707, Azure AD v1) when set."
            example="https://management.azure.com/"
          />,
          'optional'
        )}
        {row(
          'Client authentication',
          <Tip
            text="In request body: client id and secret sent as request parameters. HTTP Basic: sent as an Authorization: Basic header."
            example="HTTP Basic for Keycloak confidential clients"
          />,
          <RadioButtonGroup<ClientAuth>
            aria-label="Client authentication"
            options={CLIENT_AUTH_OPTIONS}
            value={clientAuth}
            onChange={(v) => onJson('clientAuth', v)}
          />
        )}
        {authCode && (
          <>
            {textField(
              'redirectUrl',
              'Redirect URL override',
              <Tip
                text="Callback URL sent to the provider. Leave empty to use the one shown below (derived from Grafana's root_url); set it when a proxy rewrites URLs."
                example="https://grafana.example.com/api/datasources/uid/abc/resources/oauth/callback"
              />,
              'derived from Grafana root_url'
            )}
            {textField(
              'issuer',
              'Issuer',
              <Tip
                text="Expected iss on the callback (RFC 9207). Default: the origin of the authorization URL. When set, a callback without iss is refused."
                example="https://auth.example.com"
              />,
              'origin of the authorization URL'
            )}
            {row(
              'Use PKCE',
              <Tip
                text="Send a PKCE S256 challenge (RFC 7636). Leave on unless the provider rejects it."
                example="on"
              />,
              <InlineSwitch
                id="config-usePkce"
                value={jsonData.usePkce !== false}
                onChange={(e) => onJson('usePkce', e.currentTarget.checked ? undefined : false)}
              />,
              'config-usePkce'
            )}
            {secretField(
              'refreshToken',
              'Initial refresh token',
              <Tip
                text="Optional refresh token obtained elsewhere; used until Connect gives a newer one. Stored encrypted."
                example="1//0gLx…"
              />,
              'optional'
            )}
            <Stack direction="column" gap={1}>
              <Text element="h6">Extra authorization parameters</Text>
              <KeyValueListEditor
                options={options}
                onOptionsChange={onOptionsChange}
                list="authParams"
                noun="Authorization parameter"
                namePlaceholder="prompt"
                valuePlaceholder="consent"
                nameTip={<Tip text="Name of an extra parameter of the authorization request." example="access_type" />}
                valueTip={<Tip text="Its value. Turn on Secure to store it encrypted." example="offline" />}
              />
            </Stack>
            <Box paddingTop={2}>
              <OAuthConnect options={options} onOptionsChange={onOptionsChange} />
            </Box>
          </>
        )}
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection
        title="Token request"
        description="Body encoding, parameter names and extra parameters or headers of the token request."
        isCollapsible
        isInitiallyOpen={initiallyOpen.tokenRequest}
      >
        {row(
          'Request encoding',
          <Tip
            text="Token request body: Form (application/x-www-form-urlencoded, the OAuth2 standard) or JSON."
            example='JSON sends {"grant_type":"client_credentials","client_id":"…"}'
          />,
          <RadioButtonGroup<TokenRequestEncoding>
            aria-label="Request encoding"
            options={ENCODING_OPTIONS}
            value={jsonData.tokenRequestEncoding ?? CONFIG_DEFAULTS.tokenRequestEncoding}
            onChange={(v) => onJson('tokenRequestEncoding', v)}
          />
        )}
        {switchField(
          'omitGrantType',
          'Omit grant type',
          <Tip
            text="Do not send grant_type at all (some custom JSON token endpoints reject unknown keys)."
            example="on for an endpoint that only accepts {clientId, clientSecret}"
          />
        )}
        {clientAuth === 'body' && (
          <>
            {textField(
              'clientIdParam',
              'Client ID parameter',
              <Tip text="Name of the parameter that carries the client id." example="clientId" />,
              CONFIG_DEFAULTS.clientIdParam
            )}
            {textField(
              'clientSecretParam',
              'Client secret parameter',
              <Tip text="Name of the parameter that carries the client secret." example="clientSecret" />,
              CONFIG_DEFAULTS.clientSecretParam
            )}
          </>
        )}
        <Stack direction="column" gap={1}>
          <Text element="h6">Extra token request parameters</Text>
          <KeyValueListEditor
            options={options}
            onOptionsChange={onOptionsChange}
            list="tokenParams"
            noun="Parameter"
            namePlaceholder="tenant"
            valuePlaceholder="acme"
            nameTip={<Tip text="Name of an extra parameter sent in the token request." example="tenant" />}
            valueTip={<Tip text="Its value. Turn on Secure to store it encrypted." example="acme" />}
          />
          <Text element="h6">Extra token request headers</Text>
          <KeyValueListEditor
            options={options}
            onOptionsChange={onOptionsChange}
            list="tokenHeaders"
            noun="Token header"
            namePlaceholder="X-Tenant"
            valuePlaceholder="acme"
            nameTip={<Tip text="Name of an extra header sent with the token request." example="X-Tenant" />}
            valueTip={<Tip text="Its value. Turn on Secure to store it encrypted." example="acme" />}
          />
        </Stack>
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection
        title="Token reply"
        description="Where the token and its lifetime are found in the token endpoint's reply. The presets fill these."
        isCollapsible
        isInitiallyOpen={initiallyOpen.tokenReply}
      >
        {row(
          'Token location',
          <Tip
            text="Body: the token is at the token path of the reply body. Header: the token is in a response header."
            example="Header for OpenStack Keystone (X-Subject-Token)"
          />,
          <RadioButtonGroup<TokenLocation>
            aria-label="Token location"
            options={TOKEN_LOCATION_OPTIONS}
            value={tokenLocation}
            onChange={(v) => onJson('tokenLocation', v)}
          />
        )}
        {tokenLocation === 'header'
          ? textField(
              'tokenResponseHeader',
              'Token response header',
              <Tip text="Response header that holds the token." example="X-Subject-Token" />,
              'X-Subject-Token'
            )
          : textField(
              'tokenPath',
              'Token path',
              <Tip
                text="Path of the token in the reply body: dotted (items.0.token) or RFC 9535 JSONPath."
                example="$.data.accessToken"
              />,
              CONFIG_DEFAULTS.tokenPath
            )}
        {textField(
          'expiresInPath',
          'Expires in path',
          <Tip text="Path of the lifetime in seconds (number or numeric string)." example="data.expiresIn" />,
          CONFIG_DEFAULTS.expiresInPath
        )}
        {textField(
          'expiresAtPath',
          'Expires at path',
          <Tip
            text="Path of an absolute expiry: epoch seconds, epoch milliseconds or RFC 3339. Wins over expires in."
            example="expires_on"
          />,
          'optional'
        )}
        {textField(
          'issuedAtPath',
          'Issued at path',
          <Tip
            text="Path of the issue time (epoch s/ms or RFC 3339); the lifetime counts from it."
            example="issued_at"
          />,
          'optional'
        )}
        {textField(
          'refreshTokenPath',
          'Refresh token path',
          <Tip text="Path of a refresh token in the reply, if the server sends one." example="data.refreshToken" />,
          CONFIG_DEFAULTS.refreshTokenPath
        )}
        {textField(
          'successPath',
          'Success path',
          <Tip
            text="Path of a field that says whether the token request succeeded (for endpoints that answer 200 with an error body)."
            example="status.code"
          />,
          'optional'
        )}
        {textField(
          'successValue',
          'Success value',
          <Tip text="Value at the success path that means success (compared as text)." example="0" />,
          'true'
        )}
        {textField(
          'defaultTokenLifetime',
          'Default token lifetime',
          <Tip text="Lifetime assumed when the reply gives no expiry (Go duration)." example="30m" />,
          CONFIG_DEFAULTS.defaultTokenLifetime,
          { width: SHORT_WIDTH }
        )}
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection title="Token placement" description="How the token is sent on API requests.">
        {textField(
          'tokenHeaderName',
          'Token header name',
          <Tip text="Header that carries the token on API requests." example="X-Token" />,
          CONFIG_DEFAULTS.tokenHeaderName
        )}
        {textField(
          'tokenHeaderTemplate',
          'Token header template',
          <Tip
            text="Value of that header; {{token}} is replaced by the token. Use {{token}} alone for a bare token."
            example="Token {{token}}"
          />,
          CONFIG_DEFAULTS.tokenHeaderTemplate
        )}
        {switchField(
          'sendClientIdHeader',
          'Send client ID header',
          <Tip text="Also send the client id in a header on every API request." example="on for IBM API Connect" />
        )}
        {jsonData.sendClientIdHeader &&
          textField(
            'clientIdHeaderName',
            'Client ID header name',
            <Tip text="Header name used for the client id." example="X-IBM-Client-Id" />,
            CONFIG_DEFAULTS.clientIdHeaderName
          )}
        <Box paddingTop={0.5}>
          <Text variant="bodySmall" color="secondary">
            API requests carry{' '}
            <span className={styles.code} data-testid="token-header-preview">
              {tokenHeaderName}: {tokenHeaderValue}
              {jsonData.sendClientIdHeader &&
                ` and ${jsonData.clientIdHeaderName || CONFIG_DEFAULTS.clientIdHeaderName}: <client id>`}
            </span>
          </Text>
        </Box>
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection
        title="Headers"
        description="Extra headers sent on every API request. Values of secure headers are stored encrypted."
        isCollapsible
        isInitiallyOpen={initiallyOpen.headers}
      >
        <KeyValueListEditor
          options={options}
          onOptionsChange={onOptionsChange}
          list="headers"
          noun="Header"
          namePlaceholder="X-Api-Key"
          valuePlaceholder="value"
          nameTip={<Tip text="Name of a header sent on every API request." example="Accept" />}
          valueTip={
            <Tip
              text="Its value. Turn on Secure for API keys: the value is then stored encrypted."
              example="application/json"
            />
          }
        />
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection
        title="High availability"
        description="With several Grafana replicas, share tokens through Redis so the token endpoint sees one client."
        isCollapsible
        isInitiallyOpen={initiallyOpen.ha}
      >
        {row(
          'Shared token store',
          <Tip
            text="None: each Grafana replica caches its own tokens. Redis: replicas share tokens and refresh them once."
            example="Redis with three Grafana replicas and a rate-limited token endpoint"
          />,
          <RadioButtonGroup<string>
            aria-label="Shared token store"
            options={SHARED_STORE_OPTIONS}
            value={jsonData.sharedStore ?? ''}
            onChange={(v) => onJson('sharedStore', v)}
          />
        )}
        {jsonData.sharedStore === 'redis' && (
          <>
            {textField(
              'redisAddress',
              'Redis address',
              <Tip text="Redis host:port." example="redis:6379" />,
              'redis:6379',
              { required: true }
            )}
            {textField(
              'redisUsername',
              'Redis username',
              <Tip text="Redis 6 ACL user; empty for the default user." example="grafana" />,
              'optional'
            )}
            {secretField(
              'redisPassword',
              'Redis password',
              <Tip text="Redis password. Stored encrypted." example="from your Redis deployment" />,
              'optional'
            )}
            {row(
              'Redis database',
              <Tip text="Redis database number." example="2" />,
              <Input
                id="config-redisDb"
                type="number"
                min={0}
                value={jsonData.redisDb ?? ''}
                placeholder="0"
                width={SHORT_WIDTH}
                onChange={(e) => {
                  const raw = e.currentTarget.value.trim();
                  const n = Number(raw);
                  onJson('redisDb', raw === '' || !Number.isInteger(n) ? undefined : n);
                }}
              />,
              'config-redisDb'
            )}
            {switchField(
              'redisTls',
              'Redis TLS',
              <Tip text="Connect to Redis with TLS (server name from the address)." example="on for a managed Redis" />
            )}
            {textField(
              'redisKeyPrefix',
              'Redis key prefix',
              <Tip text="Prefix of every key the plugin writes." example="grafana-prod:oauth2rest:" />,
              'oauth2rest:'
            )}
          </>
        )}
      </ConfigSection>

      <Divider spacing={1} />

      <ConfigSection
        title="TLS and timeouts"
        description="Certificates for private CAs or mutual TLS, request timeouts and the reply size limit. Apply to token and API requests."
        isCollapsible
        isInitiallyOpen={initiallyOpen.tls}
      >
        {switchField(
          'tlsSkipVerify',
          'Skip TLS verification',
          <Tip
            text="Accept any server certificate. Insecure: use only for tests against self-signed servers."
            example="on for https://localhost:8443"
          />
        )}
        {switchField(
          'tlsAuthWithCACert',
          'With CA certificate',
          <Tip
            text="Verify the servers against your own CA certificate instead of the system roots."
            example="on for a company CA"
          />
        )}
        {jsonData.tlsAuthWithCACert &&
          secretField(
            'tlsCACert',
            'CA certificate',
            <Tip text="PEM CA certificate. Stored encrypted." example="-----BEGIN CERTIFICATE-----…" />,
            'Begins with -----BEGIN CERTIFICATE-----',
            true
          )}
        {switchField(
          'tlsAuth',
          'TLS client authentication',
          <Tip
            text="Present a client certificate (mutual TLS)."
            example="on when the server asks for a client certificate"
          />
        )}
        {jsonData.tlsAuth && (
          <>
            {secretField(
              'tlsClientCert',
              'Client certificate',
              <Tip text="PEM client certificate. Stored encrypted." example="-----BEGIN CERTIFICATE-----…" />,
              'Begins with -----BEGIN CERTIFICATE-----',
              true
            )}
            {secretField(
              'tlsClientKey',
              'Client key',
              <Tip
                text="PEM private key of the client certificate. Stored encrypted."
                example="-----BEGIN PRIVATE KEY-----…"
              />,
              'Begins with -----BEGIN PRIVATE KEY-----',
              true
            )}
          </>
        )}
        {textField(
          'serverName',
          'TLS server name',
          <Tip
            text="Server name expected in the certificate (and sent as SNI) when it differs from the URL's host."
            example="api.internal.example.com"
          />,
          'optional'
        )}
        {textField(
          'timeout',
          'Timeout',
          <Tip text="Timeout of one API request (Go duration)." example="1m" />,
          CONFIG_DEFAULTS.timeout,
          { width: SHORT_WIDTH }
        )}
        {textField(
          'tokenTimeout',
          'Token timeout',
          <Tip text="Timeout of one token request (Go duration)." example="10s" />,
          CONFIG_DEFAULTS.tokenTimeout,
          { width: SHORT_WIDTH }
        )}
        {row(
          'Max response bytes',
          <Tip text="Largest API reply body accepted, in bytes." example="33554432 (32 MiB)" />,
          <Input
            id="config-maxResponseBytes"
            type="number"
            min={1}
            value={jsonData.maxResponseBytes ?? ''}
            placeholder={String(CONFIG_DEFAULTS.maxResponseBytes)}
            width={SHORT_WIDTH}
            onChange={(e) => {
              const raw = e.currentTarget.value.trim();
              const n = Number(raw);
              onJson('maxResponseBytes', raw === '' || !Number.isFinite(n) ? undefined : n);
            }}
          />,
          'config-maxResponseBytes'
        )}
      </ConfigSection>
    </Stack>
  );
}
