import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Button, InlineField, RadioButtonGroup, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { QueryFormat, RestDataSourceOptions, RestQuery } from '../types';
import { ColumnRows } from './query/ColumnRows';
import { PaginationFields } from './query/PaginationFields';
import { RequestFields } from './query/RequestFields';
import { RowsFields, VariableFields } from './query/RowsFields';
import { QUERY } from './selectors';

type Props = QueryEditorProps<DataSource, RestQuery, RestDataSourceOptions>;

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

/** The panel query editor: request, rows and format, variable selectors, columns, pagination. */
export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const format: QueryFormat = query.format ?? 'table';
  const change = (patch: Partial<RestQuery>) => onChange({ ...query, ...patch });
  const section = { query, change, onRunQuery };

  return (
    <Stack direction="column" gap={1}>
      <RequestFields {...section} />

      <RowsFields {...section}>
        <InlineField
          label={QUERY.format}
          tooltip="Table, time series (needs a time column), a single value, or variable options."
        >
          <RadioButtonGroup<QueryFormat>
            aria-label={QUERY.format}
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

      <ColumnRows columns={query.columns ?? []} onChange={(value) => change({ columns: value })} onBlur={onRunQuery} />

      <PaginationFields {...section} />

      <div>
        <Button icon="play" variant="primary" size="sm" type="button" onClick={onRunQuery}>
          {QUERY.runQuery}
        </Button>
      </div>
    </Stack>
  );
}
