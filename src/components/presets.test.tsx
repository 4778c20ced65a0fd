import { screen } from '@testing-library/react';

import { CONFIG } from './selectors';
import { field, makeOptions, radio, renderStateful, type } from './testing';
import { PRESETS } from './presets';

describe('ConfigEditor', () => {
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

      radio('Custom {token} API');

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

      radio('Standard OAuth2');

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

      radio('Azure AD (v1)');

      expect(last().jsonData).toEqual({
        tokenUrl: 'https://login.microsoftonline.com/<tenant>/oauth2/token',
        resource: 'https://management.azure.com/',
        expiresAtPath: 'expires_on',
      });
      expect(last().secureJsonData).toEqual(secrets);
      // the <tenant> placeholder is flagged until it is replaced
      expect(screen.getByText(/Replace the <placeholder>/)).toBeInTheDocument();
      type(CONFIG.tokenUrl, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token');
      expect(screen.queryByText(/Replace the <placeholder>/)).not.toBeInTheDocument();
      expect(screen.getByRole('radio', { name: 'Azure AD (v1)' })).toBeChecked();
    });

    it('Azure AD (v1) keeps an existing Azure token URL and resource', () => {
      const tokenUrl = 'https://login.microsoftonline.com/contoso/oauth2/token';
      const { last } = renderStateful(makeOptions({ jsonData: { tokenUrl, resource: 'api://my-app' } }));

      radio('Azure AD (v1)');

      expect(last().jsonData).toEqual({ tokenUrl, resource: 'api://my-app', expiresAtPath: 'expires_on' });
    });

    it('Salesforce counts a 2h lifetime from issued_at', () => {
      const { last } = renderStateful(
        makeOptions({ jsonData: { expiresAtPath: 'expires_on', tokenPath: 'token' }, secureJsonData: secrets })
      );

      radio('Salesforce');

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

    it('Keycloak, Okta and Auth0 fill a discovery issuer template and are recognised by it', () => {
      const { last } = renderStateful(makeOptions({ secureJsonData: secrets }));
      radio('Keycloak');
      expect(last().jsonData).toEqual({ issuerUrl: 'https://<host>/realms/<realm>' });
      expect(screen.getByText(/Replace the <placeholder>/)).toBeInTheDocument();
      type(CONFIG.issuerUrl, 'https://sso.example.com/realms/acme');
      expect(screen.getByRole('radio', { name: 'Keycloak' })).toBeChecked();

      radio('Okta');
      expect(last().jsonData.issuerUrl).toBe('https://<org>.okta.com/oauth2/default');
      radio('Auth0');
      expect(last().jsonData.issuerUrl).toBe('https://<tenant>.auth0.com/');
      expect(last().secureJsonData).toEqual(secrets);
    });

    it('Azure AD v2 (certificate) sets private_key_jwt, the v2 token URL and a .default scope', () => {
      const { last } = renderStateful(makeOptions({ jsonData: { scopes: 'api://app/.default' } }));
      radio('Azure AD v2 (certificate)');
      expect(last().jsonData).toEqual({
        tokenUrl: 'https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token',
        scopes: 'api://app/.default',
        clientAuth: 'private_key_jwt',
        jwtAlg: 'RS256',
      });
      expect(field(CONFIG.privateKey)).toBeInTheDocument();
      expect(screen.getByRole('radio', { name: 'Azure AD v2 (certificate)' })).toBeChecked();
    });

    it('Google service account sets the JWT bearer grant and asks for the JSON key', () => {
      const { last } = renderStateful(makeOptions());
      radio('Google service account');
      expect(last().jsonData).toEqual({
        grantType: 'jwt_bearer',
        clientAuth: 'none',
        tokenUrl: 'https://oauth2.googleapis.com/token',
        scopes: 'https://www.googleapis.com/auth/cloud-platform',
      });
      expect(field(CONFIG.serviceAccountKey)).toBeInTheDocument();
      expect(screen.getByRole('radio', { name: 'Google service account' })).toBeChecked();
    });
  });
});
