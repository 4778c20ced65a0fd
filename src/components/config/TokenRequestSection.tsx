import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';
import { Stack, Text } from '@grafana/ui';

import { CONFIG_DEFAULTS, TokenRequestEncoding } from '../../types';
import { SECTION } from '../selectors';
import { clientAuthOf } from './AssertionFields';
import { RadioField, SwitchField, TextField, useInitiallyOpen, useSettings } from './fields';
import { SecureList } from './SecureList';

const ENCODING_OPTIONS: Array<{ label: string; value: TokenRequestEncoding }> = [
  { label: 'Form', value: 'form' },
  { label: 'JSON', value: 'json' },
];

/** Body encoding, parameter names and extra parameters or headers of the token request. */
export function TokenRequestSection() {
  const { jsonData } = useSettings();
  const open = useInitiallyOpen([
    'tokenRequestEncoding',
    'omitGrantType',
    'clientIdParam',
    'clientSecretParam',
    'tokenParams',
    'tokenHeaders',
  ]);
  return (
    <ConfigSection
      title={SECTION.tokenRequest}
      description="Body encoding, parameter names and extra parameters or headers of the token request."
      isCollapsible
      isInitiallyOpen={open}
    >
      <RadioField<TokenRequestEncoding>
        k="tokenRequestEncoding"
        tip="Token request body: Form (application/x-www-form-urlencoded, the OAuth2 standard) or JSON."
        example='JSON sends {"grant_type":"client_credentials","client_id":"…"}'
        options={ENCODING_OPTIONS}
        value={jsonData.tokenRequestEncoding ?? CONFIG_DEFAULTS.tokenRequestEncoding}
      />
      <SwitchField
        k="omitGrantType"
        tip="Do not send grant_type at all (some custom JSON token endpoints reject unknown keys)."
        example="on for an endpoint that only accepts {clientId, clientSecret}"
      />
      {clientAuthOf(jsonData) === 'body' && (
        <>
          <TextField
            k="clientIdParam"
            tip="Name of the parameter that carries the client id."
            example="clientId"
            placeholder={CONFIG_DEFAULTS.clientIdParam}
          />
          <TextField
            k="clientSecretParam"
            tip="Name of the parameter that carries the client secret."
            example="clientSecret"
            placeholder={CONFIG_DEFAULTS.clientSecretParam}
          />
        </>
      )}
      <Stack direction="column" gap={1}>
        <Text element="h6">Extra token request parameters</Text>
        <SecureList
          list="tokenParams"
          namePlaceholder="tenant"
          valuePlaceholder="acme"
          nameTip={{ text: 'Name of an extra parameter sent in the token request.', example: 'tenant' }}
        />
        <Text element="h6">Extra token request headers</Text>
        <SecureList
          list="tokenHeaders"
          namePlaceholder="X-Tenant"
          valuePlaceholder="acme"
          nameTip={{ text: 'Name of an extra header sent with the token request.', example: 'X-Tenant' }}
        />
      </Stack>
    </ConfigSection>
  );
}
