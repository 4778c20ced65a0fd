import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { CONFIG_DEFAULTS } from '../../types';
import { SECTION } from '../selectors';
import {
  CERTIFICATE,
  NumberField,
  PRIVATE_KEY,
  SHORT_WIDTH,
  SecretField,
  SwitchField,
  TextField,
  useInitiallyOpen,
  useSettings,
} from './fields';

/**
 * Grafana's standard TLS keys (read by the backend through the SDK's HTTP client options), request timeouts
 * and the reply size limit. The TLS client certificate is also what clientAuth tls_client_auth presents.
 */
export function TlsSection() {
  const { jsonData } = useSettings();
  const open = useInitiallyOpen([
    'tlsSkipVerify',
    'tlsAuthWithCACert',
    'tlsAuth',
    'serverName',
    'timeout',
    'tokenTimeout',
    'maxResponseBytes',
  ]);
  return (
    <ConfigSection
      title={SECTION.tls}
      description="Certificates for private CAs or mutual TLS, request timeouts and the reply size limit. Apply to token and API requests."
      isCollapsible
      isInitiallyOpen={open}
    >
      <SwitchField
        k="tlsSkipVerify"
        tip="Accept any server certificate. Insecure: use only for tests against self-signed servers."
        example="on for https://localhost:8443"
      />
      <SwitchField
        k="tlsAuthWithCACert"
        tip="Verify the servers against your own CA certificate instead of the system roots."
        example="on for a company CA"
      />
      {jsonData.tlsAuthWithCACert && (
        <SecretField k="tlsCACert" tip="PEM CA certificate. Stored encrypted." {...CERTIFICATE} multiline />
      )}
      <SwitchField
        k="tlsAuth"
        tip="Present a client certificate (mutual TLS), to the API and the token endpoint (client authentication mTLS)."
        example="on when the server asks for a client certificate"
      />
      {jsonData.tlsAuth && (
        <>
          <SecretField k="tlsClientCert" tip="PEM client certificate. Stored encrypted." {...CERTIFICATE} multiline />
          <SecretField
            k="tlsClientKey"
            tip="PEM private key of the client certificate. Stored encrypted."
            {...PRIVATE_KEY}
            multiline
          />
        </>
      )}
      <TextField
        k="serverName"
        tip="Server name expected in the certificate (and sent as SNI) when it differs from the URL's host."
        example="api.internal.example.com"
        placeholder="optional"
      />
      <TextField
        k="timeout"
        tip="Timeout of one API request (Go duration)."
        example="1m"
        placeholder={CONFIG_DEFAULTS.timeout}
        width={SHORT_WIDTH}
      />
      <TextField
        k="tokenTimeout"
        tip="Timeout of one token request (Go duration)."
        example="10s"
        placeholder={CONFIG_DEFAULTS.tokenTimeout}
        width={SHORT_WIDTH}
      />
      <NumberField
        k="maxResponseBytes"
        tip="Largest API reply body accepted, in bytes."
        example="33554432 (32 MiB)"
        placeholder={String(CONFIG_DEFAULTS.maxResponseBytes)}
        min={1}
      />
    </ConfigSection>
  );
}
