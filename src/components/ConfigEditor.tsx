import React from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourceDescription } from '@grafana/plugin-ui';
import { Divider, Stack, Text } from '@grafana/ui';

import { RestDataSourceOptions, RestSecureJsonData } from '../types';
import { AuthenticationSection } from './config/AuthenticationSection';
import { ConnectionSection } from './config/ConnectionSection';
import { SettingsProvider } from './config/fields';
import { HaSection } from './config/HaSection';
import { HeadersSection } from './config/HeadersSection';
import { IdentitySection } from './config/IdentitySection';
import { LimitsSection } from './config/LimitsSection';
import { PolicySection } from './config/PolicySection';
import { PresetPicker } from './config/PresetPicker';
import { TlsSection } from './config/TlsSection';
import { TokenPlacementSection } from './config/TokenPlacementSection';
import { TokenReplySection } from './config/TokenReplySection';
import { TokenRequestSection } from './config/TokenRequestSection';

export interface Props extends DataSourcePluginOptionsEditorProps<RestDataSourceOptions, RestSecureJsonData> {}

const DOCS = 'https://github.com/oauth2rest/oauth2rest-api-datasource/blob/main/docs/configuration.md';

/** The settings page: one section per step of a request, rarely used ones collapsed until they hold a setting. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const sections = [
    ConnectionSection,
    AuthenticationSection,
    TokenRequestSection,
    TokenReplySection,
    TokenPlacementSection,
    IdentitySection,
    HeadersSection,
    PolicySection,
    LimitsSection,
    HaSection,
    TlsSection,
  ];
  return (
    <SettingsProvider value={{ options, onOptionsChange }}>
      <Stack direction="column" gap={2}>
        <DataSourceDescription dataSourceName="OAuth2 REST API" docsLink={DOCS} hasRequiredFields />
        <Text element="p" color="secondary">
          Queries a REST/JSON API with an OAuth2 access token. The token is requested with the client credentials below,
          cached until it expires, and sent on every request to the API base URL. Client id, client secret, keys,
          certificates and secure headers are encrypted by Grafana and never sent back to the browser.
        </Text>
        <PresetPicker />
        {sections.map((Section, i) => (
          <React.Fragment key={i}>
            {i > 0 && <Divider spacing={1} />}
            <Section />
          </React.Fragment>
        ))}
      </Stack>
    </SettingsProvider>
  );
}
