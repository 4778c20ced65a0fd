import { CustomVariableSupport, DataQueryRequest } from '@grafana/data';

import type { DataSource } from './datasource';
import { VariableQueryEditor, toVariableQuery } from './components/VariableQueryEditor';
import { RestQuery } from './types';

/**
 * Dashboard variables: the variable query runs on the backend like any query, with format
 * `variable`, which returns a frame with `text` and `value` fields (Grafana turns them into options).
 */
export class VariableSupport extends CustomVariableSupport<DataSource, RestQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<RestQuery>) {
    return this.datasource.query({
      ...request,
      targets: request.targets.map((target) => toVariableQuery(target)),
    });
  }
}
