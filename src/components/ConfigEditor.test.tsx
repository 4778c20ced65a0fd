import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';

import { ConfigEditor } from './ConfigEditor';
import { MyDataSourceOptions, MySecureJsonData } from '../types';
import { PRESETS } from './presets';

const backendGet = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ get: backendGet }),
  config: { appUrl: 'http://grafana.example.com/' },
}));

type Settings = DataSourceSettings<MyDataSourceOptions, MySecureJsonData>;

function makeOptions(overrides: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'abc',
    orgId: 1,
    name: 'OAuth2 REST API',
    type: 'oauth2rest-api-datasource',
    typeName: 'OAuth2 REST API',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    secureJsonData: {},
    ...overrides,
  } as Settings;
}

/** Renders the editor with real state so that several edits build on each other. */
function renderStateful(initial: Settings) {
  const onOptionsChange = jest.fn();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  const last = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, last };
}

/** Opens a collapsible section (rarely used sections start closed when they hold no setting). */
function expand(title: string) {
  fireEvent.click(screen.getByLabelText(`Expand section ${title}`));
}

function expectNoSecretsInJsonData(options: Settings) {
  const json = JSON.stringify(options.jsonData);
  expect(options.jsonData).not.toHaveProperty('clientSecret');
  expect(options.jsonData).not.toHaveProperty('clientId');
  return json;
}

describe('ConfigEditor', () => {
  it('writes the client secret only to secureJsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={makeOptions()} onOptionsChange={onOptionsChange} />);

    fireEvent.change(screen.getByLabelText('Client secret'), { target: { value: 's3cr3t' } });

    expect(onOptionsChange).toHaveBeenCalledTimes(1);
    const next: Settings = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData?.clientSecret).toBe('s3cr3t');
    expectNoSecretsInJsonData(next);
    expect(JSON.stringify(next.jsonData)).not.toContain('s3cr3t');
  });

  it('writes the client id only to secureJsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={makeOptions()} onOptionsChange={onOptionsChange} />);

    fireEvent.change(screen.getByLabelText('Client ID'), { target: { value: 'my-client' } });

    const next: Settings = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData?.clientId).toBe('my-client');
    expectNoSecretsInJsonData(next);
    expect(JSON.stringify(next.jsonData)).not.toContain('my-client');
  });

  it('shows configured secrets and resets value and flag', () => {
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor
        options={makeOptions({ secureJsonFields: { clientId: true, clientSecret: true } })}
        onOptionsChange={onOptionsChange}
      />
    );

    const secret = screen.getByLabelText('Client secret') as HTMLInputElement;
    expect(secret).toBeDisabled();
    expect(secret.value).toBe('configured');

    const resetButtons = screen.getAllByRole('button', { name: 'Reset' });
    expect(resetButtons).toHaveLength(2);
    // second reset button belongs to the client secret (client id comes first)
    fireEvent.click(resetButtons[1]);

    const next: Settings = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonFields.clientSecret).toBe(false);
    expect(next.secureJsonData?.clientSecret).toBe('');
    expect(next.secureJsonFields.clientId).toBe(true);
    expectNoSecretsInJsonData(next);
  });

  it('stores a secure header value only under secureJsonData["header.<Name>"]', () => {
    const { last } = renderStateful(makeOptions());

    expand('Headers');
    fireEvent.click(screen.getByRole('button', { name: 'Add header' }));
    fireEvent.change(screen.getByLabelText('Header 1 name'), { target: { value: 'X-Api-Key' } });
    fireEvent.click(screen.getByLabelText('Header 1 secure'));
    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'k3y' } });

    const next = last();
    expect(next.secureJsonData?.['header.X-Api-Key']).toBe('k3y');
    expect(next.jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
    expect(JSON.stringify(next.jsonData)).not.toContain('k3y');
    expectNoSecretsInJsonData(next);
  });

  it('moves a typed plain header value into secureJsonData when marked secure', () => {
    const { last } = renderStateful(makeOptions());

    expand('Headers');
    fireEvent.click(screen.getByRole('button', { name: 'Add header' }));
    fireEvent.change(screen.getByLabelText('Header 1 name'), { target: { value: 'X-Api-Key' } });
    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'plain' } });
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', value: 'plain' }]);

    fireEvent.click(screen.getByLabelText('Header 1 secure'));
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('plain');
  });

  it('shows a stored secure header as configured and resets it', () => {
    const { last } = renderStateful(
      makeOptions({
        jsonData: { headers: [{ name: 'X-Api-Key', secure: true }] },
        secureJsonFields: { 'header.X-Api-Key': true },
      })
    );

    const value = screen.getByLabelText('Header 1 value') as HTMLInputElement;
    expect(value.value).toBe('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));

    expect(last().secureJsonFields['header.X-Api-Key']).toBe(false);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('');
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
  });

  it('removing a stored secure header clears its secret', () => {
    const { last } = renderStateful(
      makeOptions({
        jsonData: { headers: [{ name: 'X-Api-Key', secure: true }] },
        secureJsonFields: { 'header.X-Api-Key': true },
      })
    );

    fireEvent.click(screen.getByRole('button', { name: 'Remove header 1' }));

    expect(last().jsonData.headers).toEqual([]);
    expect(last().secureJsonFields['header.X-Api-Key']).toBe(false);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('');
  });

  it('stores a secure token request parameter under secureJsonData["tokenParam.<name>"]', () => {
    const { last } = renderStateful(makeOptions());

    expand('Token request');
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(screen.getByLabelText('Parameter 1 name'), { target: { value: 'api_key' } });
    fireEvent.click(screen.getByLabelText('Parameter 1 secure'));
    fireEvent.change(screen.getByLabelText('Parameter 1 value'), { target: { value: 'pk' } });

    expect(last().secureJsonData?.['tokenParam.api_key']).toBe('pk');
    expect(last().jsonData.tokenParams).toEqual([{ name: 'api_key', secure: true }]);
  });

  it('updates token path and token header template in jsonData', () => {
    const { last } = renderStateful(makeOptions());

    expand('Token reply');
    fireEvent.change(screen.getByLabelText('Token path'), { target: { value: '$.data.accessToken' } });
    expect(last().jsonData.tokenPath).toBe('$.data.accessToken');

    fireEvent.change(screen.getByLabelText('Token header template'), { target: { value: 'Token {{token}}' } });
    expect(last().jsonData.tokenHeaderTemplate).toBe('Token {{token}}');
    expect(last().jsonData.tokenPath).toBe('$.data.accessToken');

    fireEvent.change(screen.getByLabelText('Token header name'), { target: { value: 'X-Auth-Token' } });
    expect(last().jsonData.tokenHeaderName).toBe('X-Auth-Token');
  });

  it('updates url, token URL, client auth and token location', () => {
    const { last } = renderStateful(makeOptions());

    fireEvent.change(screen.getByLabelText('API base URL'), { target: { value: 'https://api.example.com/v1' } });
    expect(last().url).toBe('https://api.example.com/v1');

    fireEvent.change(screen.getByLabelText('Token URL'), { target: { value: 'https://auth.example.com/token' } });
    expect(last().jsonData.tokenUrl).toBe('https://auth.example.com/token');

    expand('Token request');
    expect(screen.getByLabelText('Client ID parameter')).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('HTTP Basic'));
    expect(last().jsonData.clientAuth).toBe('basic');
    // parameter names only apply to clientAuth=body
    expect(screen.queryByLabelText('Client ID parameter')).not.toBeInTheDocument();

    expand('Token reply');
    fireEvent.click(screen.getByRole('radio', { name: 'Header' }));
    expect(last().jsonData.tokenLocation).toBe('header');
    fireEvent.change(screen.getByLabelText('Token response header'), { target: { value: 'X-Subject-Token' } });
    expect(last().jsonData.tokenResponseHeader).toBe('X-Subject-Token');
  });

  it('shows the client id header name only when the switch is on', () => {
    const { last } = renderStateful(makeOptions());

    expect(screen.queryByLabelText('Client ID header name')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Send client ID header'));
    expect(last().jsonData.sendClientIdHeader).toBe(true);
    fireEvent.change(screen.getByLabelText('Client ID header name'), { target: { value: 'X-IBM-Client-Id' } });
    expect(last().jsonData.clientIdHeaderName).toBe('X-IBM-Client-Id');
  });

  it('stores advanced settings and removes cleared values', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { timeout: '10s' } }));

    fireEvent.change(screen.getByLabelText('Max response bytes'), { target: { value: '1024' } });
    expect(last().jsonData.maxResponseBytes).toBe(1024);

    fireEvent.change(screen.getByLabelText('Timeout'), { target: { value: '' } });
    expect(last().jsonData).not.toHaveProperty('timeout');

    fireEvent.change(screen.getByLabelText('Health check path'), { target: { value: '/me' } });
    expect(last().jsonData.healthCheckPath).toBe('/me');
  });

  describe('presets', () => {
    const secrets = { clientId: 'id-1', clientSecret: 'secret-1', 'header.X-Api-Key': 'k' };

    it('shows Standard OAuth2 as the matching preset for empty settings', () => {
      renderStateful(makeOptions());
      expect(screen.getByRole('radio', { name: 'Standard OAuth2' })).toBeChecked();
      expect(screen.getByText(/RFC 6749 reply/)).toBeInTheDocument();
    });

    it('fills the Custom {token} API fields and keeps secrets, URL and headers', () => {
      const { last } = renderStateful(
        makeOptions({
          url: 'https://api.example.com',
          jsonData: { tokenUrl: 'https://api.example.com/auth/token', headers: [{ name: 'X-Api-Key', secure: true }] },
          secureJsonData: secrets,
          secureJsonFields: { clientSecret: true },
        })
      );

      fireEvent.click(screen.getByRole('radio', { name: 'Custom {token} API' }));

      const next = last();
      expect(next.jsonData).toEqual({
        tokenUrl: 'https://api.example.com/auth/token',
        headers: [{ name: 'X-Api-Key', secure: true }],
        tokenPath: 'token',
        tokenHeaderName: 'X-Token',
        tokenHeaderTemplate: '{{token}}',
        sendClientIdHeader: true,
        clientIdHeaderName: 'X-Client-ID',
      });
      expect(next.url).toBe('https://api.example.com');
      expect(next.secureJsonData).toEqual(secrets);
      expect(next.secureJsonFields).toEqual({ clientSecret: true });
      expect(screen.getByRole('radio', { name: 'Custom {token} API' })).toBeChecked();
      expect(screen.getByTestId('token-header-preview')).toHaveTextContent(
        'X-Token: <token> and X-Client-ID: <client id>'
      );
    });

    it('Standard OAuth2 resets reply and placement fields to the defaults', () => {
      const { last } = renderStateful(
        makeOptions({
          jsonData: {
            tokenUrl: 'https://auth.example.com/token',
            scopes: 'read',
            clientAuth: 'basic',
            tokenPath: 'token',
            tokenHeaderName: 'X-Token',
            tokenHeaderTemplate: '{{token}}',
            sendClientIdHeader: true,
            clientIdHeaderName: 'X-Client-ID',
            issuedAtPath: 'issued_at',
          },
          secureJsonData: secrets,
        })
      );
      expect(screen.getByRole('radio', { name: 'Standard OAuth2' })).not.toBeChecked();

      fireEvent.click(screen.getByRole('radio', { name: 'Standard OAuth2' }));

      expect(last().jsonData).toEqual({
        tokenUrl: 'https://auth.example.com/token',
        scopes: 'read',
        clientAuth: 'basic',
      });
      expect(last().secureJsonData).toEqual(secrets);
      expect(screen.getByTestId('token-header-preview')).toHaveTextContent('Authorization: Bearer <token>');
    });

    it('Azure AD (v1) fills the token URL template, resource and expires_on', () => {
      const { last } = renderStateful(makeOptions({ secureJsonData: secrets }));

      fireEvent.click(screen.getByRole('radio', { name: 'Azure AD (v1)' }));

      expect(last().jsonData).toEqual({
        tokenUrl: 'https://login.microsoftonline.com/<tenant>/oauth2/token',
        resource: 'https://management.azure.com/',
        expiresAtPath: 'expires_on',
      });
      expect(last().secureJsonData).toEqual(secrets);
      // the <tenant> placeholder is flagged until it is replaced
      expect(screen.getByText(/Replace the <placeholder>/)).toBeInTheDocument();
      fireEvent.change(screen.getByLabelText('Token URL'), {
        target: { value: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token' },
      });
      expect(screen.queryByText(/Replace the <placeholder>/)).not.toBeInTheDocument();
      expect(screen.getByRole('radio', { name: 'Azure AD (v1)' })).toBeChecked();
    });

    it('Azure AD (v1) keeps an existing Azure token URL and resource', () => {
      const tokenUrl = 'https://login.microsoftonline.com/contoso/oauth2/token';
      const { last } = renderStateful(makeOptions({ jsonData: { tokenUrl, resource: 'api://my-app' } }));

      fireEvent.click(screen.getByRole('radio', { name: 'Azure AD (v1)' }));

      expect(last().jsonData).toEqual({ tokenUrl, resource: 'api://my-app', expiresAtPath: 'expires_on' });
    });

    it('Salesforce counts a 2h lifetime from issued_at', () => {
      const { last } = renderStateful(
        makeOptions({ jsonData: { expiresAtPath: 'expires_on', tokenPath: 'token' }, secureJsonData: secrets })
      );

      fireEvent.click(screen.getByRole('radio', { name: 'Salesforce' }));

      expect(last().jsonData).toEqual({
        issuedAtPath: 'issued_at',
        defaultTokenLifetime: '2h',
      });
      expect(last().secureJsonData).toEqual(secrets);
      expect(screen.getByRole('radio', { name: 'Salesforce' })).toBeChecked();
    });

    it('shows no preset once a field differs from every preset', () => {
      renderStateful(makeOptions({ jsonData: { tokenPath: '$.data.accessToken' } }));
      PRESETS.forEach((p) => expect(screen.getByRole('radio', { name: p.label })).not.toBeChecked());
      expect(screen.getByText(/match no preset/)).toBeInTheDocument();
    });
  });

  describe('TLS', () => {
    it('keeps rarely used sections closed until they hold a setting', () => {
      renderStateful(makeOptions());
      expect(screen.queryByLabelText('Skip TLS verification')).not.toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Expand section TLS and timeouts' })).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Expand section Headers' })).toBeInTheDocument();
    });

    it('opens the TLS section when a TLS setting is stored', () => {
      renderStateful(makeOptions({ jsonData: { tlsSkipVerify: true } }));
      expect(screen.getByLabelText('Skip TLS verification')).toBeChecked();
    });

    it('writes certificates and keys only to secureJsonData', () => {
      const { last } = renderStateful(makeOptions());
      expand('TLS and timeouts');

      fireEvent.click(screen.getByLabelText('Skip TLS verification'));
      fireEvent.click(screen.getByLabelText('With CA certificate'));
      fireEvent.change(screen.getByLabelText('CA certificate'), { target: { value: 'CA-PEM' } });
      fireEvent.click(screen.getByLabelText('TLS client authentication'));
      fireEvent.change(screen.getByLabelText('Client certificate'), { target: { value: 'CERT-PEM' } });
      fireEvent.change(screen.getByLabelText('Client key'), { target: { value: 'KEY-PEM' } });
      fireEvent.change(screen.getByLabelText('TLS server name'), { target: { value: 'api.internal' } });

      const next = last();
      expect(next.jsonData).toEqual({
        tlsSkipVerify: true,
        tlsAuthWithCACert: true,
        tlsAuth: true,
        serverName: 'api.internal',
      });
      expect(next.secureJsonData).toEqual({ tlsCACert: 'CA-PEM', tlsClientCert: 'CERT-PEM', tlsClientKey: 'KEY-PEM' });
      expect(JSON.stringify(next.jsonData)).not.toMatch(/PEM/);
    });

    it('shows stored certificates as configured and resets them', () => {
      const { last } = renderStateful(
        makeOptions({
          jsonData: { tlsAuth: true },
          secureJsonFields: { tlsClientCert: true, tlsClientKey: true },
        })
      );
      expect(screen.getByLabelText('Client key')).toHaveValue('configured');
      const resets = screen.getAllByRole('button', { name: 'Reset' });
      expect(resets).toHaveLength(2);
      fireEvent.click(resets[1]);
      expect(last().secureJsonFields).toEqual({ tlsClientCert: true, tlsClientKey: false });
      expect(last().secureJsonData).toEqual({ tlsClientKey: '' });
    });
  });

  it('labels every control and gives every field a tooltip', () => {
    renderStateful(
      makeOptions({
        jsonData: {
          tlsAuth: true,
          tlsAuthWithCACert: true,
          sendClientIdHeader: true,
          headers: [{ name: 'A', value: 'b' }],
          tokenParams: [{ name: 'p', secure: true }],
          tokenHeaders: [{ name: 'h', value: 'v' }],
        },
      })
    );
    expand('Token reply'); // the other sections start open: they hold settings

    const controls = Array.from(document.querySelectorAll('input, textarea'));
    expect(controls.length).toBeGreaterThan(40);
    for (const control of controls) {
      const labelled =
        control.getAttribute('aria-label') ||
        (control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`)) ||
        control.closest('label');
      expect({ control: control.outerHTML, labelled: !!labelled }).toEqual({
        control: control.outerHTML,
        labelled: true,
      });
    }
    // every field label carries a tooltip icon (the Secure switch label of list rows is plain text)
    const labels = Array.from(document.querySelectorAll('label'));
    const withoutTip = labels.filter(
      (l) => !l.querySelector('svg') && l.textContent && l.textContent !== 'Secure' && !l.closest('[role="radiogroup"]')
    );
    expect(withoutTip.map((l) => l.textContent)).toEqual([]);
  });

  describe('grant type', () => {
    beforeEach(() => backendGet.mockReset().mockResolvedValue({ connected: false, reauthRequired: false }));

    it('shows the authorization code fields and the Connect section only for that grant', async () => {
      const { last } = renderStateful(makeOptions());
      expect(screen.queryByLabelText('Authorization URL')).not.toBeInTheDocument();

      fireEvent.click(screen.getByLabelText('Authorization code'));
      expect(last().jsonData.grantType).toBe('authorization_code');
      expect(await screen.findByText('Not connected.')).toBeInTheDocument();

      fireEvent.change(screen.getByLabelText('Authorization URL'), {
        target: { value: 'https://auth.example.com/authorize' },
      });
      fireEvent.change(screen.getByLabelText('Issuer'), { target: { value: 'https://auth.example.com' } });
      fireEvent.click(screen.getByLabelText('Use PKCE'));
      fireEvent.change(screen.getByLabelText('Initial refresh token'), { target: { value: 'rt-1' } });
      fireEvent.click(screen.getByRole('button', { name: 'Add authorization parameter' }));
      fireEvent.change(screen.getByLabelText('Authorization parameter 1 name'), { target: { value: 'prompt' } });
      fireEvent.change(screen.getByLabelText('Authorization parameter 1 value'), { target: { value: 'consent' } });

      expect(last().jsonData).toEqual({
        grantType: 'authorization_code',
        authUrl: 'https://auth.example.com/authorize',
        issuer: 'https://auth.example.com',
        usePkce: false,
        authParams: [{ name: 'prompt', value: 'consent' }],
      });
      expect(last().secureJsonData).toEqual({ refreshToken: 'rt-1' });

      fireEvent.click(screen.getByLabelText('Client credentials'));
      expect(last().jsonData).not.toHaveProperty('grantType');
      expect(screen.queryByLabelText('Authorization URL')).not.toBeInTheDocument();
    });

    it('stores a secure authorization parameter under secureJsonData["authParam.<name>"]', async () => {
      const { last } = renderStateful(makeOptions({ jsonData: { grantType: 'authorization_code' } }));
      expect(await screen.findByText('Not connected.')).toBeInTheDocument(); // the status call settles
      fireEvent.click(screen.getByRole('button', { name: 'Add authorization parameter' }));
      fireEvent.change(screen.getByLabelText('Authorization parameter 1 name'), { target: { value: 'login_hint' } });
      fireEvent.click(screen.getByLabelText('Authorization parameter 1 secure'));
      fireEvent.change(screen.getByLabelText('Authorization parameter 1 value'), { target: { value: 'x@y' } });
      expect(last().jsonData.authParams).toEqual([{ name: 'login_hint', secure: true }]);
      expect(last().secureJsonData).toEqual({ 'authParam.login_hint': 'x@y' });
    });
  });

  it('configures the Redis shared store with the password only in secureJsonData', () => {
    const { last } = renderStateful(makeOptions());
    expand('High availability');
    expect(screen.queryByLabelText('Redis address')).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Redis'));
    fireEvent.change(screen.getByLabelText('Redis address'), { target: { value: 'redis:6379' } });
    fireEvent.change(screen.getByLabelText('Redis username'), { target: { value: 'grafana' } });
    fireEvent.change(screen.getByLabelText('Redis password'), { target: { value: 'pw' } });
    fireEvent.change(screen.getByLabelText('Redis database'), { target: { value: '2' } });
    fireEvent.click(screen.getByLabelText('Redis TLS'));
    fireEvent.change(screen.getByLabelText('Redis key prefix'), { target: { value: 'prod:' } });
    expect(last().jsonData).toEqual({
      sharedStore: 'redis',
      redisAddress: 'redis:6379',
      redisUsername: 'grafana',
      redisDb: 2,
      redisTls: true,
      redisKeyPrefix: 'prod:',
    });
    expect(last().secureJsonData).toEqual({ redisPassword: 'pw' });
    fireEvent.click(screen.getByLabelText('None'));
    expect(last().jsonData).not.toHaveProperty('sharedStore');
  });
});
