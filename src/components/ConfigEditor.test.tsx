import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';

import { ConfigEditor } from './ConfigEditor';
import { MyDataSourceOptions, MySecureJsonData } from '../types';

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

    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(screen.getByLabelText('Parameter 1 name'), { target: { value: 'api_key' } });
    fireEvent.click(screen.getByLabelText('Parameter 1 secure'));
    fireEvent.change(screen.getByLabelText('Parameter 1 value'), { target: { value: 'pk' } });

    expect(last().secureJsonData?.['tokenParam.api_key']).toBe('pk');
    expect(last().jsonData.tokenParams).toEqual([{ name: 'api_key', secure: true }]);
  });

  it('updates token path and token header template in jsonData', () => {
    const { last } = renderStateful(makeOptions());

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

    fireEvent.click(screen.getByLabelText('HTTP Basic'));
    expect(last().jsonData.clientAuth).toBe('basic');
    // parameter names only apply to clientAuth=body
    expect(screen.queryByLabelText('Client ID parameter')).not.toBeInTheDocument();

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
});
