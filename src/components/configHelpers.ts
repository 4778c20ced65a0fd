import { DataSourceSettings, KeyValue as SecureFields } from '@grafana/data';

import { ConfigKeyValue, RestDataSourceOptions, RestSecureJsonData, SECURE_PREFIX, SecureListKey } from '../types';

export type Settings = DataSourceSettings<RestDataSourceOptions, RestSecureJsonData>;

/** secureJsonData key that holds the value of a secure list entry, e.g. `header.X-Api-Key`. */
export function secureKey(list: SecureListKey, name: string): string {
  return `${SECURE_PREFIX[list]}${name}`;
}

/** Sets one jsonData key; an empty string or undefined removes it so the backend default applies. */
export function setJsonValue<K extends keyof RestDataSourceOptions>(
  options: Settings,
  key: K,
  value: RestDataSourceOptions[K] | undefined
): Settings {
  const jsonData: RestDataSourceOptions = { ...options.jsonData };
  if (value === undefined || value === '') {
    delete jsonData[key];
  } else {
    jsonData[key] = value;
  }
  return { ...options, jsonData };
}

/** Sets a secret value: it is only ever written to secureJsonData. */
export function setSecureValue(options: Settings, key: string, value: string): Settings {
  return { ...options, secureJsonData: { ...options.secureJsonData, [key]: value } };
}

/** Clears a stored secret: empties the value and drops the "configured" flag. */
export function resetSecureValue(options: Settings, key: string): Settings {
  return {
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...options.secureJsonData, [key]: '' },
  };
}

/**
 * Removes the secret of a secure list entry: a value typed in this session is simply dropped,
 * a value already stored by Grafana is reset.
 */
export function dropSecret(options: Settings, key: string): Settings {
  if (options.secureJsonFields?.[key]) {
    return resetSecureValue(options, key);
  }
  if (options.secureJsonData && key in options.secureJsonData) {
    const secureJsonData = { ...options.secureJsonData };
    delete secureJsonData[key];
    return { ...options, secureJsonData };
  }
  return options;
}

function getList(options: Settings, list: SecureListKey): ConfigKeyValue[] {
  return options.jsonData[list] ?? [];
}

function withList(options: Settings, list: SecureListKey, entries: ConfigKeyValue[]): Settings {
  return { ...options, jsonData: { ...options.jsonData, [list]: entries } };
}

/** The list with entry `index` replaced (a copy: settings are never mutated). */
function withEntry(options: Settings, list: SecureListKey, index: number, entry: ConfigKeyValue): Settings {
  return withList(
    options,
    list,
    getList(options, list).map((e, i) => (i === index ? entry : e))
  );
}

export function addListEntry(options: Settings, list: SecureListKey): Settings {
  return withList(options, list, [...getList(options, list), { name: '', value: '' }]);
}

export function removeListEntry(options: Settings, list: SecureListKey, index: number): Settings {
  const entries = getList(options, list);
  const entry = entries[index];
  if (!entry) {
    return options;
  }
  let next = withList(
    options,
    list,
    entries.filter((_, i) => i !== index)
  );
  if (entry.secure) {
    next = dropSecret(next, secureKey(list, entry.name));
  }
  return next;
}

export function renameListEntry(options: Settings, list: SecureListKey, index: number, name: string): Settings {
  const entry = getList(options, list)[index];
  if (!entry) {
    return options;
  }
  let next = withEntry(options, list, index, { ...entry, name });
  if (entry.secure && entry.name !== name) {
    // The secret is stored under a key derived from the name: move a value typed in this
    // session to the new key; a value already stored under the old name cannot be read back.
    const oldKey = secureKey(list, entry.name);
    const typed = options.secureJsonData?.[oldKey];
    next = dropSecret(next, oldKey);
    if (typed) {
      next = setSecureValue(next, secureKey(list, name), typed);
    }
  }
  return next;
}

export function setListEntryValue(options: Settings, list: SecureListKey, index: number, value: string): Settings {
  const entry = getList(options, list)[index];
  if (!entry) {
    return options;
  }
  if (entry.secure) {
    return setSecureValue(options, secureKey(list, entry.name), value);
  }
  return withEntry(options, list, index, { ...entry, value });
}

export function resetListEntryValue(options: Settings, list: SecureListKey, index: number): Settings {
  const entry = getList(options, list)[index];
  if (!entry) {
    return options;
  }
  return resetSecureValue(options, secureKey(list, entry.name));
}

export function setListEntrySecure(options: Settings, list: SecureListKey, index: number, secure: boolean): Settings {
  const entry = getList(options, list)[index];
  if (!entry || !!entry.secure === secure) {
    return options;
  }
  const key = secureKey(list, entry.name);
  if (secure) {
    // Move the plain value into secureJsonData; jsonData keeps only {name, secure: true}.
    let next = withEntry(options, list, index, { name: entry.name, secure: true });
    if (entry.value) {
      next = setSecureValue(next, key, entry.value);
    }
    return next;
  }
  // Back to a plain value: a secret typed in this session is kept as the plain value,
  // a stored secret cannot be read back and is cleared.
  const typed = options.secureJsonData?.[key] ?? '';
  const next = withEntry(options, list, index, { name: entry.name, value: typed });
  return dropSecret(next, key);
}

export function isSecureConfigured(fields: SecureFields<boolean> | undefined, key: string): boolean {
  return !!fields?.[key];
}
