import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Box, Text, useStyles2 } from '@grafana/ui';

import { CONFIG_DEFAULTS, RestDataSourceOptions, TokenPlacement } from '../../types';
import { SECTION } from '../selectors';
import { RadioField, SwitchField, TextField, useSettings } from './fields';

const PLACEMENT_OPTIONS: Array<{ label: string; value: TokenPlacement; description: string }> = [
  { label: 'Request header', value: 'header', description: 'A request header, e.g. Authorization: Bearer <token>' },
  { label: 'Query parameter', value: 'query', description: 'A URL parameter, e.g. ?access_token=<token>' },
];

const getStyles = (theme: GrafanaTheme2) => ({
  code: css({ fontFamily: theme.typography.fontFamilyMonospace, fontSize: theme.typography.bodySmall.fontSize }),
});

/** What an API request carries, in words: `Authorization: Bearer <token> and X-Client-ID: <client id>`. */
export function placementPreview(jsonData: RestDataSourceOptions): string {
  const token =
    (jsonData.tokenPlacement ?? CONFIG_DEFAULTS.tokenPlacement) === 'query'
      ? `?${jsonData.tokenQueryParam || CONFIG_DEFAULTS.tokenQueryParam}=<token>`
      : `${jsonData.tokenHeaderName || CONFIG_DEFAULTS.tokenHeaderName}: ${(
          jsonData.tokenHeaderTemplate || CONFIG_DEFAULTS.tokenHeaderTemplate
        ).replace('{{token}}', '<token>')}`;
  const clientId = jsonData.sendClientIdHeader
    ? ` and ${jsonData.clientIdHeaderName || CONFIG_DEFAULTS.clientIdHeaderName}: <client id>`
    : '';
  return token + clientId;
}

/** How the token (and optionally the client id) is sent on API requests. */
export function TokenPlacementSection() {
  const { jsonData } = useSettings();
  const styles = useStyles2(getStyles);
  const placement = jsonData.tokenPlacement ?? CONFIG_DEFAULTS.tokenPlacement;
  return (
    <ConfigSection title={SECTION.tokenPlacement} description="How the token is sent on API requests.">
      <RadioField<TokenPlacement>
        k="tokenPlacement"
        tip="Header (the default) or a query parameter, for APIs that only take ?access_token=… A token in a URL can end up in proxy and server logs: prefer the header when the API accepts it."
        example="Query parameter for an API that wants ?api_key=<token>"
        options={PLACEMENT_OPTIONS}
        value={placement}
      />
      {placement === 'query' ? (
        <TextField
          k="tokenQueryParam"
          tip="Name of the query parameter that carries the token."
          example="api_key"
          placeholder={CONFIG_DEFAULTS.tokenQueryParam}
        />
      ) : (
        <>
          <TextField
            k="tokenHeaderName"
            tip="Header that carries the token on API requests."
            example="X-Token"
            placeholder={CONFIG_DEFAULTS.tokenHeaderName}
          />
          <TextField
            k="tokenHeaderTemplate"
            tip="Value of that header; {{token}} is replaced by the token. Use {{token}} alone for a bare token."
            example="Token {{token}}"
            placeholder={CONFIG_DEFAULTS.tokenHeaderTemplate}
          />
        </>
      )}
      <SwitchField
        k="sendClientIdHeader"
        tip="Also send the client id in a header on every API request."
        example="on for IBM API Connect"
      />
      {jsonData.sendClientIdHeader && (
        <TextField
          k="clientIdHeaderName"
          tip="Header name used for the client id."
          example="X-IBM-Client-Id"
          placeholder={CONFIG_DEFAULTS.clientIdHeaderName}
        />
      )}
      <Box paddingTop={0.5}>
        <Text variant="bodySmall" color="secondary">
          API requests carry{' '}
          <span className={styles.code} data-testid="token-header-preview">
            {placementPreview(jsonData)}
          </span>
        </Text>
      </Box>
    </ConfigSection>
  );
}
