import React from 'react';
import { Button, IconButton, InlineField, InlineSwitch, Input, SecretInput, Stack } from '@grafana/ui';

import { SecureListKey } from '../types';
import {
  Settings,
  addListEntry,
  isSecureConfigured,
  removeListEntry,
  renameListEntry,
  resetListEntryValue,
  secureKey,
  setListEntrySecure,
  setListEntryValue,
} from './configHelpers';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
  /** jsonData key of the list: `headers`, `tokenParams` or `tokenHeaders`. */
  list: SecureListKey;
  /** Singular noun used in labels, e.g. "Header" or "Parameter". */
  noun: string;
  namePlaceholder: string;
  valuePlaceholder: string;
  /** Tooltips of the name and value fields (what they do, with an example). */
  nameTip?: React.JSX.Element;
  valueTip?: React.JSX.Element;
}

/**
 * Editor for a list of `{name, value}` / `{name, secure: true}` entries. The value of a secure
 * entry is only ever written to `secureJsonData["<prefix><name>"]`, never to jsonData.
 */
export function KeyValueListEditor({
  options,
  onOptionsChange,
  list,
  noun,
  namePlaceholder,
  valuePlaceholder,
  nameTip,
  valueTip,
}: Props) {
  const entries = options.jsonData[list] ?? [];
  const idBase = `config-${list}`;

  return (
    <Stack direction="column" gap={1}>
      {entries.map((entry, index) => {
        const n = index + 1;
        const key = secureKey(list, entry.name);
        const configured = !!entry.secure && isSecureConfigured(options.secureJsonFields, key);
        return (
          <Stack key={index} direction="row" gap={1} alignItems="center" wrap="wrap">
            <InlineField label="Name" htmlFor={`${idBase}-${index}-name`} tooltip={nameTip} interactive>
              <Input
                id={`${idBase}-${index}-name`}
                aria-label={`${noun} ${n} name`}
                value={entry.name}
                placeholder={namePlaceholder}
                width={24}
                onChange={(e) => onOptionsChange(renameListEntry(options, list, index, e.currentTarget.value))}
              />
            </InlineField>
            <InlineField label="Value" htmlFor={`${idBase}-${index}-value`} tooltip={valueTip} interactive>
              {entry.secure ? (
                <SecretInput
                  id={`${idBase}-${index}-value`}
                  aria-label={`${noun} ${n} value`}
                  isConfigured={configured}
                  value={options.secureJsonData?.[key] ?? ''}
                  placeholder={valuePlaceholder}
                  // the Reset button of a stored secret takes the place of 9 units, so rows stay aligned
                  width={configured ? 20.5 : 30}
                  onReset={() => onOptionsChange(resetListEntryValue(options, list, index))}
                  onChange={(e) => onOptionsChange(setListEntryValue(options, list, index, e.currentTarget.value))}
                />
              ) : (
                <Input
                  id={`${idBase}-${index}-value`}
                  aria-label={`${noun} ${n} value`}
                  value={entry.value ?? ''}
                  placeholder={valuePlaceholder}
                  width={30}
                  onChange={(e) => onOptionsChange(setListEntryValue(options, list, index, e.currentTarget.value))}
                />
              )}
            </InlineField>
            <InlineSwitch
              id={`${idBase}-${index}-secure`}
              label="Secure"
              showLabel
              aria-label={`${noun} ${n} secure`}
              value={!!entry.secure}
              onChange={(e) => onOptionsChange(setListEntrySecure(options, list, index, e.currentTarget.checked))}
            />
            <IconButton
              name="trash-alt"
              tooltip={`Remove ${noun.toLowerCase()} ${n}`}
              aria-label={`Remove ${noun.toLowerCase()} ${n}`}
              onClick={() => onOptionsChange(removeListEntry(options, list, index))}
            />
          </Stack>
        );
      })}
      <div>
        <Button
          variant="secondary"
          icon="plus"
          size="sm"
          type="button"
          onClick={() => onOptionsChange(addListEntry(options, list))}
        >
          Add {noun.toLowerCase()}
        </Button>
      </div>
    </Stack>
  );
}
