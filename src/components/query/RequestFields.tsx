import React from 'react';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup, TextArea } from '@grafana/ui';

import { HttpMethod, KeyValue } from '../../types';
import { KeyValueRows } from '../KeyValueRows';
import { LIST, QUERY } from '../selectors';
import { LABEL_WIDTH, SectionProps } from './fields';

const METHOD_OPTIONS: Array<{ label: string; value: HttpMethod }> = [
  { label: 'GET', value: 'GET' },
  { label: 'POST', value: 'POST' },
];

interface ListProps {
  title: string;
  noun: string;
  idBase: string;
  items: KeyValue[];
  namePlaceholder: string;
  valuePlaceholder: string;
  onChange: (items: KeyValue[]) => void;
  onBlur: () => void;
}

/** Query parameters or headers: plain name/value rows (template variables allowed, never secret). */
function QueryList({ items, onChange, ...props }: ListProps) {
  const update = (index: number, patch: Partial<KeyValue>) =>
    onChange(items.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  return (
    <KeyValueRows
      {...props}
      rows={items}
      labelWidth={LABEL_WIDTH}
      valueWidth={36}
      onName={(i, name) => update(i, { name })}
      onValue={(i, value) => update(i, { value })}
      onAdd={() => onChange([...items, { name: '', value: '' }])}
      onRemove={(index) => onChange(items.filter((_, i) => i !== index))}
    />
  );
}

/** The request: method, path, parameters, headers and body. */
export function RequestFields({ query, change, onRunQuery }: SectionProps) {
  const method: HttpMethod = query.method ?? 'GET';
  return (
    <>
      <InlineFieldRow>
        <InlineField label={QUERY.method} labelWidth={LABEL_WIDTH} tooltip="HTTP method of the API request.">
          <RadioButtonGroup<HttpMethod>
            aria-label={QUERY.method}
            options={METHOD_OPTIONS}
            value={method}
            onChange={(value) => {
              change({ method: value });
              onRunQuery();
            }}
          />
        </InlineField>
        <InlineField
          label={QUERY.path}
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

      <QueryList
        title="Query parameters"
        noun={LIST.queryParams}
        idBase="query-param"
        items={query.params ?? []}
        namePlaceholder="limit"
        valuePlaceholder="100"
        onChange={(items) => change({ params: items })}
        onBlur={onRunQuery}
      />

      <QueryList
        title="Headers"
        noun={LIST.queryHeaders}
        idBase="query-header"
        items={query.headers ?? []}
        namePlaceholder="Accept"
        valuePlaceholder="application/json"
        onChange={(items) => change({ headers: items })}
        onBlur={onRunQuery}
      />

      {method === 'POST' && (
        <InlineField
          label={QUERY.body}
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
