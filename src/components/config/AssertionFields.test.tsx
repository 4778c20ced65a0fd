import { fireEvent, screen } from '@testing-library/react';

import { CONFIG, SECTION } from '../selectors';
import { click, expand, field, makeOptions, queryField, radio, renderStateful, type } from '../testing';

const backendGet = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ get: backendGet }),
  config: { appUrl: 'http://grafana.example.com/' },
}));

describe('ConfigEditor: client authentication (issue 16)', () => {
  it('stores the discovery issuer and makes the token URL optional', () => {
    const { last } = renderStateful(makeOptions());
    expect(field(CONFIG.tokenUrl)).toBeRequired();
    type(CONFIG.issuerUrl, 'https://kc.example.com/realms/acme');
    expect(last().jsonData.issuerUrl).toBe('https://kc.example.com/realms/acme');
    expect(field(CONFIG.tokenUrl)).not.toBeRequired();
    expect(field(CONFIG.tokenUrl)).toHaveAttribute('placeholder', 'from discovery');
  });

  it('private_key_jwt: key only in secureJsonData, algorithm, key id and audience in jsonData, no secret field', () => {
    const { last } = renderStateful(makeOptions());
    expect(queryField(CONFIG.privateKey)).not.toBeInTheDocument();
    expect(queryField(CONFIG.jwtAlg)).not.toBeInTheDocument();

    radio('Private key JWT');
    expect(last().jsonData.clientAuth).toBe('private_key_jwt');
    expect(queryField(CONFIG.clientSecret)).not.toBeInTheDocument();
    type(CONFIG.privateKey, '-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----');
    radio('PS256');
    type(CONFIG.jwtKeyId, 'kid-1');
    type(CONFIG.jwtAudience, 'https://idp.example.com');

    expect(last().secureJsonData).toEqual({ privateKey: '-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----' });
    expect(last().jsonData).toEqual({
      clientAuth: 'private_key_jwt',
      jwtAlg: 'PS256',
      jwtKeyId: 'kid-1',
      jwtAudience: 'https://idp.example.com',
    });
    // the JWT bearer grant's fields stay hidden
    expect(queryField(CONFIG.jwtIssuer)).not.toBeInTheDocument();
  });

  it('shows a stored private key as configured and resets value and flag', () => {
    const { last } = renderStateful(
      makeOptions({ jsonData: { clientAuth: 'private_key_jwt' }, secureJsonFields: { privateKey: true } })
    );
    expect(field(CONFIG.privateKey)).toHaveValue('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.privateKey).toBe(false);
    expect(last().secureJsonData?.privateKey).toBe('');
  });

  it('client_secret_jwt keeps the secret, asks only for the audience', () => {
    const { last } = renderStateful(makeOptions());
    radio('Secret JWT');
    expect(last().jsonData.clientAuth).toBe('client_secret_jwt');
    expect(field(CONFIG.clientSecret)).toBeInTheDocument();
    expect(queryField(CONFIG.privateKey)).not.toBeInTheDocument();
    expect(queryField(CONFIG.jwtAlg)).not.toBeInTheDocument();
    type(CONFIG.jwtAudience, 'https://idp.example.com/token');
    expect(last().jsonData.jwtAudience).toBe('https://idp.example.com/token');
  });

  it("tls_client_auth sends no secret and points at Grafana's TLS client certificate", () => {
    const { last } = renderStateful(makeOptions());
    radio('mTLS');
    expect(last().jsonData.clientAuth).toBe('tls_client_auth');
    expect(queryField(CONFIG.clientSecret)).not.toBeInTheDocument();
    expect(queryField(CONFIG.privateKey)).not.toBeInTheDocument();
    expect(field(CONFIG.clientId)).toBeInTheDocument();
    expect(screen.getByText(/TLS client certificate settings are used/)).toHaveTextContent('must be turned on');
  });

  it('jwt_bearer with a private key: issuer, subject, audience and key; no client secret', () => {
    const { last } = renderStateful(makeOptions());
    radio('JWT bearer');
    expect(last().jsonData.grantType).toBe('jwt_bearer');
    expect(screen.getByRole('radio', { name: 'None' })).toBeChecked(); // client authentication default
    expect(queryField(CONFIG.clientId)).not.toBeInTheDocument();
    expect(queryField(CONFIG.clientSecret)).not.toBeInTheDocument();
    type(CONFIG.jwtIssuer, 'svc@example.com');
    type(CONFIG.jwtSubject, 'user@example.com');
    type(CONFIG.jwtAudience, 'https://login.example.com');
    type(CONFIG.scopes, 'api');
    type(CONFIG.privateKey, 'PEM');
    expect(last().jsonData).toEqual({
      grantType: 'jwt_bearer',
      jwtIssuer: 'svc@example.com',
      jwtSubject: 'user@example.com',
      jwtAudience: 'https://login.example.com',
      scopes: 'api',
    });
    expect(last().secureJsonData).toEqual({ privateKey: 'PEM' });
    expect(queryField(CONFIG.serviceAccountKey)).not.toBeInTheDocument();
  });

  it('Google service account: the JSON key only in secureJsonData, no PEM or issuer fields', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { grantType: 'jwt_bearer' } }));
    radio('Service account JSON key');
    expect(queryField(CONFIG.privateKey)).not.toBeInTheDocument();
    expect(queryField(CONFIG.jwtIssuer)).not.toBeInTheDocument();
    expect(field(CONFIG.tokenUrl)).not.toBeRequired();
    type(CONFIG.serviceAccountKey, '{"type":"service_account","private_key":"k"}');
    expect(last().secureJsonData).toEqual({ serviceAccountKey: '{"type":"service_account","private_key":"k"}' });
    expect(JSON.stringify(last().jsonData)).not.toContain('service_account');

    // back to a private key: the typed service-account key is dropped (the backend would prefer it)
    radio('PEM private key');
    expect(last().secureJsonData).toEqual({});
    expect(field(CONFIG.privateKey)).toBeInTheDocument();
  });

  it('a stored service-account key opens as the Google key source and resets', () => {
    const { last } = renderStateful(
      makeOptions({ jsonData: { grantType: 'jwt_bearer' }, secureJsonFields: { serviceAccountKey: true } })
    );
    expect(field(CONFIG.serviceAccountKey)).toHaveValue('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.serviceAccountKey).toBe(false);
    expect(last().secureJsonData?.serviceAccountKey).toBe('');
  });

  it('leaving the JWT bearer grant brings client authentication "none" back to body, saved', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { grantType: 'jwt_bearer', clientAuth: 'none' } }));
    click('Client credentials');
    expect(last().jsonData).toEqual({ grantType: 'client_credentials', clientAuth: 'body' });
    expect(screen.queryByRole('radio', { name: 'None' })).not.toBeInTheDocument();
  });

  it('token placement in a query parameter', () => {
    const { last } = renderStateful(makeOptions());
    expect(queryField(CONFIG.tokenQueryParam)).not.toBeInTheDocument();
    radio('Query parameter');
    expect(last().jsonData.tokenPlacement).toBe('query');
    expect(queryField(CONFIG.tokenHeaderName)).not.toBeInTheDocument();
    type(CONFIG.tokenQueryParam, 'api_key');
    expect(last().jsonData.tokenQueryParam).toBe('api_key');
    expect(screen.getByTestId('token-header-preview')).toHaveTextContent('?api_key=<token>');
    radio('Request header');
    expect(last().jsonData.tokenPlacement).toBe('header');
    expect(field(CONFIG.tokenHeaderName)).toBeInTheDocument();
  });

  it('the token request section keeps its parameter names for body client authentication only', () => {
    renderStateful(makeOptions({ jsonData: { clientAuth: 'private_key_jwt' } }));
    expand(SECTION.tokenRequest);
    expect(queryField(CONFIG.clientIdParam)).not.toBeInTheDocument();
  });
});
