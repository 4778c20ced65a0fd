import React, { useState } from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { CONFIG_DEFAULTS, ClientAuth, GrantType } from '../../types';
import { Settings, isSecureConfigured, setJsonValue } from '../configHelpers';
import { hasPlaceholder } from '../presets';
import { SECTION } from '../selectors';
import { AssertionFields, KeySource, clientAuthOf } from './AssertionFields';
import { AuthCodeFields } from './AuthCodeFields';
import { RadioField, SecretField, TextField, useSettings } from './fields';

const GRANT_OPTIONS: Array<{ label: string; value: GrantType; description: string }> = [
  { label: 'Client credentials', value: 'client_credentials', description: 'Machine-to-machine: no user signs in' },
  {
    label: 'Authorization code',
    value: 'authorization_code',
    description: 'On behalf of a user: an admin clicks Connect once',
  },
  {
    label: 'JWT bearer',
    value: 'jwt_bearer',
    description: 'A signed assertion (RFC 7523): service accounts, Google, Salesforce JWT flow',
  },
];

/** Client secrets travel only with these methods; the others sign an assertion or use a certificate. */
const SECRET_METHODS: ClientAuth[] = ['body', 'basic', 'client_secret_jwt'];

const PLACEHOLDER_ERROR = 'Replace the <placeholder> in the URL with your own value';

/** Google's token endpoint: a service-account key is the usual credential there. */
const GOOGLE_TOKEN_URL = /^https:\/\/oauth2\.googleapis\.com\//;

/**
 * Switches the grant. `none` client authentication exists only for the JWT bearer grant, so leaving that
 * grant brings the method back to the default, saved as a value like every choice.
 */
function selectGrant(options: Settings, grant: GrantType): Settings {
  const next = setJsonValue(options, 'grantType', grant);
  return grant !== 'jwt_bearer' && next.jsonData.clientAuth === 'none'
    ? setJsonValue(next, 'clientAuth', CONFIG_DEFAULTS.clientAuth)
    : next;
}

/** The grant: endpoints (or discovery), client credentials, scopes, client authentication. */
export function AuthenticationSection() {
  const { options, jsonData } = useSettings();
  const grant = jsonData.grantType ?? CONFIG_DEFAULTS.grantType;
  const clientAuth = clientAuthOf(jsonData);
  const serviceAccountSet =
    isSecureConfigured(options.secureJsonFields, 'serviceAccountKey') || !!options.secureJsonData?.serviceAccountKey;
  const [chosenSource, setKeySource] = useState<KeySource>();
  const keySource: KeySource =
    chosenSource ??
    (serviceAccountSet || GOOGLE_TOKEN_URL.test(jsonData.tokenUrl ?? '') ? 'serviceAccount' : 'privateKey');
  const serviceAccount = grant === 'jwt_bearer' && keySource === 'serviceAccount';
  const discovered = !!jsonData.issuerUrl;
  // The user's own token needs no token endpoint unless it is exchanged (alert rules then get an error).
  const tokenUrlRequired = !discovered && !serviceAccount && !jsonData.oauthPassThru;

  return (
    <ConfigSection title={SECTION.authentication} description="OAuth2 grant: where and how to get a token.">
      <RadioField<GrantType>
        k="grantType"
        tip="Client credentials: the plugin gets tokens with the client id and secret alone. Authorization code: an admin signs in at the provider once (Connect); the plugin then refreshes the token itself. JWT bearer: the plugin signs an assertion with a private key or a Google service-account key."
        example="Authorization code for APIs that act on behalf of a user"
        options={GRANT_OPTIONS}
        value={grant}
        onSelect={selectGrant}
      />
      <TextField
        k="issuerUrl"
        tip="OIDC / RFC 8414 discovery: the plugin reads <issuer>/.well-known/openid-configuration and fills the token and authorization URLs left empty. The metadata's issuer must equal this URL."
        example="https://keycloak.example.com/realms/acme"
        placeholder="optional: discovery"
        error={hasPlaceholder(jsonData.issuerUrl) ? PLACEHOLDER_ERROR : undefined}
      />
      {grant === 'authorization_code' && (
        <TextField
          k="authUrl"
          tip="The provider's authorization endpoint, where the admin signs in."
          example="https://auth.example.com/oauth2/authorize"
          placeholder={discovered ? 'from discovery' : 'https://auth.example.com/oauth2/authorize'}
          required={!discovered}
        />
      )}
      <TextField
        k="tokenUrl"
        tip="Token endpoint (http or https) the client credentials are posted to."
        example="https://auth.example.com/oauth2/token"
        placeholder={
          discovered
            ? 'from discovery'
            : serviceAccount
              ? 'token_uri of the key'
              : 'https://auth.example.com/oauth2/token'
        }
        required={tokenUrlRequired}
        error={hasPlaceholder(jsonData.tokenUrl) ? PLACEHOLDER_ERROR : undefined}
      />
      {(grant !== 'jwt_bearer' || clientAuth !== 'none') && (
        <SecretField
          k="clientId"
          tip="OAuth2 client id (application id). Stored encrypted."
          example="3f2b9c1e-grafana"
          placeholder="Client ID"
        />
      )}
      {SECRET_METHODS.includes(clientAuth) && (
        <SecretField
          k="clientSecret"
          tip="OAuth2 client secret. Stored encrypted and never shown again."
          example="s3cr3t-from-your-provider"
          placeholder="Client secret"
        />
      )}
      <TextField
        k="scopes"
        tip="Space-separated scopes sent as the scope parameter (commas also accepted)."
        example="read:items write:items"
        placeholder="optional"
      />
      <TextField
        k="audience"
        tip="Sent as the audience parameter when set (Auth0 and others)."
        example="https://api.example.com"
        placeholder="optional"
      />
      <TextField
        k="resource"
        tip="Sent as the resource parameter (RFC 8707, Azure AD v1) when set."
        example="https://management.azure.com/"
        placeholder="optional"
      />
      <AssertionFields grant={grant} keySource={keySource} onKeySource={setKeySource} />
      {grant === 'authorization_code' && <AuthCodeFields />}
    </ConfigSection>
  );
}
