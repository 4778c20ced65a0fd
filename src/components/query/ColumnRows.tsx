import React from 'react';
import { Button, IconButton, InlineField, InlineFieldRow, Input, RadioButtonGroup, Stack, Text } from '@grafana/ui';

import { ColumnDefinition, ColumnType } from '../../types';
import { QUERY, columnRow } from '../selectors';
import { LABEL_WIDTH } from './fields';

const COLUMN_TYPE_OPTIONS: Array<{ label: string; value: ColumnType }> = [
  { label: 'String', value: 'string' },
  { label: 'Number', value: 'number' },
  { label: 'Integer', value: 'integer' },
  { label: 'Boolean', value: 'boolean' },
  { label: 'Time', value: 'time' },
  { label: 'JSON', value: 'json' },
];

interface Props {
  columns: ColumnDefinition[];
  onChange: (columns: ColumnDefinition[]) => void;
  onBlur: () => void;
}

/** The declared columns: selector, name, type and (for times) the time format of each. */
export function ColumnRows({ columns, onChange, onBlur }: Props) {
  const update = (index: number, patch: Partial<ColumnDefinition>) =>
    onChange(columns.map((column, i) => (i === index ? { ...column, ...patch } : column)));

  return (
    <Stack direction="column" gap={0.5}>
      <Text element="h6">Columns</Text>
      {columns.length === 0 && (
        <Text color="secondary" variant="bodySmall">
          No columns: every field of each row becomes a column.
        </Text>
      )}
      {columns.map((column, index) => {
        const labels = columnRow(index + 1);
        const idBase = `query-column-${index}`;
        return (
          <InlineFieldRow key={index}>
            <InlineField
              label="Selector"
              labelWidth={LABEL_WIDTH}
              htmlFor={`${idBase}-selector`}
              tooltip="Path of the value inside one row, dotted or JSONPath. Example: user.name or $.user.name"
            >
              <Input
                id={`${idBase}-selector`}
                aria-label={labels.selector}
                value={column.selector}
                placeholder="user.name"
                width={24}
                onChange={(e) => update(index, { selector: e.currentTarget.value })}
                onBlur={onBlur}
              />
            </InlineField>
            <InlineField label="Name" htmlFor={`${idBase}-name`} tooltip="Field name in the result. Example: User">
              <Input
                id={`${idBase}-name`}
                aria-label={labels.name}
                value={column.name ?? ''}
                placeholder="(selector)"
                width={18}
                onChange={(e) => update(index, { name: e.currentTarget.value || undefined })}
                onBlur={onBlur}
              />
            </InlineField>
            <InlineField label="Type" tooltip="Type of the values; string when unset.">
              <RadioButtonGroup<ColumnType>
                aria-label={labels.type}
                size="sm"
                options={COLUMN_TYPE_OPTIONS}
                value={column.type ?? 'string'}
                onChange={(type) => {
                  update(index, { type });
                  onBlur();
                }}
              />
            </InlineField>
            {column.type === 'time' && (
              <InlineField
                label="Time format"
                htmlFor={`${idBase}-timeFormat`}
                tooltip="How times are written: empty = auto (RFC 3339 or epoch), rfc3339, epoch_s, epoch_ms, or a Go layout such as 2006-01-02 15:04:05"
              >
                <Input
                  id={`${idBase}-timeFormat`}
                  aria-label={labels.timeFormat}
                  value={column.timeFormat ?? ''}
                  placeholder="auto"
                  width={22}
                  onChange={(e) => update(index, { timeFormat: e.currentTarget.value || undefined })}
                  onBlur={onBlur}
                />
              </InlineField>
            )}
            <IconButton
              name="trash-alt"
              tooltip={labels.remove}
              aria-label={labels.remove}
              onClick={() => {
                onChange(columns.filter((_, i) => i !== index));
                onBlur();
              }}
            />
          </InlineFieldRow>
        );
      })}
      <div>
        <Button
          variant="secondary"
          size="sm"
          icon="plus"
          type="button"
          onClick={() => onChange([...columns, { selector: '' }])}
        >
          {QUERY.addColumn}
        </Button>
      </div>
    </Stack>
  );
}
