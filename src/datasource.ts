import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY, KeyValue, MyDataSourceOptions, MyQuery } from './types';

export class DataSource extends DataSourceWithBackend<MyQuery, MyDataSourceOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<MyDataSourceOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(_: CoreApp): Partial<MyQuery> {
    return { ...DEFAULT_QUERY, params: [], headers: [] };
  }

  applyTemplateVariables(query: MyQuery, scopedVars: ScopedVars): MyQuery {
    const templateSrv = getTemplateSrv();
    const replace = (value: string | undefined): string | undefined =>
      value === undefined || value === null ? value : templateSrv.replace(value, scopedVars);
    const replaceList = (list: KeyValue[] | undefined): KeyValue[] | undefined =>
      list?.map((kv) => ({ ...kv, name: replace(kv.name) ?? '', value: replace(kv.value) ?? '' }));

    return {
      ...query,
      path: replace(query.path) ?? '',
      params: replaceList(query.params) ?? [],
      headers: replaceList(query.headers) ?? [],
      body: replace(query.body),
      rootSelector: replace(query.rootSelector),
      columns: query.columns?.map((column) => ({
        ...column,
        selector: replace(column.selector) ?? '',
      })),
    };
  }

  filterQuery(query: MyQuery): boolean {
    // if no path has been provided, prevent the query from being executed
    return !!query.path && query.path.trim() !== '';
  }
}
