import React from 'react';
import { Box, Stack, Text } from '@grafana/ui';

import { OAuthConnect } from '../OAuthConnect';
import { SecretField, SwitchField, TextField, useSettings } from './fields';
import { SecureList } from './SecureList';

/** The authorization code grant: callback, issuer check, PKCE, extra parameters and the Connect button. */
export function AuthCodeFields() {
  const { options, onOptionsChange } = useSettings();
  return (
    <>
      <TextField
        k="redirectUrl"
        tip="Callback URL sent to the provider. Leave empty to use the one shown below (derived from Grafana's root_url); set it when a proxy rewrites URLs."
        example="https://grafana.example.com/api/datasources/uid/abc/resources/oauth/callback"
        placeholder="derived from Grafana root_url"
      />
      <TextField
        k="issuer"
        tip="Expected iss on the callback (RFC 9207). Default: the origin of the authorization URL (the issuer URL with discovery). When set, a callback without iss is refused."
        example="https://auth.example.com"
        placeholder="origin of the authorization URL"
      />
      <SwitchField
        k="usePkce"
        tip="Send a PKCE S256 challenge (RFC 7636). Leave on unless the provider rejects it."
        example="on"
        defaultValue
      />
      <SecretField
        k="refreshToken"
        tip="Optional refresh token obtained elsewhere; used until Connect gives a newer one. Stored encrypted."
        example="1//0gLx…"
        placeholder="optional"
      />
      <Stack direction="column" gap={1}>
        <Text element="h6">Extra authorization parameters</Text>
        <SecureList
          list="authParams"
          namePlaceholder="prompt"
          valuePlaceholder="consent"
          nameTip={{ text: 'Name of an extra parameter of the authorization request.', example: 'access_type' }}
          valueTip={{ text: 'Its value. Turn on Secure to store it encrypted.', example: 'offline' }}
        />
      </Stack>
      <Box paddingTop={2}>
        <OAuthConnect options={options} onOptionsChange={onOptionsChange} />
      </Box>
    </>
  );
}
