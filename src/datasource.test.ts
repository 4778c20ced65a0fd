import { DataSourceInstanceSettings, CoreApp, ScopedVars } from '@grafana/data';

import { DataSource } from './datasource';
import { RestDataSourceOptions, RestQuery } from './types';

const replace = jest.fn((value: string, scopedVars?: ScopedVars) => {
  const vars: Record<string, string> = { id: '42', limit: '10', token: 'abc', root: 'items', field: 'name' };
  return value.replace(/\$(\w+)/g, (match, name) => {
    const scoped = scopedVars?.[name]?.value;
    if (scoped !== undefined) {
      return String(scoped);
    }
    return vars[name] ?? match;
  });
});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ replace }),
}));

function makeDatasource() {
  return new DataSource({
    uid: 'uid',
    type: 'oauth2rest-api-datasource',
    name: 'OAuth2 REST API',
    jsonData: {},
    access: 'proxy',
    meta: {} as DataSourceInstanceSettings['meta'],
    readOnly: false,
  } as DataSourceInstanceSettings<RestDataSourceOptions>);
}

describe('DataSource', () => {
  beforeEach(() => replace.mockClear());

  it('interpolates every text field of the query', () => {
    const ds = makeDatasource();
    const query: RestQuery = {
      refId: 'A',
      method: 'POST',
      path: '/users/$id',
      params: [{ name: 'lim$field', value: '$limit' }],
      headers: [{ name: 'X-Token', value: 'Bearer $token' }],
      body: '{"id": "$id"}',
      rootSelector: '$.$root',
      columns: [{ selector: 'user.$field', name: 'User', type: 'string' }],
      format: 'table',
    };

    const out = ds.applyTemplateVariables(query, { id: { text: '7', value: '7' } });

    expect(out).toEqual({
      refId: 'A',
      method: 'POST',
      path: '/users/7',
      params: [{ name: 'limname', value: '10' }],
      headers: [{ name: 'X-Token', value: 'Bearer abc' }],
      body: '{"id": "7"}',
      rootSelector: '$.items',
      columns: [{ selector: 'user.name', name: 'User', type: 'string' }],
      format: 'table',
    });
    expect(replace).toHaveBeenCalledWith('/users/$id', { id: { text: '7', value: '7' } });
  });

  it('copes with queries saved without lists', () => {
    const ds = makeDatasource();
    const out = ds.applyTemplateVariables({ refId: 'A', path: '/a' } as RestQuery, {});
    expect(out.path).toBe('/a');
    expect(out.params).toEqual([]);
    expect(out.headers).toEqual([]);
    expect(out.body).toBeUndefined();
  });

  it('filters out queries without a path', () => {
    const ds = makeDatasource();
    expect(ds.filterQuery({ refId: 'A', path: '' } as RestQuery)).toBe(false);
    expect(ds.filterQuery({ refId: 'A', path: '   ' } as RestQuery)).toBe(false);
    expect(ds.filterQuery({ refId: 'A', path: '/items' } as RestQuery)).toBe(true);
  });

  it('has a GET table default query', () => {
    const ds = makeDatasource();
    expect(ds.getDefaultQuery(CoreApp.Explore)).toEqual({
      method: 'GET',
      path: '',
      params: [],
      headers: [],
      format: 'table',
    });
  });
});

describe('DataSource: new query fields and variables', () => {
  beforeEach(() => replace.mockClear());

  it('interpolates jq, pagination and variable selectors', () => {
    const ds = makeDatasource();
    const out = ds.applyTemplateVariables(
      {
        refId: 'A',
        method: 'GET',
        path: '/a',
        params: [],
        headers: [],
        jq: '.$root | map(.$field)',
        pagination: { mode: 'cursor', cursorPath: 'meta.$field', cursorParam: '$field', maxPages: 3 },
        variableTextSelector: '$field',
        variableValueSelector: 'id_$id',
        format: 'variable',
      },
      {}
    );
    expect(out.jq).toBe('.items | map(.name)');
    expect(out.pagination).toEqual({ mode: 'cursor', cursorPath: 'meta.name', cursorParam: 'name', maxPages: 3 });
    expect(out.variableTextSelector).toBe('name');
    expect(out.variableValueSelector).toBe('id_42');
  });

  it('runs variable queries on the backend with the variable format', () => {
    const ds = makeDatasource();
    const sentinel = { subscribe: jest.fn() };
    const query = jest.spyOn(ds, 'query').mockReturnValue(sentinel as never);
    expect(ds.variables).toBeDefined();
    const support = ds.variables as unknown as { query: (r: unknown) => unknown; editor: unknown };
    expect(support.editor).toBeDefined();

    const result = support.query({ targets: [{ refId: 'A', path: '/regions', format: 'table' }], range: {} });
    expect(result).toBe(sentinel);
    expect(query).toHaveBeenCalledWith(
      expect.objectContaining({ targets: [expect.objectContaining({ path: '/regions', format: 'variable' })] })
    );
  });
});
