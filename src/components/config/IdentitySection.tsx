import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';
import { Box, Text } from '@grafana/ui';

import { Settings, dropSecret, setJsonValue } from '../configHelpers';
import { SECTION } from '../selectors';
import { SecretField, SwitchField, TextField, useInitiallyOpen, useSettings } from './fields';

/** Turning a mode off also drops the settings that only mean something with it on (the backend refuses them). */
function passThru(options: Settings, on: boolean): Settings {
  const next = setJsonValue(options, 'oauthPassThru', on);
  return on ? next : exchange(next, false);
}

function exchange(options: Settings, on: boolean): Settings {
  const next = setJsonValue(options, 'tokenExchange', on);
  return on ? next : setJsonValue(next, 'tokenExchangeAudience', undefined);
}

function dpop(options: Settings, on: boolean): Settings {
  const next = setJsonValue(options, 'dpop', on);
  return on ? next : dropSecret(next, 'dpopPrivateKey');
}

/** Acting as the signed-in user (Grafana's OAuth pass-through, RFC 8693 exchange) and DPoP (RFC 9449). */
export function IdentitySection() {
  const { jsonData } = useSettings();
  const open = useInitiallyOpen(['oauthPassThru', 'dpop']);
  // The user's token is a bearer token issued to Grafana: only an exchanged token can be DPoP-bound.
  const canBind = !jsonData.oauthPassThru || !!jsonData.tokenExchange;
  return (
    <ConfigSection
      title={SECTION.identity}
      description="Query as the signed-in user instead of the client, and sender-constrained (DPoP) tokens."
      isCollapsible
      isInitiallyOpen={open}
    >
      <SwitchField
        k="oauthPassThru"
        tip="Grafana forwards the signed-in user's OAuth token and the plugin sends it to the API in the token placement below, so the API applies that user's permissions. Users must sign in to Grafana with OAuth."
        example="on for an API that enforces per-user permissions"
        onToggle={passThru}
      />
      {jsonData.oauthPassThru && (
        <>
          <Box paddingBottom={1}>
            <Text variant="bodySmall" color="secondary">
              Alert rules and other background queries have no signed-in user: they get the grant&apos;s token when the
              client is configured above, else an error saying why.
            </Text>
          </Box>
          <SwitchField
            k="tokenExchange"
            tip="Exchange the user's token at the token URL (RFC 8693 token exchange, with the client's credentials) for a token for the API, instead of forwarding it as is."
            example="on when the API wants tokens for its own audience"
            onToggle={exchange}
          />
          {jsonData.tokenExchange && (
            <TextField
              k="tokenExchangeAudience"
              tip="Sent as the audience of the exchange: the API the new token is for."
              example="https://api.example.com"
              placeholder="optional"
            />
          )}
        </>
      )}
      {canBind ? (
        <SwitchField
          k="dpop"
          tip="Bind tokens to a key (RFC 9449): every token and API request carries a DPoP proof, so a stolen token is useless. The provider must support DPoP."
          example="on for Okta, Auth0 or Keycloak 26 with DPoP required"
          onToggle={dpop}
        />
      ) : (
        <Text variant="bodySmall" color="secondary">
          DPoP needs a token issued to this data source: turn on the exchange of the user token to use it.
        </Text>
      )}
      {canBind && jsonData.dpop && (
        <SecretField
          k="dpopPrivateKey"
          tip="Optional EC P-256 PEM key for the proofs. Empty: a key is generated per data source instance (a new one after each restart or settings save). Stored encrypted."
          example="-----BEGIN EC PRIVATE KEY-----…"
          placeholder="optional: generated"
          multiline
        />
      )}
    </ConfigSection>
  );
}
