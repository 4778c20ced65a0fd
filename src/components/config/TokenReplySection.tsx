import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { CONFIG_DEFAULTS, TokenLocation } from '../../types';
import { SECTION } from '../selectors';
import { RadioField, SHORT_WIDTH, TextField, useInitiallyOpen, useSettings } from './fields';

const TOKEN_LOCATION_OPTIONS: Array<{ label: string; value: TokenLocation }> = [
  { label: 'Body', value: 'body' },
  { label: 'Header', value: 'header' },
];

/** Where the token and its lifetime are in the token endpoint's reply. */
export function TokenReplySection() {
  const { jsonData } = useSettings();
  const open = useInitiallyOpen([
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
  ]);
  const location = jsonData.tokenLocation ?? CONFIG_DEFAULTS.tokenLocation;
  return (
    <ConfigSection
      title={SECTION.tokenReply}
      description="Where the token and its lifetime are found in the token endpoint's reply. The presets fill these."
      isCollapsible
      isInitiallyOpen={open}
    >
      <RadioField<TokenLocation>
        k="tokenLocation"
        tip="Body: the token is at the token path of the reply body. Header: the token is in a response header."
        example="Header for OpenStack Keystone (X-Subject-Token)"
        options={TOKEN_LOCATION_OPTIONS}
        value={location}
      />
      {location === 'header' ? (
        <TextField
          k="tokenResponseHeader"
          tip="Response header that holds the token."
          example="X-Subject-Token"
          placeholder="X-Subject-Token"
        />
      ) : (
        <TextField
          k="tokenPath"
          tip="Path of the token in the reply body: dotted (items.0.token) or RFC 9535 JSONPath."
          example="$.data.accessToken"
          placeholder={CONFIG_DEFAULTS.tokenPath}
        />
      )}
      <TextField
        k="expiresInPath"
        tip="Path of the lifetime in seconds (number or numeric string)."
        example="data.expiresIn"
        placeholder={CONFIG_DEFAULTS.expiresInPath}
      />
      <TextField
        k="expiresAtPath"
        tip="Path of an absolute expiry: epoch seconds, epoch milliseconds or RFC 3339. Wins over expires in."
        example="expires_on"
        placeholder="optional"
      />
      <TextField
        k="issuedAtPath"
        tip="Path of the issue time (epoch s/ms or RFC 3339); the lifetime counts from it."
        example="issued_at"
        placeholder="optional"
      />
      <TextField
        k="refreshTokenPath"
        tip="Path of a refresh token in the reply, if the server sends one."
        example="data.refreshToken"
        placeholder={CONFIG_DEFAULTS.refreshTokenPath}
      />
      <TextField
        k="successPath"
        tip="Path of a field that says whether the token request succeeded (for endpoints that answer 200 with an error body)."
        example="status.code"
        placeholder="optional"
      />
      <TextField
        k="successValue"
        tip="Value at the success path that means success (compared as text)."
        example="0"
        placeholder="true"
      />
      <TextField
        k="defaultTokenLifetime"
        tip="Lifetime assumed when the reply gives no expiry (Go duration)."
        example="30m"
        placeholder={CONFIG_DEFAULTS.defaultTokenLifetime}
        width={SHORT_WIDTH}
      />
    </ConfigSection>
  );
}
