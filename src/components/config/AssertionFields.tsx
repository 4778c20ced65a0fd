import React from 'react';
import { Box, RadioButtonGroup, Text } from '@grafana/ui';

import { CONFIG_DEFAULTS, ClientAuth, GrantType, JwtAlg, RestDataSourceOptions } from '../../types';
import { dropSecret } from '../configHelpers';
import { CONFIG } from '../selectors';
import { PRIVATE_KEY, RadioField, Row, SecretField, TextField, useSettings } from './fields';

/** Where a JWT bearer assertion's key comes from: a PEM key, or a Google service-account JSON key. */
export type KeySource = 'privateKey' | 'serviceAccount';

/** The client authentication method in effect (the JWT bearer grant needs none by default). */
export function clientAuthOf(jsonData: RestDataSourceOptions): ClientAuth {
  return jsonData.clientAuth ?? (jsonData.grantType === 'jwt_bearer' ? 'none' : CONFIG_DEFAULTS.clientAuth);
}

const CLIENT_AUTH_OPTIONS: Array<{ label: string; value: ClientAuth; description: string }> = [
  { label: 'In request body', value: 'body', description: 'Client id and secret sent as request parameters' },
  { label: 'HTTP Basic', value: 'basic', description: 'Client id and secret sent as an Authorization: Basic header' },
  { label: 'Private key JWT', value: 'private_key_jwt', description: 'An assertion signed with your private key' },
  { label: 'Secret JWT', value: 'client_secret_jwt', description: 'An assertion signed (HS256) with the secret' },
  { label: 'mTLS', value: 'tls_client_auth', description: "Grafana's TLS client certificate; no secret sent" },
];
const NONE_OPTION = { label: 'None', value: 'none' as ClientAuth, description: 'The assertion alone' };

const KEY_SOURCE_OPTIONS: Array<{ label: string; value: KeySource }> = [
  { label: 'PEM private key', value: 'privateKey' },
  { label: 'Service account JSON key', value: 'serviceAccount' },
];

const ALG_OPTIONS: Array<{ label: string; value: JwtAlg }> = [
  { label: 'RS256', value: 'RS256' },
  { label: 'PS256', value: 'PS256' },
  { label: 'ES256', value: 'ES256' },
];

function Note({ children }: { children: NonNullable<React.ReactNode> }) {
  return (
    <Box paddingBottom={1}>
      <Text variant="bodySmall" color="secondary">
        {children}
      </Text>
    </Box>
  );
}

interface Props {
  grant: GrantType;
  keySource: KeySource;
  onKeySource: (source: KeySource) => void;
}

/**
 * Client authentication at the token endpoint and, for assertions (private_key_jwt, client_secret_jwt,
 * the JWT bearer grant), only the fields the chosen method uses.
 */
export function AssertionFields({ grant, keySource, onKeySource }: Props) {
  const { options, jsonData, onOptionsChange } = useSettings();
  const clientAuth = clientAuthOf(jsonData);
  const jwtBearer = grant === 'jwt_bearer';
  const serviceAccount = jwtBearer && keySource === 'serviceAccount';
  const signs = clientAuth === 'private_key_jwt' || (jwtBearer && !serviceAccount);
  const assertion = signs || clientAuth === 'client_secret_jwt';

  return (
    <>
      <RadioField<ClientAuth>
        k="clientAuth"
        tip="In request body / HTTP Basic: client id and secret. Private key JWT and Secret JWT: a short-lived signed assertion instead of the secret (RFC 7523). mTLS: the TLS client certificate (RFC 8705)."
        example="Private key JWT for Azure AD certificate credentials"
        options={jwtBearer ? [...CLIENT_AUTH_OPTIONS, NONE_OPTION] : CLIENT_AUTH_OPTIONS}
        value={clientAuth}
      />
      {clientAuth === 'tls_client_auth' && (
        <Note>
          No secret is sent: the token endpoint identifies the client by its certificate. Grafana&apos;s TLS client
          certificate settings are used (TLS and timeouts: TLS client authentication
          {jsonData.tlsAuth ? ', which is on' : ', which must be turned on'}).
        </Note>
      )}
      {clientAuth === 'client_secret_jwt' && (
        <Note>The assertion is signed with HS256 using the client secret (at least 32 bytes).</Note>
      )}
      {jwtBearer && (
        <Row
          label={CONFIG.keySource}
          tip="PEM private key: the assertion is built from the fields below. Service account JSON key: paste a Google service account's JSON key whole; its client_email, private_key, private_key_id and token_uri are used."
          example="Service account JSON key for Google APIs"
        >
          <RadioButtonGroup<KeySource>
            aria-label={CONFIG.keySource}
            options={KEY_SOURCE_OPTIONS}
            value={keySource}
            onChange={(source) => {
              onKeySource(source);
              if (source === 'privateKey') {
                // The backend prefers a service-account key: one left behind would win over the private key.
                onOptionsChange(dropSecret(options, 'serviceAccountKey'));
              }
            }}
          />
        </Row>
      )}
      {serviceAccount && (
        <SecretField
          k="serviceAccountKey"
          tip="The service account's JSON key, pasted whole. Stored encrypted."
          example='{"type": "service_account", "client_email": "…", "private_key": "…"}'
          placeholder='{"type": "service_account", …}'
          multiline
        />
      )}
      {signs && (
        <>
          <SecretField
            k="privateKey"
            tip="PEM private key (RSA 2048+ or EC P-256) that signs the assertions. Stored encrypted."
            {...PRIVATE_KEY}
            multiline
          />
          <RadioField<JwtAlg>
            k="jwtAlg"
            tip="RS256 or PS256 with an RSA key, ES256 with an EC P-256 key."
            example="PS256 for FAPI profiles"
            options={ALG_OPTIONS}
            value={jsonData.jwtAlg ?? CONFIG_DEFAULTS.jwtAlg}
          />
          <TextField
            k="jwtKeyId"
            tip="Sent as the kid header of the assertion, when the server needs it to find the public key."
            example="2024-signing-key"
            placeholder="optional"
          />
        </>
      )}
      {jwtBearer && !serviceAccount && (
        <>
          <TextField
            k="jwtIssuer"
            tip="The assertion's iss claim. Default: the client id (required when no client id is set)."
            example="grafana@example.iam.gserviceaccount.com"
            placeholder="client id"
          />
          <TextField
            k="jwtSubject"
            tip="The assertion's sub claim: the user or service the token is for. Default: the issuer."
            example="integration-user@example.com"
            placeholder="issuer"
          />
        </>
      )}
      {assertion && (
        <TextField
          k="jwtAudience"
          tip="The assertion's aud claim. Default: the token URL; some servers want their issuer instead."
          example="https://idp.example.com/realms/main"
          placeholder="token URL"
        />
      )}
    </>
  );
}
