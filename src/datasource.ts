import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY, KeyValue, RestDataSourceOptions, RestQuery, Pagination } from './types';
import { VariableSupport } from './variables';

export class DataSource extends DataSourceWithBackend<RestQuery, RestDataSourceOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<RestDataSourceOptions>) {
    super(instanceSettings);
    this.variables = new VariableSupport(this);
  }

  getDefaultQuery(_: CoreApp): Partial<RestQuery> {
    return { ...DEFAULT_QUERY, params: [], headers: [] };
  }

  applyTemplateVariables(query: RestQuery, scopedVars: ScopedVars): RestQuery {
    const templateSrv = getTemplateSrv();
    const replace = (value: string | undefined): string | undefined =>
      value === undefined || value === null ? value : templateSrv.replace(value, scopedVars);
    const replaceList = (list: KeyValue[] | undefined): KeyValue[] | undefined =>
      list?.map((kv) => ({ ...kv, name: replace(kv.name) ?? '', value: replace(kv.value) ?? '' }));
    const replacePagination = (p: Pagination | undefined): Pagination | undefined =>
      p && {
        ...p,
        limitParam: replace(p.limitParam),
        offsetParam: replace(p.offsetParam),
        pageParam: replace(p.pageParam),
        cursorPath: replace(p.cursorPath),
        cursorParam: replace(p.cursorParam),
        nextLinkPath: replace(p.nextLinkPath),
      };

    return {
      ...query,
      path: replace(query.path) ?? '',
      params: replaceList(query.params) ?? [],
      headers: replaceList(query.headers) ?? [],
      body: replace(query.body),
      jq: replace(query.jq),
      rootSelector: replace(query.rootSelector),
      columns: query.columns?.map((column) => ({
        ...column,
        selector: replace(column.selector) ?? '',
        name: replace(column.name),
        timeFormat: replace(column.timeFormat),
      })),
      pagination: replacePagination(query.pagination),
      variableTextSelector: replace(query.variableTextSelector),
      variableValueSelector: replace(query.variableValueSelector),
    };
  }

  filterQuery(query: RestQuery): boolean {
    // if no path has been provided, prevent the query from being executed
    return !!query.path && query.path.trim() !== '';
  }
}
