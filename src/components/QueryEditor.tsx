import React from 'react';
import { css } from '@emotion/css';
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
  PAGINATION_DEFAULTS,
  Pagination,
  PaginationMode,
  QueryFormat,
} from '../types';

type Props = QueryEditorProps<DataSource, MyQuery, MyDataSourceOptions>;

/** What each section of the editor needs. */
export interface SectionProps {
  query: MyQuery;
  onChange: (query: MyQuery) => void;
  onRunQuery: () => void;
}

const LABEL_WIDTH = 16;

const MONOSPACE = css({ fontFamily: 'monospace' });

const METHOD_OPTIONS: Array<{ label: string; value: HttpMethod }> = [
  { label: 'GET', value: 'GET' },
  { label: 'POST', value: 'POST' },
];

const FORMAT_OPTIONS: Array<{ label: string; value: QueryFormat; description: string }> = [
  { label: 'Table', value: 'table', description: 'One row per selected item.' },
  { label: 'Time series', value: 'timeseries', description: 'Needs a time column; string columns become labels.' },
  {
    label: 'Single value',
    value: 'single',
    description: 'The first number (or first declared column): for stat panels.',
  },
  { label: 'Variable', value: 'variable', description: 'text/value pairs, as a dashboard variable query returns.' },
];

const PAGINATION_OPTIONS: Array<{ label: string; value: PaginationMode; description: string }> = [
  { label: 'None', value: 'none', description: 'One request.' },
  { label: 'Offset', value: 'offset', description: 'offset=0,100,200… with limit=100.' },
  { label: 'Page', value: 'page', description: 'page=1,2,3…' },
  { label: 'Cursor', value: 'cursor', description: 'A cursor from each reply is sent with the next request.' },
  { label: 'Next link', value: 'nextLink', description: 'A next URL from the reply body or the Link header.' },
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
                tooltip="How times are written: empty = auto (RFC 3339 or epoch), rfc3339, epoch_s, epoch_ms, or a Go layout such as 2006-01-02 15:04:05"
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

/** The request: method, path, parameters, headers and body. */
export function RequestFields({ query, onChange, onRunQuery }: SectionProps) {
  const method: HttpMethod = query.method ?? 'GET';
  const change = (patch: Partial<MyQuery>) => onChange({ ...query, ...patch });
  return (
    <>
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
          tooltip="Path relative to the data source URL; template variables and time macros allowed. Example: /items/$id?from=$__from"
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
        items={query.params ?? []}
        namePlaceholder="limit"
        valuePlaceholder="100"
        onChange={(items) => change({ params: items })}
        onBlur={onRunQuery}
      />

      <KeyValueRows
        title="Headers"
        noun="Header"
        idBase="query-header"
        items={query.headers ?? []}
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
    </>
  );
}

/** Where the rows are: an optional jq program, then the root selector. */
export function RowsFields({ query, onChange, onRunQuery, children }: SectionProps & { children?: React.ReactNode }) {
  const change = (patch: Partial<MyQuery>) => onChange({ ...query, ...patch });
  return (
    <>
      <InlineField
        label="jq"
        labelWidth={LABEL_WIDTH}
        htmlFor="query-jq"
        grow
        tooltip="Optional jq program (gojq) that reshapes the reply before the root selector and columns. Objects jq builds have sorted keys; declare columns to set their order. Example: .data | map({id, name: .attributes.name})"
      >
        <TextArea
          id="query-jq"
          value={query.jq ?? ''}
          rows={1}
          placeholder=".data | map({id, name})"
          className={MONOSPACE}
          onChange={(e) => change({ jq: e.currentTarget.value || undefined })}
          onBlur={onRunQuery}
        />
      </InlineField>
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
        {children}
      </InlineFieldRow>
    </>
  );
}

/** The text and value selectors of a variable query. */
export function VariableFields({ query, onChange, onRunQuery }: SectionProps) {
  const change = (patch: Partial<MyQuery>) => onChange({ ...query, ...patch });
  return (
    <InlineFieldRow>
      <InlineField
        label="Text selector"
        labelWidth={LABEL_WIDTH}
        htmlFor="query-variableTextSelector"
        tooltip="Path in each row of the text shown for an option; default: the first string column. Example: name"
      >
        <Input
          id="query-variableTextSelector"
          value={query.variableTextSelector ?? ''}
          placeholder="(first string column)"
          width={28}
          onChange={(e) => change({ variableTextSelector: e.currentTarget.value || undefined })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineField
        label="Value selector"
        htmlFor="query-variableValueSelector"
        tooltip="Path in each row of the option's value; default: the first string or number column. Example: id"
      >
        <Input
          id="query-variableValueSelector"
          value={query.variableValueSelector ?? ''}
          placeholder="(first string/number column)"
          width={28}
          onChange={(e) => change({ variableValueSelector: e.currentTarget.value || undefined })}
          onBlur={onRunQuery}
        />
      </InlineField>
    </InlineFieldRow>
  );
}

interface TextSettingProps {
  label: string;
  id: string;
  value?: string;
  placeholder: string;
  tooltip: string;
  onChange: (value: string | undefined) => void;
  onBlur: () => void;
  first?: boolean;
}

function TextSetting({ label, id, value, placeholder, tooltip, onChange, onBlur, first }: TextSettingProps) {
  return (
    <InlineField label={label} labelWidth={first ? LABEL_WIDTH : undefined} htmlFor={id} tooltip={tooltip}>
      <Input
        id={id}
        value={value ?? ''}
        placeholder={placeholder}
        width={18}
        onChange={(e) => onChange(e.currentTarget.value.trim() === '' ? undefined : e.currentTarget.value)}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

function NumberSetting({
  label,
  id,
  value,
  placeholder,
  tooltip,
  onChange,
  onBlur,
  first,
}: Omit<TextSettingProps, 'value' | 'onChange'> & {
  value?: number;
  onChange: (value: number | undefined) => void;
}) {
  return (
    <InlineField label={label} labelWidth={first ? LABEL_WIDTH : undefined} htmlFor={id} tooltip={tooltip}>
      <Input
        id={id}
        type="number"
        min={0}
        value={value ?? ''}
        placeholder={placeholder}
        width={10}
        onChange={(e) => {
          const n = parseInt(e.currentTarget.value, 10);
          onChange(Number.isNaN(n) ? undefined : n);
        }}
        onBlur={onBlur}
      />
    </InlineField>
  );
}

/** Pagination: mode, page cap, and the mode's parameters. */
export function PaginationFields({ query, onChange, onRunQuery }: SectionProps) {
  const p: Pagination = query.pagination ?? { mode: 'none' };
  const set = (patch: Partial<Pagination>) => onChange({ ...query, pagination: { ...p, ...patch } });
  const d = PAGINATION_DEFAULTS;
  return (
    <Stack direction="column" gap={0.5}>
      <InlineFieldRow>
        <InlineField
          label="Pagination"
          labelWidth={LABEL_WIDTH}
          tooltip="Fetch more pages and concatenate their rows (see docs/queries.md). Next links must stay under the data source URL."
        >
          <RadioButtonGroup<PaginationMode>
            aria-label="Pagination"
            size="sm"
            options={PAGINATION_OPTIONS}
            value={p.mode}
            onChange={(mode) => {
              onChange({ ...query, pagination: mode === 'none' ? undefined : { ...p, mode } });
              onRunQuery();
            }}
          />
        </InlineField>
        {p.mode !== 'none' && (
          <NumberSetting
            label="Max pages"
            id="query-pagination-maxPages"
            value={p.maxPages}
            placeholder={String(d.maxPages)}
            tooltip="Page cap; the frame carries a notice when it cut the results. Default 10, at most 1000."
            onChange={(maxPages) => set({ maxPages })}
            onBlur={onRunQuery}
          />
        )}
      </InlineFieldRow>
      {p.mode === 'offset' && (
        <InlineFieldRow>
          <TextSetting
            first
            label="Offset parameter"
            id="query-pagination-offsetParam"
            value={p.offsetParam}
            placeholder={d.offsetParam}
            tooltip="Parameter carrying the offset (0, pageSize, 2×pageSize…)."
            onChange={(offsetParam) => set({ offsetParam })}
            onBlur={onRunQuery}
          />
          <TextSetting
            label="Limit parameter"
            id="query-pagination-limitParam"
            value={p.limitParam}
            placeholder={d.limitParam}
            tooltip="Parameter carrying the page size."
            onChange={(limitParam) => set({ limitParam })}
            onBlur={onRunQuery}
          />
          <NumberSetting
            label="Page size"
            id="query-pagination-pageSize"
            value={p.pageSize}
            placeholder={String(d.pageSize)}
            tooltip="Rows per page; a shorter page is the last one."
            onChange={(pageSize) => set({ pageSize })}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}
      {p.mode === 'page' && (
        <InlineFieldRow>
          <TextSetting
            first
            label="Page parameter"
            id="query-pagination-pageParam"
            value={p.pageParam}
            placeholder={d.pageParam}
            tooltip="Parameter carrying the page number."
            onChange={(pageParam) => set({ pageParam })}
            onBlur={onRunQuery}
          />
          <NumberSetting
            label="Start page"
            id="query-pagination-startPage"
            value={p.startPage}
            placeholder={String(d.startPage)}
            tooltip="Number of the first page (1, or 0 for zero-based APIs)."
            onChange={(startPage) => set({ startPage })}
            onBlur={onRunQuery}
          />
          <TextSetting
            label="Page size parameter"
            id="query-pagination-limitParam"
            value={p.limitParam}
            placeholder="(not sent)"
            tooltip="Optional parameter carrying the page size, e.g. per_page. Without it, the run stops at the first empty page."
            onChange={(limitParam) => set({ limitParam })}
            onBlur={onRunQuery}
          />
          <NumberSetting
            label="Page size"
            id="query-pagination-pageSize"
            value={p.pageSize}
            placeholder={String(d.pageSize)}
            tooltip="Rows per page (with a page size parameter); a shorter page is the last one."
            onChange={(pageSize) => set({ pageSize })}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}
      {p.mode === 'cursor' && (
        <InlineFieldRow>
          <TextSetting
            first
            label="Cursor path"
            id="query-pagination-cursorPath"
            value={p.cursorPath}
            placeholder="meta.next_cursor"
            tooltip="Where the next cursor is in each reply (dotted or JSONPath, before jq). No cursor ends the run."
            onChange={(cursorPath) => set({ cursorPath })}
            onBlur={onRunQuery}
          />
          <TextSetting
            label="Cursor parameter"
            id="query-pagination-cursorParam"
            value={p.cursorParam}
            placeholder={d.cursorParam}
            tooltip="Parameter that sends the cursor with the next request."
            onChange={(cursorParam) => set({ cursorParam })}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}
      {p.mode === 'nextLink' && (
        <InlineFieldRow>
          <TextSetting
            first
            label="Next link path"
            id="query-pagination-nextLinkPath"
            value={p.nextLinkPath}
            placeholder="Link header"
            tooltip='Where the next URL is in each reply, e.g. links.next; empty = the Link header (rel="next").'
            onChange={(nextLinkPath) => set({ nextLinkPath })}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}
    </Stack>
  );
}

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const format: QueryFormat = query.format ?? 'table';
  const columns = query.columns ?? [];

  const change = (patch: Partial<MyQuery>) => onChange({ ...query, ...patch });
  const section = { query, onChange, onRunQuery };

  return (
    <Stack direction="column" gap={1}>
      <RequestFields {...section} />

      <RowsFields {...section}>
        <InlineField
          label="Format"
          tooltip="Table, time series (needs a time column), a single value, or variable options."
        >
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
      </RowsFields>

      {format === 'variable' && <VariableFields {...section} />}

      <ColumnRows columns={columns} onChange={(value) => change({ columns: value })} onBlur={onRunQuery} />

      <PaginationFields {...section} />

      <div>
        <Button icon="play" variant="primary" size="sm" type="button" onClick={onRunQuery}>
          Run query
        </Button>
      </div>
    </Stack>
  );
}
