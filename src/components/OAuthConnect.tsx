import React, { useCallback, useEffect, useState } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { config, getBackendSrv } from '@grafana/runtime';
import { Alert, Button, ClipboardButton, Field, Input, Stack, Text } from '@grafana/ui';

import { RestDataSourceOptions, RestSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<RestDataSourceOptions, RestSecureJsonData>;

/** What the backend's oauth/status route answers (never a token in clear). */
export interface OAuthStatus {
  connected: boolean;
  reauthRequired: boolean;
  lastError?: string;
  redirectUrl?: string;
  /** The newest refresh token, sealed by the backend with a key derived from the client secret. */
  sealedRefreshToken?: string;
}

export type ConnectState =
  | { kind: 'loading' }
  | { kind: 'not-connected' }
  | { kind: 'connected' }
  | { kind: 'reauth'; message: string }
  | { kind: 'error'; message: string };

/** The callback URL to register at the provider, as the backend computes it. */
export function callbackUrl(uid: string, override?: string): string {
  if (override) {
    return override;
  }
  const app = (config.appUrl || window.location.origin + '/').replace(/\/?$/, '/');
  return `${app}api/datasources/uid/${uid}/resources/oauth/callback`;
}

function resourceUrl(uid: string, path: string) {
  return `/api/datasources/uid/${uid}/resources/${path}`;
}

/** The result the backend's callback put in the settings page URL, if any. */
function callbackResult(): ConnectState | undefined {
  const params = new URLSearchParams(window.location.search);
  if (params.get('oauth2rest') === 'failed') {
    return { kind: 'error', message: params.get('reason') || 'the connection failed' };
  }
  return undefined;
}

export function describe(status: OAuthStatus): ConnectState {
  if (status.reauthRequired) {
    return { kind: 'reauth', message: status.lastError || 're-authorization required: click Connect' };
  }
  return status.connected ? { kind: 'connected' } : { kind: 'not-connected' };
}

/**
 * The authorization code grant's part of the settings page: the redirect URL to register at the
 * provider, the Connect button, and the connection state. When the backend holds a newer sealed
 * refresh token than the saved settings, it is put into secureJsonData so that Save makes it durable.
 */
export function OAuthConnect({ options, onOptionsChange }: Props) {
  const [state, setState] = useState<ConnectState>(() => callbackResult() ?? { kind: 'loading' });
  const [sealed, setSealed] = useState<string>();
  const uid = options.uid;
  const saved = Boolean(options.version && options.version > 1) || Boolean(options.id);

  useEffect(() => {
    let cancelled = false;
    getBackendSrv()
      .get<OAuthStatus>(resourceUrl(uid, 'oauth/status'), undefined, undefined, { showErrorAlert: false })
      .then((status) => {
        if (cancelled) {
          return;
        }
        setState((prev) => (prev.kind === 'error' ? prev : describe(status)));
        setSealed(status.sealedRefreshToken);
      })
      .catch((err) => {
        if (!cancelled) {
          setState((prev) => (prev.kind === 'error' ? prev : { kind: 'not-connected' }));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [uid]);

  // Hand the sealed refresh token to Save, once per new value.
  useEffect(() => {
    if (sealed && options.secureJsonData?.sealedRefreshToken !== sealed) {
      onOptionsChange({ ...options, secureJsonData: { ...options.secureJsonData, sealedRefreshToken: sealed } });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sealed]);

  const connect = useCallback(async () => {
    try {
      const res = await getBackendSrv().get<{ url: string }>(
        resourceUrl(uid, 'oauth/authorize'),
        undefined,
        undefined,
        {
          showErrorAlert: false,
        }
      );
      window.location.assign(res.url);
    } catch (err: any) {
      setState({ kind: 'error', message: err?.data?.error || err?.message || 'could not start the authorization' });
    }
  }, [uid]);

  const redirect = callbackUrl(uid, options.jsonData.redirectUrl);
  return (
    <Stack direction="column" gap={1}>
      <Field
        label="Redirect URL"
        description="Register this URL as the redirect (callback) URL of the OAuth2 client at your provider."
      >
        <Stack direction="row" gap={1}>
          <Input id="oauth-redirect-url" aria-label="Redirect URL" value={redirect} readOnly width={70} />
          <ClipboardButton icon="copy" variant="secondary" getText={() => redirect} aria-label="Copy redirect URL">
            Copy
          </ClipboardButton>
        </Stack>
      </Field>
      <div aria-label="Connection state" aria-live="polite">
        {state.kind === 'loading' && <Text color="secondary">Checking the connection…</Text>}
        {state.kind === 'not-connected' && <Text color="secondary">Not connected.</Text>}
        {state.kind === 'connected' && (
          <Alert severity="success" title="Connected">
            Queries use the stored refresh token; no further sign-in is needed.
          </Alert>
        )}
        {state.kind === 'reauth' && (
          <Alert severity="warning" title="Re-authorization required">
            {state.message}
          </Alert>
        )}
        {state.kind === 'error' && (
          <Alert severity="error" title="Connection failed">
            {state.message}
          </Alert>
        )}
      </div>
      <Stack direction="row" gap={1} alignItems="center">
        <Button icon="link" onClick={connect} disabled={!saved} aria-label="Connect">
          {state.kind === 'connected' ? 'Reconnect' : 'Connect'}
        </Button>
        {!saved && <Text color="secondary">Save the settings first: Connect uses the saved configuration.</Text>}
      </Stack>
    </Stack>
  );
}
