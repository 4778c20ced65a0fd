import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import {
  Button,
  IconButton,
  InlineField,
  InlineFieldRow,
  Input,
  RadioButtonGroup,
  Stack,
  Text,
  TextArea,
} from '@grafana/ui';

import { DataSource } from '../datasource';
import {
  ColumnDefinition,
  ColumnType,
  HttpMethod,
  KeyValue,
  MyDataSourceOptions,
  MyQuery,
  QueryFormat,
} from '../types';

type Props = QueryEditorProps<DataSource, MyQuery, MyDataSourceOptions>;

const LABEL_WIDTH = 16;

const METHOD_OPTIONS: Array<{ label: string; value: HttpMethod }> = [
  { label: 'GET', value: 'GET' },
  { label: 'POST', value: 'POST' },
];

const FORMAT_OPTIONS: Array<{ label: string; value: QueryFormat }> = [
  { label: 'Table', value: 'table' },
  { label: 'Time series', value: 'timeseries' },
];

const COLUMN_TYPE_OPTIONS: Array<{ label: string; value: ColumnType }> = [
  { label: 'String', value: 'string' },
  { label: 'Number', value: 'number' },
  { label: 'Integer', value: 'integer' },
  { label: 'Boolean', value: 'boolean' },
  { label: 'Time', value: 'time' },
  { label: 'JSON', value: 'json' },
];

interface KeyValueRowsProps {
  title: string;
  noun: string;
  items: KeyValue[];
  idBase: string;
  namePlaceholder: string;
  valuePlaceholder: string;
  onChange: (items: KeyValue[]) => void;
  onBlur: () => void;
}

function KeyValueRows({
  title,
  noun,
  items,
  idBase,
  namePlaceholder,
  valuePlaceholder,
  onChange,
  onBlur,
}: KeyValueRowsProps) {
  const update = (index: number, patch: Partial<KeyValue>) =>
    onChange(items.map((item, i) => (i === index ? { ...item, ...patch } : item)));

  return (
    <Stack direction="column" gap={0.5}>
      <Text element="h6">{title}</Text>
      {items.map((item, index) => {
        const n = index + 1;
        return (
          <InlineFieldRow key={index}>
            <InlineField label="Name" labelWidth={LABEL_WIDTH} htmlFor={`${idBase}-${index}-name`}>
              <Input
                id={`${idBase}-${index}-name`}
                aria-label={`${noun} ${n} name`}
                value={item.name}
                placeholder={namePlaceholder}
                width={24}
                onChange={(e) => update(index, { name: e.currentTarget.value })}
                onBlur={onBlur}
              />
            </InlineField>
            <InlineField label="Value" htmlFor={`${idBase}-${index}-value`}>
              <Input
                id={`${idBase}-${index}-value`}
                aria-label={`${noun} ${n} value`}
                value={item.value}
                placeholder={valuePlaceholder}
                width={36}
                onChange={(e) => update(index, { value: e.currentTarget.value })}
                onBlur={onBlur}
              />
            </InlineField>
            <IconButton
              name="trash-alt"
              tooltip={`Remove ${noun.toLowerCase()} ${n}`}
              aria-label={`Remove ${noun.toLowerCase()} ${n}`}
              onClick={() => {
                onChange(items.filter((_, i) => i !== index));
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
          onClick={() => onChange([...items, { name: '', value: '' }])}
        >
          Add {noun.toLowerCase()}
        </Button>
      </div>
    </Stack>
  );
}

interface ColumnRowsProps {
  columns: ColumnDefinition[];
  onChange: (columns: ColumnDefinition[]) => void;
  onBlur: () => void;
}

function ColumnRows({ columns, onChange, onBlur }: ColumnRowsProps) {
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
        const n = index + 1;
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
                aria-label={`Column ${n} selector`}
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
                aria-label={`Column ${n} name`}
                value={column.name ?? ''}
                placeholder="(selector)"
                width={18}
                onChange={(e) => update(index, { name: e.currentTarget.value || undefined })}
                onBlur={onBlur}
              />
            </InlineField>
            <InlineField label="Type" tooltip="Type of the values; string when unset.">
              <RadioButtonGroup<ColumnType>
                aria-label={`Column ${n} type`}
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
                tooltip="Layout of the time values; empty = auto (RFC 3339 or epoch). Example: 2006-01-02 15:04:05"
              >
                <Input
                  id={`${idBase}-timeFormat`}
                  aria-label={`Column ${n} time format`}
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
              tooltip={`Remove column ${n}`}
              aria-label={`Remove column ${n}`}
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
          Add column
        </Button>
      </div>
    </Stack>
  );
}

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const method: HttpMethod = query.method ?? 'GET';
  const format: QueryFormat = query.format ?? 'table';
  const params = query.params ?? [];
  const headers = query.headers ?? [];
  const columns = query.columns ?? [];

  const change = (patch: Partial<MyQuery>) => onChange({ ...query, ...patch });

  return (
    <Stack direction="column" gap={1}>
      <InlineFieldRow>
        <InlineField label="Method" labelWidth={LABEL_WIDTH} tooltip="HTTP method of the API request.">
          <RadioButtonGroup<HttpMethod>
            aria-label="Method"
            options={METHOD_OPTIONS}
            value={method}
            onChange={(value) => {
              change({ method: value });
              onRunQuery();
            }}
          />
        </InlineField>
        <InlineField
          label="Path"
          htmlFor="query-path"
          grow
          tooltip="Path relative to the data source URL; template variables allowed. Example: /items/$id"
        >
          <Input
            id="query-path"
            value={query.path ?? ''}
            placeholder="/items"
            onChange={(e) => change({ path: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
      </InlineFieldRow>

      <KeyValueRows
        title="Query parameters"
        noun="Parameter"
        idBase="query-param"
        items={params}
        namePlaceholder="limit"
        valuePlaceholder="100"
        onChange={(items) => change({ params: items })}
        onBlur={onRunQuery}
      />

      <KeyValueRows
        title="Headers"
        noun="Header"
        idBase="query-header"
        items={headers}
        namePlaceholder="Accept"
        valuePlaceholder="application/json"
        onChange={(items) => change({ headers: items })}
        onBlur={onRunQuery}
      />

      {method === 'POST' && (
        <InlineField
          label="Body"
          labelWidth={LABEL_WIDTH}
          htmlFor="query-body"
          grow
          tooltip='Request body sent with POST; template variables allowed. Example: {"from": "${__from}"}'
        >
          <TextArea
            id="query-body"
            value={query.body ?? ''}
            rows={4}
            placeholder='{"query": "…"}'
            onChange={(e) => change({ body: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
      )}

      <InlineFieldRow>
        <InlineField
          label="Root selector"
          labelWidth={LABEL_WIDTH}
          htmlFor="query-rootSelector"
          tooltip="Where the rows are in the reply: RFC 9535 JSONPath or dotted path; empty = the whole reply. Example: $.items or data.items"
        >
          <Input
            id="query-rootSelector"
            value={query.rootSelector ?? ''}
            placeholder="$.items"
            width={32}
            onChange={(e) => change({ rootSelector: e.currentTarget.value })}
            onBlur={onRunQuery}
          />
        </InlineField>
        <InlineField label="Format" tooltip="Table, or time series (needs a time column).">
          <RadioButtonGroup<QueryFormat>
            aria-label="Format"
            options={FORMAT_OPTIONS}
            value={format}
            onChange={(value) => {
              change({ format: value });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>

      <ColumnRows columns={columns} onChange={(value) => change({ columns: value })} onBlur={onRunQuery} />

      <div>
        <Button icon="play" variant="primary" size="sm" type="button" onClick={onRunQuery}>
          Run query
        </Button>
      </div>
    </Stack>
  );
}
