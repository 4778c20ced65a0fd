import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Divider, InlineField, InlineSwitch, Input, RadioButtonGroup, SecretInput, Stack, Text } from '@grafana/ui';

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

export interface Props extends DataSourcePluginOptionsEditorProps<MyDataSourceOptions, MySecureJsonData> {}

const LABEL_WIDTH = 28;
const INPUT_WIDTH = 48;

type StringKey = {
  [K in keyof MyDataSourceOptions]-?: MyDataSourceOptions[K] extends string | undefined ? K : never;
}[keyof MyDataSourceOptions];

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

export function ConfigEditor(props: Props) {
  const { onOptionsChange, options } = props;
  const { jsonData, secureJsonFields, secureJsonData } = options;

  const onJson = <K extends keyof MyDataSourceOptions>(key: K, value: MyDataSourceOptions[K] | undefined) =>
    onOptionsChange(setJsonValue(options, key, value));

  /** A text input bound to one string jsonData key. */
  const textField = (
    key: StringKey,
    label: string,
    tooltip: React.JSX.Element,
    placeholder?: string,
    extra?: { width?: number; required?: boolean }
  ) => {
    const id = `config-${key}`;
    return (
      <InlineField label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip} interactive htmlFor={id}>
        <Input
          id={id}
          value={(jsonData[key] as string | undefined) ?? ''}
          placeholder={placeholder}
          width={extra?.width ?? INPUT_WIDTH}
          required={extra?.required}
          onChange={(e) => onJson(key, e.currentTarget.value)}
        />
      </InlineField>
    );
  };

  const clientAuth = jsonData.clientAuth ?? CONFIG_DEFAULTS.clientAuth;
  const tokenLocation = jsonData.tokenLocation ?? CONFIG_DEFAULTS.tokenLocation;

  return (
    <Stack direction="column" gap={2}>
      <Text element="p" color="secondary">
        Queries a REST/JSON API with an OAuth2 access token. The token is requested with the client credentials below,
        cached until it expires, and sent on every request to the API base URL. Client id, client secret and secure
        headers are encrypted by Grafana and never sent back to the browser.
      </Text>

      <ConfigSection title="Connection" description="The API that queries are sent to.">
        <InlineField
          label="API base URL"
          labelWidth={LABEL_WIDTH}
          tooltip={
            <Tip
              text="Every query path is resolved under this URL; credentials are never sent anywhere else."
              example="https://api.example.com/v1"
            />
          }
          interactive
          htmlFor="config-url"
        >
          <Input
            id="config-url"
            value={options.url ?? ''}
            placeholder="https://api.example.com/v1"
            width={INPUT_WIDTH}
            required
            onChange={(e) => onOptionsChange({ ...options, url: e.currentTarget.value })}
          />
        </InlineField>
      </ConfigSection>

      <Divider />

      <ConfigSection title="Authentication" description="OAuth2 token request (client credentials grant).">
        {textField(
          'tokenUrl',
          'Token URL',
          <Tip text="Token endpoint (http or https)." example="https://auth.example.com/oauth2/token" />,
          'https://auth.example.com/oauth2/token',
          { required: true }
        )}
        <InlineField
          label="Client ID"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="OAuth2 client id (application id). Stored encrypted." example="my-client-id" />}
          interactive
          htmlFor="config-clientId"
        >
          <SecretInput
            id="config-clientId"
            isConfigured={!!secureJsonFields?.clientId}
            value={secureJsonData?.clientId ?? ''}
            placeholder="Client ID"
            width={INPUT_WIDTH}
            onReset={() => onOptionsChange(resetSecureValue(options, 'clientId'))}
            onChange={(e) => onOptionsChange(setSecureValue(options, 'clientId', e.currentTarget.value))}
          />
        </InlineField>
        <InlineField
          label="Client secret"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="OAuth2 client secret. Stored encrypted, never shown again." />}
          interactive
          htmlFor="config-clientSecret"
        >
          <SecretInput
            id="config-clientSecret"
            isConfigured={!!secureJsonFields?.clientSecret}
            value={secureJsonData?.clientSecret ?? ''}
            placeholder="Client secret"
            width={INPUT_WIDTH}
            onReset={() => onOptionsChange(resetSecureValue(options, 'clientSecret'))}
            onChange={(e) => onOptionsChange(setSecureValue(options, 'clientSecret', e.currentTarget.value))}
          />
        </InlineField>
        {textField(
          'scopes',
          'Scopes',
          <Tip text="Space-separated scopes sent as scope (commas also accepted)." example="read:items write:items" />,
          'read write'
        )}
        {textField(
          'audience',
          'Audience',
          <Tip text="Sent as audience when set." example="https://api.example.com" />,
          'optional'
        )}
        {textField(
          'resource',
          'Resource',
          <Tip text="Sent as resource (RFC 8707) when set." example="https://api.example.com/" />,
          'optional'
        )}
        <InlineField
          label="Client authentication"
          labelWidth={LABEL_WIDTH}
          tooltip={
            <Tip
              text="body: client id and secret as request parameters; basic: HTTP Basic authentication."
              example="body"
            />
          }
          interactive
        >
          <RadioButtonGroup<ClientAuth>
            aria-label="Client authentication"
            options={CLIENT_AUTH_OPTIONS}
            value={clientAuth}
            onChange={(v) => onJson('clientAuth', v)}
          />
        </InlineField>
        <InlineField
          label="Request encoding"
          labelWidth={LABEL_WIDTH}
          tooltip={
            <Tip
              text="Token request body: form (application/x-www-form-urlencoded) or JSON."
              example='{"client_id":"…","client_secret":"…"}'
            />
          }
          interactive
        >
          <RadioButtonGroup<TokenRequestEncoding>
            aria-label="Request encoding"
            options={ENCODING_OPTIONS}
            value={jsonData.tokenRequestEncoding ?? CONFIG_DEFAULTS.tokenRequestEncoding}
            onChange={(v) => onJson('tokenRequestEncoding', v)}
          />
        </InlineField>
        {clientAuth === 'body' && (
          <>
            {textField(
              'clientIdParam',
              'Client ID parameter',
              <Tip text="Parameter name for the client id." example="clientId" />,
              CONFIG_DEFAULTS.clientIdParam
            )}
            {textField(
              'clientSecretParam',
              'Client secret parameter',
              <Tip text="Parameter name for the client secret." example="clientSecret" />,
              CONFIG_DEFAULTS.clientSecretParam
            )}
          </>
        )}
        {textField(
          'grantType',
          'Grant type',
          <Tip text="OAuth2 grant type sent as grant_type." example="client_credentials" />,
          CONFIG_DEFAULTS.grantType
        )}
        <InlineField
          label="Omit grant type"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="Do not send grant_type (some custom JSON token endpoints reject unknown keys)." />}
          interactive
          htmlFor="config-omitGrantType"
        >
          <InlineSwitch
            id="config-omitGrantType"
            value={!!jsonData.omitGrantType}
            onChange={(e) => onJson('omitGrantType', e.currentTarget.checked || undefined)}
          />
        </InlineField>
        <Stack direction="column" gap={1}>
          <Text element="h6">Extra token request parameters</Text>
          <KeyValueListEditor
            options={options}
            onOptionsChange={onOptionsChange}
            list="tokenParams"
            noun="Parameter"
            namePlaceholder="tenant"
            valuePlaceholder="acme"
          />
          <Text element="h6">Extra token request headers</Text>
          <KeyValueListEditor
            options={options}
            onOptionsChange={onOptionsChange}
            list="tokenHeaders"
            noun="Token header"
            namePlaceholder="X-Tenant"
            valuePlaceholder="acme"
          />
        </Stack>
      </ConfigSection>

      <Divider />

      <ConfigSection title="Token reply" description="Where the token and its lifetime are found in the token reply.">
        <InlineField
          label="Token location"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="body: token at the token path; header: token in a response header." example="body" />}
          interactive
        >
          <RadioButtonGroup<TokenLocation>
            aria-label="Token location"
            options={TOKEN_LOCATION_OPTIONS}
            value={tokenLocation}
            onChange={(v) => onJson('tokenLocation', v)}
          />
        </InlineField>
        {tokenLocation === 'header'
          ? textField(
              'tokenResponseHeader',
              'Token response header',
              <Tip text="Response header holding the token." example="X-Subject-Token" />,
              'X-Subject-Token'
            )
          : textField(
              'tokenPath',
              'Token path',
              <Tip
                text="Path of the token in the reply body: dotted or RFC 9535 JSONPath."
                example="$.data.accessToken"
              />,
              CONFIG_DEFAULTS.tokenPath
            )}
        {textField(
          'expiresInPath',
          'Expires in path',
          <Tip text="Path of the lifetime in seconds." example="data.expiresIn" />,
          CONFIG_DEFAULTS.expiresInPath
        )}
        {textField(
          'expiresAtPath',
          'Expires at path',
          <Tip
            text="Path of an absolute expiry: epoch seconds, epoch milliseconds or RFC 3339."
            example="data.expiresAt"
          />,
          'optional'
        )}
        {textField(
          'issuedAtPath',
          'Issued at path',
          <Tip text="Path of the issue time; the lifetime counts from it." example="data.issuedAt" />,
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
          { width: 16 }
        )}
      </ConfigSection>

      <Divider />

      <ConfigSection title="Token placement" description="How the token is sent on API requests.">
        {textField(
          'tokenHeaderName',
          'Token header name',
          <Tip text="Header that carries the token on API requests." example="X-Auth-Token" />,
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
        <InlineField
          label="Send client ID header"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="Also send the client id on every API request." />}
          interactive
          htmlFor="config-sendClientIdHeader"
        >
          <InlineSwitch
            id="config-sendClientIdHeader"
            value={!!jsonData.sendClientIdHeader}
            onChange={(e) => onJson('sendClientIdHeader', e.currentTarget.checked || undefined)}
          />
        </InlineField>
        {jsonData.sendClientIdHeader &&
          textField(
            'clientIdHeaderName',
            'Client ID header name',
            <Tip text="Header name used for the client id." example="X-IBM-Client-Id" />,
            CONFIG_DEFAULTS.clientIdHeaderName
          )}
      </ConfigSection>

      <Divider />

      <ConfigSection
        title="Headers"
        description="Extra headers sent on every API request. Values of secure headers are stored encrypted."
      >
        <KeyValueListEditor
          options={options}
          onOptionsChange={onOptionsChange}
          list="headers"
          noun="Header"
          namePlaceholder="X-Api-Key"
          valuePlaceholder="value"
        />
      </ConfigSection>

      <Divider />

      <ConfigSection title="Advanced" description="Health check, timeouts and limits.">
        {textField(
          'healthCheckPath',
          'Health check path',
          <Tip
            text="Path (relative to the API base URL) that Save & test calls with the token; empty = token only."
            example="/me"
          />,
          'optional'
        )}
        {textField(
          'timeout',
          'Timeout',
          <Tip text="Timeout of one API request (Go duration)." example="1m" />,
          CONFIG_DEFAULTS.timeout,
          { width: 16 }
        )}
        {textField(
          'tokenTimeout',
          'Token timeout',
          <Tip text="Timeout of one token request (Go duration)." example="10s" />,
          CONFIG_DEFAULTS.tokenTimeout,
          { width: 16 }
        )}
        <InlineField
          label="Max response bytes"
          labelWidth={LABEL_WIDTH}
          tooltip={<Tip text="Largest API reply body accepted (bytes)." example="33554432" />}
          interactive
          htmlFor="config-maxResponseBytes"
        >
          <Input
            id="config-maxResponseBytes"
            type="number"
            min={1}
            value={jsonData.maxResponseBytes ?? ''}
            placeholder={String(CONFIG_DEFAULTS.maxResponseBytes)}
            width={16}
            onChange={(e) => {
              const raw = e.currentTarget.value.trim();
              const n = Number(raw);
              onJson('maxResponseBytes', raw === '' || !Number.isFinite(n) ? undefined : n);
            }}
          />
        </InlineField>
      </ConfigSection>
    </Stack>
  );
}
