import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { DataSourceSettings } from '@grafana/data';

import { OAuthConnect, callbackUrl } from './OAuthConnect';
import { RestDataSourceOptions, RestSecureJsonData } from '../types';

const get = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ get }),
  config: { appUrl: 'http://grafana.example.com/' },
}));

function makeOptions(secure: RestSecureJsonData = {}): DataSourceSettings<RestDataSourceOptions, RestSecureJsonData> {
  return {
    id: 7,
    uid: 'abc',
    version: 2,
    jsonData: { grantType: 'authorization_code' },
    secureJsonData: secure,
    secureJsonFields: {},
  } as unknown as DataSourceSettings<RestDataSourceOptions, RestSecureJsonData>;
}

describe('OAuthConnect', () => {
  const assign = jest.fn();
  beforeEach(() => {
    get.mockReset();
    assign.mockReset();
    Object.defineProperty(window, 'location', {
      configurable: true,
      value: { ...window.location, search: '', origin: 'http://localhost', assign },
    });
  });

  it('shows the redirect URL to register', async () => {
    get.mockResolvedValue({ connected: false, reauthRequired: false });
    render(<OAuthConnect options={makeOptions()} onOptionsChange={jest.fn()} />);
    expect(screen.getByLabelText('Redirect URL')).toHaveValue(
      'http://grafana.example.com/api/datasources/uid/abc/resources/oauth/callback'
    );
    await waitFor(() => expect(screen.getByLabelText('Connection state')).toHaveTextContent('Not connected'));
  });

  it('uses redirectUrl when set', () => {
    expect(callbackUrl('abc', 'https://grafana.corp/cb')).toBe('https://grafana.corp/cb');
  });

  it('shows connected and hands the sealed refresh token to Save', async () => {
    get.mockResolvedValue({ connected: true, reauthRequired: false, sealedRefreshToken: 'sealed-blob' });
    const onOptionsChange = jest.fn();
    render(<OAuthConnect options={makeOptions()} onOptionsChange={onOptionsChange} />);
    await waitFor(() => expect(screen.getByLabelText('Connection state')).toHaveTextContent('Connected'));
    expect(screen.getByRole('button', { name: 'Connect' })).toHaveTextContent('Reconnect');
    await waitFor(() => expect(onOptionsChange).toHaveBeenCalled());
    const saved = onOptionsChange.mock.calls[0][0];
    expect(saved.secureJsonData.sealedRefreshToken).toBe('sealed-blob');
    expect(JSON.stringify(saved.jsonData)).not.toContain('sealed-blob');
  });

  it('does not rewrite an unchanged sealed token', async () => {
    get.mockResolvedValue({ connected: true, reauthRequired: false, sealedRefreshToken: 'same' });
    const onOptionsChange = jest.fn();
    render(<OAuthConnect options={makeOptions({ sealedRefreshToken: 'same' })} onOptionsChange={onOptionsChange} />);
    await waitFor(() => expect(screen.getByLabelText('Connection state')).toHaveTextContent('Connected'));
    expect(onOptionsChange).not.toHaveBeenCalled();
  });

  it('shows re-authorization required', async () => {
    get.mockResolvedValue({
      connected: false,
      reauthRequired: true,
      lastError: 're-authorization required: click Connect',
    });
    render(<OAuthConnect options={makeOptions()} onOptionsChange={jest.fn()} />);
    await waitFor(() =>
      expect(screen.getByLabelText('Connection state')).toHaveTextContent('Re-authorization required')
    );
  });

  it('shows the failure the callback reported', async () => {
    window.location.search = '?oauth2rest=failed&reason=state%20replay';
    get.mockResolvedValue({ connected: false, reauthRequired: false });
    render(<OAuthConnect options={makeOptions()} onOptionsChange={jest.fn()} />);
    await waitFor(() => expect(screen.getByLabelText('Connection state')).toHaveTextContent('Connection failed'));
    expect(screen.getByLabelText('Connection state')).toHaveTextContent('state replay');
  });

  it('Connect goes to the provider URL from the backend', async () => {
    get.mockImplementation((url: string) =>
      Promise.resolve(
        url.endsWith('oauth/authorize')
          ? { url: 'https://idp.example.com/authorize?state=s' }
          : { connected: false, reauthRequired: false }
      )
    );
    render(<OAuthConnect options={makeOptions()} onOptionsChange={jest.fn()} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    });
    expect(get).toHaveBeenCalledWith('/api/datasources/uid/abc/resources/oauth/authorize', undefined, undefined, {
      showErrorAlert: false,
    });
    expect(assign).toHaveBeenCalledWith('https://idp.example.com/authorize?state=s');
  });

  it('shows an error when the backend refuses to start', async () => {
    get.mockImplementation((url: string) =>
      url.endsWith('oauth/authorize')
        ? Promise.reject({ data: { error: 'grantType is not authorization_code' } })
        : Promise.resolve({ connected: false, reauthRequired: false })
    );
    render(<OAuthConnect options={makeOptions()} onOptionsChange={jest.fn()} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Connect' }));
    });
    expect(screen.getByLabelText('Connection state')).toHaveTextContent('grantType is not authorization_code');
  });
});
