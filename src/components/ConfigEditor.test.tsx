import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { ConfigEditor } from './ConfigEditor';
import { addButton, CONFIG, LIST, listRow, SECTION } from './selectors';
import {
  click,
  expand,
  expectNoSecretsInJsonData,
  field,
  makeOptions,
  queryField,
  radio,
  renderStateful,
  type,
} from './testing';
import { Settings } from './configHelpers';

const backendGet = jest.fn();
jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => ({ get: backendGet }),
  config: { appUrl: 'http://grafana.example.com/' },
}));

describe('ConfigEditor', () => {
  it('writes the client secret only to secureJsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={makeOptions()} onOptionsChange={onOptionsChange} />);

    type(CONFIG.clientSecret, 's3cr3t');

    expect(onOptionsChange).toHaveBeenCalledTimes(1);
    const next: Settings = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData?.clientSecret).toBe('s3cr3t');
    expectNoSecretsInJsonData(next);
    expect(JSON.stringify(next.jsonData)).not.toContain('s3cr3t');
  });

  it('writes the client id only to secureJsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={makeOptions()} onOptionsChange={onOptionsChange} />);

    type(CONFIG.clientId, 'my-client');

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

    const secret = field(CONFIG.clientSecret) as HTMLInputElement;
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
  it('updates token path and token header template in jsonData', () => {
    const { last } = renderStateful(makeOptions());

    expand(SECTION.tokenReply);
    type(CONFIG.tokenPath, '$.data.accessToken');
    expect(last().jsonData.tokenPath).toBe('$.data.accessToken');

    type(CONFIG.tokenHeaderTemplate, 'Token {{token}}');
    expect(last().jsonData.tokenHeaderTemplate).toBe('Token {{token}}');
    expect(last().jsonData.tokenPath).toBe('$.data.accessToken');

    type(CONFIG.tokenHeaderName, 'X-Auth-Token');
    expect(last().jsonData.tokenHeaderName).toBe('X-Auth-Token');
  });

  it('updates url, token URL, client auth and token location', () => {
    const { last } = renderStateful(makeOptions());

    type(CONFIG.url, 'https://api.example.com/v1');
    expect(last().url).toBe('https://api.example.com/v1');

    type(CONFIG.tokenUrl, 'https://auth.example.com/token');
    expect(last().jsonData.tokenUrl).toBe('https://auth.example.com/token');

    expand(SECTION.tokenRequest);
    expect(field(CONFIG.clientIdParam)).toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('HTTP Basic'));
    expect(last().jsonData.clientAuth).toBe('basic');
    // parameter names only apply to clientAuth=body
    expect(queryField(CONFIG.clientIdParam)).not.toBeInTheDocument();

    expand(SECTION.tokenReply);
    radio('Header');
    expect(last().jsonData.tokenLocation).toBe('header');
    type(CONFIG.tokenResponseHeader, 'X-Subject-Token');
    expect(last().jsonData.tokenResponseHeader).toBe('X-Subject-Token');
  });

  it('shows the client id header name only when the switch is on', () => {
    const { last } = renderStateful(makeOptions());

    expect(queryField(CONFIG.clientIdHeaderName)).not.toBeInTheDocument();
    click(CONFIG.sendClientIdHeader);
    expect(last().jsonData.sendClientIdHeader).toBe(true);
    type(CONFIG.clientIdHeaderName, 'X-IBM-Client-Id');
    expect(last().jsonData.clientIdHeaderName).toBe('X-IBM-Client-Id');
  });

  it('stores advanced settings and removes cleared values', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { timeout: '10s' } }));

    type(CONFIG.maxResponseBytes, '1024');
    expect(last().jsonData.maxResponseBytes).toBe(1024);

    type(CONFIG.timeout, '');
    expect(last().jsonData).not.toHaveProperty('timeout');

    type(CONFIG.healthCheckPath, '/me');
    expect(last().jsonData.healthCheckPath).toBe('/me');
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
    expand(SECTION.tokenReply); // the other sections start open: they hold settings

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
      expect(queryField(CONFIG.authUrl)).not.toBeInTheDocument();

      fireEvent.click(screen.getByLabelText('Authorization code'));
      expect(last().jsonData.grantType).toBe('authorization_code');
      expect(await screen.findByText('Not connected.')).toBeInTheDocument();

      type(CONFIG.authUrl, 'https://auth.example.com/authorize');
      type(CONFIG.issuer, 'https://auth.example.com');
      click(CONFIG.usePkce);
      type(CONFIG.refreshToken, 'rt-1');
      fireEvent.click(screen.getByRole('button', { name: addButton(LIST.authParams) }));
      type(listRow(LIST.authParams, 1).name, 'prompt');
      type(listRow(LIST.authParams, 1).value, 'consent');

      expect(last().jsonData).toEqual({
        grantType: 'authorization_code',
        authUrl: 'https://auth.example.com/authorize',
        issuer: 'https://auth.example.com',
        usePkce: false,
        authParams: [{ name: 'prompt', value: 'consent' }],
      });
      expect(last().secureJsonData).toEqual({ refreshToken: 'rt-1' });

      // the default grant is saved as a value, not by deleting the key (issue 18)
      fireEvent.click(screen.getByLabelText('Client credentials'));
      expect(last().jsonData.grantType).toBe('client_credentials');
      expect(queryField(CONFIG.authUrl)).not.toBeInTheDocument();
    });

    it('stores a secure authorization parameter under secureJsonData["authParam.<name>"]', async () => {
      const { last } = renderStateful(makeOptions({ jsonData: { grantType: 'authorization_code' } }));
      expect(await screen.findByText('Not connected.')).toBeInTheDocument(); // the status call settles
      fireEvent.click(screen.getByRole('button', { name: addButton(LIST.authParams) }));
      type(listRow(LIST.authParams, 1).name, 'login_hint');
      click(listRow(LIST.authParams, 1).secure);
      type(listRow(LIST.authParams, 1).value, 'x@y');
      expect(last().jsonData.authParams).toEqual([{ name: 'login_hint', secure: true }]);
      expect(last().secureJsonData).toEqual({ 'authParam.login_hint': 'x@y' });
    });
  });

  it('configures the Redis shared store with the password only in secureJsonData', () => {
    const { last } = renderStateful(makeOptions());
    expand(SECTION.ha);
    expect(queryField(CONFIG.redisAddress)).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Redis'));
    type(CONFIG.redisAddress, 'redis:6379');
    type(CONFIG.redisUsername, 'grafana');
    type(CONFIG.redisPassword, 'pw');
    type(CONFIG.redisDb, '2');
    click(CONFIG.redisTls);
    type(CONFIG.redisKeyPrefix, 'prod:');
    expect(last().jsonData).toEqual({
      sharedStore: 'redis',
      redisAddress: 'redis:6379',
      redisUsername: 'grafana',
      redisDb: 2,
      redisTls: true,
      redisKeyPrefix: 'prod:',
    });
    expect(last().secureJsonData).toEqual({ redisPassword: 'pw' });
    // "no shared store" is saved as a value too (issue 18)
    fireEvent.click(screen.getByLabelText('None'));
    expect(last().jsonData.sharedStore).toBe('none');
  });
});
