/*
 * A page that mounts the plugin's ConfigEditor and QueryEditor outside Grafana, with Grafana's theme
 * (ThemeContext + GlobalStyles, light or dark). browser/run.mjs bundles it with esbuild and drives it
 * with Chromium. URL parameters: editor=config|query, theme=light|dark, fixture=empty|demo.
 * The page exposes the editors' latest values on window (see HarnessWindow).
 */
import './boot';

import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createTheme, DataSourceSettings } from '@grafana/data';
import { BackendSrv, setBackendSrv } from '@grafana/runtime';
import { Button, GlobalStyles, Stack, ThemeContext } from '@grafana/ui';

import { ConfigEditor } from '../src/components/ConfigEditor';
import { QueryEditor } from '../src/components/QueryEditor';
import type { DataSource } from '../src/datasource';
import { RestDataSourceOptions, RestQuery, RestSecureJsonData } from '../src/types';

type Settings = DataSourceSettings<RestDataSourceOptions, RestSecureJsonData>;

interface HarnessWindow {
  /** Latest options passed to onOptionsChange. */
  __options?: Settings;
  /** Options at the last click on "Save & test" (what Grafana would send to its API). */
  __saved?: Settings;
  /** Latest query passed to onChange, and the number of onRunQuery calls. */
  __query?: RestQuery;
  __runs: number;
  __ready?: boolean;
}
const win = window as unknown as HarnessWindow;
win.__runs = 0;

// No Grafana server: the Connect section of the authorization code grant asks the backend for its
// state; answer "not connected".
setBackendSrv({
  get: async (url: string) => {
    if (url.endsWith('/oauth/status')) {
      return { connected: false, reauthRequired: false };
    }
    throw new Error(`no backend in the browser harness: ${url}`);
  },
} as unknown as BackendSrv);

const params = new URLSearchParams(window.location.search);
const mode = params.get('theme') === 'dark' ? 'dark' : 'light';
const editor = params.get('editor') === 'query' ? 'query' : 'config';
const fixture = params.get('fixture') === 'demo' ? 'demo' : 'empty';
const theme = createTheme({ colors: { mode } });

const baseSettings: Settings = {
  id: 1,
  uid: 'oauth2rest',
  orgId: 1,
  name: 'My API',
  type: 'oauth2rest-api-datasource',
  typeName: 'OAuth2 REST API',
  typeLogoUrl: '',
  access: 'proxy',
  url: '',
  user: '',
  database: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  withCredentials: false,
  readOnly: false,
  jsonData: {},
  secureJsonFields: {},
  secureJsonData: {},
};

/** A saved data source as Grafana shows it again: secrets are only flagged as configured. */
const demoSettings: Settings = {
  ...baseSettings,
  url: 'https://api.example.com/v2',
  jsonData: {
    tokenUrl: 'https://api.example.com/auth/token',
    tokenPath: 'token',
    tokenHeaderName: 'X-Token',
    tokenHeaderTemplate: '{{token}}',
    sendClientIdHeader: true,
    clientIdHeaderName: 'X-Client-ID',
    healthCheckPath: '/status',
    scopes: 'read:items',
    headers: [
      { name: 'Accept', value: 'application/json' },
      { name: 'X-Api-Key', secure: true },
    ],
  },
  secureJsonFields: { clientId: true, clientSecret: true, 'header.X-Api-Key': true },
};

const demoQuery: RestQuery = {
  refId: 'A',
  method: 'GET',
  path: '/items',
  params: [{ name: 'status', value: '$status' }],
  headers: [],
  rootSelector: '$.items',
  format: 'timeseries',
  columns: [
    { selector: 'createdAt', name: 'Time', type: 'time', timeFormat: 'rfc3339' },
    { selector: 'price', name: 'Price', type: 'number' },
    { selector: 'name', type: 'string' },
  ],
};

const emptyQuery: RestQuery = { refId: 'A', method: 'GET', path: '', params: [], headers: [], format: 'table' };

function ConfigPage() {
  const [options, setOptions] = useState<Settings>(fixture === 'demo' ? demoSettings : baseSettings);
  const [saved, setSaved] = useState(false);
  return (
    <Stack direction="column" gap={2}>
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          win.__options = next;
          setOptions(next);
          setSaved(false);
        }}
      />
      <Stack direction="row" gap={1} alignItems="center">
        <Button
          type="button"
          onClick={() => {
            win.__saved = JSON.parse(JSON.stringify(options));
            setSaved(true);
          }}
        >
          Save &amp; test
        </Button>
        {saved && <span data-testid="saved">Saved</span>}
      </Stack>
    </Stack>
  );
}

function QueryPage() {
  const [query, setQuery] = useState<RestQuery>(fixture === 'demo' ? demoQuery : emptyQuery);
  return (
    <QueryEditor
      datasource={{} as DataSource}
      query={query}
      onChange={(next) => {
        win.__query = next;
        setQuery(next);
      }}
      onRunQuery={() => {
        win.__runs++;
      }}
    />
  );
}

function App() {
  const frame: React.CSSProperties = {
    padding: theme.spacing(3),
    background: theme.colors.background.primary,
    width: editor === 'config' ? 880 : 1080,
    boxSizing: 'border-box',
  };
  const panel: React.CSSProperties =
    editor === 'query'
      ? {
          padding: theme.spacing(1, 2),
          background: theme.colors.background.primary,
          border: `1px solid ${theme.colors.border.weak}`,
          borderRadius: theme.shape.radius.default,
        }
      : {};
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div id="frame" style={frame}>
        <div style={panel}>{editor === 'config' ? <ConfigPage /> : <QueryPage />}</div>
      </div>
    </ThemeContext.Provider>
  );
}

document.body.style.background = theme.colors.background.canvas;
createRoot(document.getElementById('root')!).render(<App />);
win.__ready = true;
