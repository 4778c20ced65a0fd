import React from 'react';
import { Button, IconButton, InlineField, InlineSwitch, Input, SecretInput, Stack, Text } from '@grafana/ui';

import { addButton, listRow } from './selectors';

export interface KeyValueRow {
  name: string;
  value: string;
  /** Secure rows show a SecretInput; `configured` means Grafana holds a stored value. */
  secure?: boolean;
  configured?: boolean;
}

export interface KeyValueRowsProps {
  /** Singular noun used in labels, e.g. "Header": rows are "Header 1 name", the button "Add header". */
  noun: string;
  /** Prefix of the inputs' ids. */
  idBase: string;
  rows: KeyValueRow[];
  title?: string;
  namePlaceholder: string;
  valuePlaceholder: string;
  nameTip?: React.JSX.Element;
  valueTip?: React.JSX.Element;
  labelWidth?: number;
  valueWidth?: number;
  onName: (index: number, name: string) => void;
  onValue: (index: number, value: string) => void;
  onAdd: () => void;
  onRemove: (index: number) => void;
  /** With these, each row has a Secure switch and a stored secret a Reset button. */
  onSecure?: (index: number, secure: boolean) => void;
  onReset?: (index: number) => void;
  onBlur?: () => void;
}

/**
 * The one editor for name/value lists: API headers and token request parameters and headers in the
 * settings (with secure values), query parameters and headers in the query editor (plain values).
 */
export function KeyValueRows(props: KeyValueRowsProps) {
  const { noun, idBase, rows, title, labelWidth, valueWidth = 30, onBlur, onSecure, onReset } = props;
  return (
    <Stack direction="column" gap={title ? 0.5 : 1}>
      {title && <Text element="h6">{title}</Text>}
      {rows.map((row, index) => {
        const labels = listRow(noun, index + 1);
        const valueId = `${idBase}-${index}-value`;
        return (
          <Stack key={index} direction="row" gap={1} alignItems="center" wrap="wrap">
            <InlineField
              label="Name"
              labelWidth={labelWidth}
              htmlFor={`${idBase}-${index}-name`}
              tooltip={props.nameTip}
              interactive
            >
              <Input
                id={`${idBase}-${index}-name`}
                aria-label={labels.name}
                value={row.name}
                placeholder={props.namePlaceholder}
                width={24}
                onChange={(e) => props.onName(index, e.currentTarget.value)}
                onBlur={onBlur}
              />
            </InlineField>
            <InlineField label="Value" htmlFor={valueId} tooltip={props.valueTip} interactive>
              {row.secure ? (
                <SecretInput
                  id={valueId}
                  aria-label={labels.value}
                  isConfigured={!!row.configured}
                  value={row.value}
                  placeholder={props.valuePlaceholder}
                  // the Reset button of a stored secret takes the place of 9.5 units, so rows stay aligned
                  width={row.configured ? valueWidth - 9.5 : valueWidth}
                  onReset={() => onReset?.(index)}
                  onChange={(e) => props.onValue(index, e.currentTarget.value)}
                />
              ) : (
                <Input
                  id={valueId}
                  aria-label={labels.value}
                  value={row.value}
                  placeholder={props.valuePlaceholder}
                  width={valueWidth}
                  onChange={(e) => props.onValue(index, e.currentTarget.value)}
                  onBlur={onBlur}
                />
              )}
            </InlineField>
            {onSecure && (
              <InlineSwitch
                id={`${idBase}-${index}-secure`}
                label="Secure"
                showLabel
                aria-label={labels.secure}
                value={!!row.secure}
                onChange={(e) => onSecure(index, e.currentTarget.checked)}
              />
            )}
            <IconButton
              name="trash-alt"
              tooltip={labels.remove}
              aria-label={labels.remove}
              onClick={() => {
                props.onRemove(index);
                onBlur?.();
              }}
            />
          </Stack>
        );
      })}
      <div>
        <Button variant="secondary" icon="plus" size="sm" type="button" onClick={props.onAdd}>
          {addButton(noun)}
        </Button>
      </div>
    </Stack>
  );
}
