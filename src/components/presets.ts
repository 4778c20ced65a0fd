import { CONFIG_DEFAULTS, RestDataSourceOptions } from '../types';
import { Settings } from './configHelpers';

export type PresetId =
  | 'custom-token'
  | 'standard'
  | 'azure-v1'
  | 'salesforce'
  | 'keycloak'
  | 'okta'
  | 'auth0'
  | 'azure-v2-cert'
  | 'google-sa';

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
] as const satisfies ReadonlyArray<keyof RestDataSourceOptions>;

type PresetKey = (typeof PRESET_KEYS)[number];
type PresetValues = Partial<Pick<RestDataSourceOptions, PresetKey>>;

export interface Preset {
  id: PresetId;
  label: string;
  /** One line shown under the picker: what the preset sets and what is left to the user. */
  description: string;
  values: PresetValues;
  /** Token URL template, set unless the current token URL already points at this provider. */
  tokenUrl?: UrlTemplate;
  /** Discovery issuer template, set unless the current issuer URL already points at this provider. */
  issuerUrl?: UrlTemplate;
  /** Resource (RFC 8707) set when the field is empty. */
  resource?: string;
  /** Scopes set when the field is empty. */
  scopes?: string;
  /** The grant and client authentication the provider's recipe uses, always set. */
  method?: Pick<RestDataSourceOptions, 'grantType' | 'clientAuth' | 'jwtAlg'>;
  /** Tells this provider apart from the presets with the same reply and placement fields (all standard ones). */
  identify?: (jsonData: RestDataSourceOptions) => boolean;
}

interface UrlTemplate {
  template: string;
  keepIfStartsWith: RegExp;
}

/*
 * A provider's URLs: kept when its preset is applied, and what tells the provider apart (identify).
 * No g flag, so test() keeps no state between calls. AuthenticationSection has its own, case-sensitive
 * GOOGLE_TOKEN_URL.
 */
const OKTA_ISSUER = /^https:\/\/[^/]+\.okta(preview)?\.com\//i;
const AUTH0_ISSUER = /^https:\/\/[^/]+\.auth0\.com\//i;
const GOOGLE_TOKEN_URL = /^https:\/\/oauth2\.googleapis\.com\//i;

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
  {
    id: 'keycloak',
    label: 'Keycloak',
    description:
      "Discovery from the realm's issuer URL (replace <host> and <realm>). Confidential client: client secret, or Private key JWT with the client's key.",
    values: {},
    issuerUrl: {
      template: 'https://<host>/realms/<realm>',
      keepIfStartsWith: /^https?:\/\/[^/]+\/(auth\/)?realms\/[^/]+/i,
    },
    identify: (j) => /\/realms\/[^/]+\/?$/i.test(j.issuerUrl ?? ''),
  },
  {
    id: 'okta',
    label: 'Okta',
    description:
      'Discovery from a custom authorization server (replace <org>; default is the usual one). Client credentials need a custom scope of that server.',
    values: {},
    issuerUrl: {
      template: 'https://<org>.okta.com/oauth2/default',
      keepIfStartsWith: OKTA_ISSUER,
    },
    identify: (j) => OKTA_ISSUER.test(j.issuerUrl ?? ''),
  },
  {
    id: 'auth0',
    label: 'Auth0',
    description:
      "Discovery from the tenant's issuer URL (replace <tenant>, keep the trailing slash); set Audience to the API identifier.",
    values: {},
    issuerUrl: { template: 'https://<tenant>.auth0.com/', keepIfStartsWith: AUTH0_ISSUER },
    identify: (j) => AUTH0_ISSUER.test(j.issuerUrl ?? ''),
  },
  {
    id: 'azure-v2-cert',
    label: 'Azure AD v2 (certificate)',
    description:
      'Microsoft identity platform v2 token URL (replace <tenant>), Private key JWT with the key of a certificate uploaded to the app registration; scope <resource>/.default.',
    values: {},
    tokenUrl: {
      template: 'https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token',
      keepIfStartsWith: /^https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\//i,
    },
    scopes: 'https://graph.microsoft.com/.default',
    method: { clientAuth: 'private_key_jwt', jwtAlg: 'RS256' },
    identify: (j) => j.clientAuth === 'private_key_jwt' && /\/oauth2\/v2\.0\/token/i.test(j.tokenUrl ?? ''),
  },
  {
    id: 'google-sa',
    label: 'Google service account',
    description:
      'JWT bearer grant with a service-account JSON key (paste it whole into Service account key); no client id or secret.',
    values: {},
    tokenUrl: {
      template: 'https://oauth2.googleapis.com/token',
      keepIfStartsWith: GOOGLE_TOKEN_URL,
    },
    scopes: 'https://www.googleapis.com/auth/cloud-platform',
    method: { grantType: 'jwt_bearer', clientAuth: 'none' },
    identify: (j) => j.grantType === 'jwt_bearer' && GOOGLE_TOKEN_URL.test(j.tokenUrl ?? ''),
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
 * backend default applies); a provider's grant and client authentication are set; the token and issuer
 * URLs, resource and scopes are filled only as described on the preset. Secrets, the API URL, headers and
 * token request settings are never touched.
 */
export function applyPreset(options: Settings, id: PresetId): Settings {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset) {
    return options;
  }
  const jsonData: RestDataSourceOptions = { ...options.jsonData };
  for (const key of PRESET_KEYS) {
    delete jsonData[key];
  }
  Object.assign(jsonData, preset.values);
  Object.assign(jsonData, preset.method);
  for (const key of ['tokenUrl', 'issuerUrl'] as const) {
    const url = preset[key];
    if (url && !url.keepIfStartsWith.test(jsonData[key] ?? '')) {
      jsonData[key] = url.template;
    }
  }
  for (const key of ['resource', 'scopes'] as const) {
    if (preset[key] && !jsonData[key]) {
      jsonData[key] = preset[key];
    }
  }
  return { ...options, jsonData };
}

/** Providers first: they share the standard reply fields and are told apart by their URLs. */
const MATCH_ORDER = [...PRESETS.filter((p) => p.identify), ...PRESETS.filter((p) => !p.identify)];

/** The preset whose fields match the current settings, if any. */
export function matchPreset(jsonData: RestDataSourceOptions): PresetId | undefined {
  const current = jsonData as PresetValues;
  const sendsClientId = effective(current, 'sendClientIdHeader') === true;
  return MATCH_ORDER.find(
    (preset) =>
      (preset.identify?.(jsonData) ?? true) &&
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
