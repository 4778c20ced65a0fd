import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Stack, Text } from '@grafana/ui';

import { DataSource } from '../datasource';
import { RestDataSourceOptions, RestQuery } from '../types';
import { PaginationFields } from './query/PaginationFields';
import { RequestFields } from './query/RequestFields';
import { RowsFields, VariableFields } from './query/RowsFields';

type Props = QueryEditorProps<DataSource, RestQuery, RestDataSourceOptions, RestQuery>;

/** A saved variable query: a query object, or (older dashboards, hand-written JSON) a bare path. */
export function toVariableQuery(query: RestQuery | string | undefined): RestQuery {
  if (typeof query === 'string') {
    return { refId: 'variable', method: 'GET', path: query, params: [], headers: [], format: 'variable' };
  }
  return { ...query, refId: query?.refId ?? 'variable', format: 'variable' } as RestQuery;
}

/**
 * Editor of a dashboard "Query" variable: the request, where the rows are, and which value in each
 * row is an option's text and value (both default to the first string/number column).
 */
export function VariableQueryEditor({ query, onChange, onRunQuery }: Props) {
  const q = toVariableQuery(query);
  const section = {
    query: q,
    change: (patch: Partial<RestQuery>) => onChange({ ...q, ...patch, format: 'variable' }),
    onRunQuery: onRunQuery ?? (() => {}),
  };
  return (
    <Stack direction="column" gap={1}>
      <RequestFields {...section} />
      <RowsFields {...section} />
      <VariableFields {...section} />
      <PaginationFields {...section} />
      <Text color="secondary" variant="bodySmall">
        Each row gives one option. Text: the first string column unless a text selector is set; value: the first string
        or number column unless a value selector is set.
      </Text>
    </Stack>
  );
}
