import React from 'react';

import { SecureListKey } from '../../types';
import { KeyValueRows } from '../KeyValueRows';
import {
  addListEntry,
  isSecureConfigured,
  removeListEntry,
  renameListEntry,
  resetListEntryValue,
  secureKey,
  setListEntrySecure,
  setListEntryValue,
} from '../configHelpers';
import { LIST } from '../selectors';
import { Tip, useSettings } from './fields';

interface Props {
  /** jsonData key of the list: `headers`, `tokenParams`, `tokenHeaders` or `authParams`. */
  list: SecureListKey;
  title?: string;
  namePlaceholder: string;
  valuePlaceholder: string;
  nameTip: { text: string; example: string };
  valueTip?: { text: string; example: string };
}

/**
 * A settings list of `{name, value}` / `{name, secure: true}` entries. The value of a secure entry is only
 * ever written to `secureJsonData["<prefix><name>"]`, never to jsonData.
 */
export function SecureList({ list, title, namePlaceholder, valuePlaceholder, nameTip, valueTip }: Props) {
  const { options, onOptionsChange } = useSettings();
  const entries = options.jsonData[list] ?? [];
  const value = valueTip ?? { text: 'Its value. Turn on Secure to store it encrypted.', example: 'acme' };
  return (
    <KeyValueRows
      noun={LIST[list]}
      idBase={`config-${list}`}
      title={title}
      rows={entries.map((entry) => {
        const key = secureKey(list, entry.name);
        return entry.secure
          ? {
              name: entry.name,
              value: options.secureJsonData?.[key] ?? '',
              secure: true,
              configured: isSecureConfigured(options.secureJsonFields, key),
            }
          : { name: entry.name, value: entry.value ?? '' };
      })}
      namePlaceholder={namePlaceholder}
      valuePlaceholder={valuePlaceholder}
      nameTip={<Tip {...nameTip} />}
      valueTip={<Tip {...value} />}
      onName={(i, name) => onOptionsChange(renameListEntry(options, list, i, name))}
      onValue={(i, v) => onOptionsChange(setListEntryValue(options, list, i, v))}
      onSecure={(i, secure) => onOptionsChange(setListEntrySecure(options, list, i, secure))}
      onReset={(i) => onOptionsChange(resetListEntryValue(options, list, i))}
      onRemove={(i) => onOptionsChange(removeListEntry(options, list, i))}
      onAdd={() => onOptionsChange(addListEntry(options, list))}
    />
  );
}
