import { CONFIG_DEFAULTS, MyDataSourceOptions } from '../types';
import { Settings } from './configHelpers';

export type PresetId = 'custom-token' | 'standard' | 'azure-v1' | 'salesforce';

/** The jsonData keys a preset owns: applying a preset resets every one of them to the preset's value or the default. */
export const PRESET_KEYS = [
  'tokenLocation',
  'tokenPath',
  'tokenResponseHeader',
  'expiresInPath',
  'expiresAtPath',
  'issuedAtPath',
  'defaultTokenLifetime',
  'tokenHeaderName',
  'tokenHeaderTemplate',
  'sendClientIdHeader',
  'clientIdHeaderName',
] as const satisfies ReadonlyArray<keyof MyDataSourceOptions>;

type PresetKey = (typeof PRESET_KEYS)[number];
type PresetValues = Partial<Pick<MyDataSourceOptions, PresetKey>>;

export interface Preset {
  id: PresetId;
  label: string;
  /** One line shown under the picker: what the preset sets and what is left to the user. */
  description: string;
  values: PresetValues;
  /** Token URL template, set unless the current token URL already points at this provider. */
  tokenUrl?: { template: string; keepIfStartsWith: RegExp };
  /** Resource (RFC 8707) set when the field is empty. */
  resource?: string;
}

export const PRESETS: Preset[] = [
  {
    id: 'custom-token',
    label: 'Custom {token} API',
    description:
      'Reply {"token": "…"} without expiry; API requests carry X-Token: <token> and X-Client-ID: <client id>.',
    values: {
      tokenPath: 'token',
      tokenHeaderName: 'X-Token',
      tokenHeaderTemplate: '{{token}}',
      sendClientIdHeader: true,
      clientIdHeaderName: 'X-Client-ID',
    },
  },
  {
    id: 'standard',
    label: 'Standard OAuth2',
    description:
      'RFC 6749 reply (access_token, expires_in) and Authorization: Bearer <token>. Keycloak, Auth0, Okta, Cognito…',
    values: {},
  },
  {
    id: 'azure-v1',
    label: 'Azure AD (v1)',
    description:
      'Token URL https://login.microsoftonline.com/<tenant>/oauth2/token (replace <tenant>), Resource instead of scopes, absolute expiry in expires_on.',
    values: { expiresAtPath: 'expires_on' },
    tokenUrl: {
      template: 'https://login.microsoftonline.com/<tenant>/oauth2/token',
      keepIfStartsWith: /^https:\/\/login\.microsoftonline\.com\//i,
    },
    resource: 'https://management.azure.com/',
  },
  {
    id: 'salesforce',
    label: 'Salesforce',
    // The token URL is not filled in: it is the org's own My Domain (<my-domain>.my.salesforce.com/services/oauth2/token).
    description:
      'Connected app, client credentials flow: token URL <my-domain>.my.salesforce.com/services/oauth2/token; the reply has no lifetime, so the session timeout (2h) counts from issued_at.',
    values: { issuedAtPath: 'issued_at', defaultTokenLifetime: '2h' },
  },
];

/** Values the backend uses when a key is absent (docs/configuration.md). */
const DEFAULTS: Record<PresetKey, string | boolean> = {
  tokenLocation: CONFIG_DEFAULTS.tokenLocation,
  tokenPath: CONFIG_DEFAULTS.tokenPath,
  tokenResponseHeader: '',
  expiresInPath: CONFIG_DEFAULTS.expiresInPath,
  expiresAtPath: '',
  issuedAtPath: '',
  defaultTokenLifetime: CONFIG_DEFAULTS.defaultTokenLifetime,
  tokenHeaderName: CONFIG_DEFAULTS.tokenHeaderName,
  tokenHeaderTemplate: CONFIG_DEFAULTS.tokenHeaderTemplate,
  sendClientIdHeader: false,
  clientIdHeaderName: CONFIG_DEFAULTS.clientIdHeaderName,
};

function effective(values: PresetValues, key: PresetKey): string | boolean {
  const v = values[key];
  return v === undefined || v === '' ? DEFAULTS[key] : v;
}

/**
 * Fills the preset's fields. Every key in PRESET_KEYS is set to the preset's value or removed (so the
 * backend default applies); the token URL and resource are filled only as described on the preset.
 * Secrets, the API URL, scopes, headers and token request settings are never touched.
 */
export function applyPreset(options: Settings, id: PresetId): Settings {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) {
    return options;
  }
  const jsonData: MyDataSourceOptions = { ...options.jsonData };
  for (const key of PRESET_KEYS) {
    delete jsonData[key];
  }
  Object.assign(jsonData, preset.values);
  if (preset.tokenUrl && !preset.tokenUrl.keepIfStartsWith.test(jsonData.tokenUrl ?? '')) {
    jsonData.tokenUrl = preset.tokenUrl.template;
  }
  if (preset.resource && !jsonData.resource) {
    jsonData.resource = preset.resource;
  }
  return { ...options, jsonData };
}

/** The preset whose fields match the current settings, if any. */
export function matchPreset(jsonData: MyDataSourceOptions): PresetId | undefined {
  const current = jsonData as PresetValues;
  const sendsClientId = effective(current, 'sendClientIdHeader') === true;
  return PRESETS.find((preset) =>
    PRESET_KEYS.every((key) => {
      if (key === 'clientIdHeaderName' && !sendsClientId) {
        return true; // not used
      }
      if (key === 'defaultTokenLifetime' && preset.values.defaultTokenLifetime === undefined) {
        return true; // a fallback the user may tune without leaving the preset
      }
      if (key === 'tokenPath' && effective(current, 'tokenLocation') === 'header') {
        return effective(preset.values, 'tokenLocation') === 'header';
      }
      return effective(current, key) === effective(preset.values, key);
    })
  )?.id;
}

/** True when a URL still holds a placeholder such as `<tenant>` from a preset. */
export function hasPlaceholder(url: string | undefined): boolean {
  return !!url && /<[^>]+>/.test(url);
}
