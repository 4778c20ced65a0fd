import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { LIST, QUERY, addButton, columnRow, listRow } from './selectors';
import { RestQuery } from '../types';

const baseQuery: RestQuery = { refId: 'A', method: 'GET', path: '/items', params: [], headers: [], format: 'table' };

function setup(query: Partial<RestQuery> = {}) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(
    <QueryEditor
      datasource={{} as DataSource}
      query={{ ...baseQuery, ...query }}
      onChange={onChange}
      onRunQuery={onRunQuery}
    />
  );
  return { onChange, onRunQuery };
}

describe('QueryEditor', () => {
  it('edits the path and runs the query on blur', () => {
    const { onChange, onRunQuery } = setup();

    const path = screen.getByLabelText(QUERY.path);
    fireEvent.change(path, { target: { value: '/users/$id' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, path: '/users/$id' });

    fireEvent.blur(path);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('changes the method and shows the body for POST', () => {
    const { onChange, onRunQuery } = setup();
    expect(screen.queryByLabelText(QUERY.body)).not.toBeInTheDocument();

    fireEvent.click(screen.getByLabelText('POST'));
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, method: 'POST' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('edits the body of a POST query', () => {
    const { onChange } = setup({ method: 'POST' });
    fireEvent.change(screen.getByLabelText(QUERY.body), { target: { value: '{"a":1}' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, method: 'POST', body: '{"a":1}' });
  });

  it('edits the root selector', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText(QUERY.rootSelector), { target: { value: '$.data.items' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, rootSelector: '$.data.items' });
  });

  it('changes the format', () => {
    const { onChange } = setup();
    fireEvent.click(screen.getByLabelText('Time series'));
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, format: 'timeseries' });
  });

  it('adds and edits query parameters and headers', () => {
    const { onChange } = setup({ params: [{ name: 'limit', value: '10' }], headers: [{ name: 'Accept', value: '' }] });

    fireEvent.change(screen.getByLabelText(listRow(LIST.queryParams, 1).value), { target: { value: '$limit' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ params: [{ name: 'limit', value: '$limit' }] })
    );

    fireEvent.change(screen.getByLabelText(listRow(LIST.queryHeaders, 1).value), {
      target: { value: 'application/json' },
    });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ headers: [{ name: 'Accept', value: 'application/json' }] })
    );

    fireEvent.click(screen.getByRole('button', { name: addButton(LIST.queryParams) }));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        params: [
          { name: 'limit', value: '10' },
          { name: '', value: '' },
        ],
      })
    );
  });

  it('edits columns', () => {
    const { onChange } = setup({ columns: [{ selector: 'ts' }] });

    fireEvent.change(screen.getByLabelText(columnRow(1).selector), { target: { value: '$.createdAt' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ columns: [{ selector: '$.createdAt' }] }));

    fireEvent.change(screen.getByLabelText(columnRow(1).name), { target: { value: 'Created' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ columns: [{ selector: 'ts', name: 'Created' }] })
    );

    fireEvent.click(screen.getByLabelText('Time'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ columns: [{ selector: 'ts', type: 'time' }] }));

    fireEvent.click(screen.getByRole('button', { name: QUERY.addColumn }));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ columns: [{ selector: 'ts' }, { selector: '' }] })
    );
  });

  it('runs the query from the Run button', () => {
    const { onRunQuery } = setup();
    fireEvent.click(screen.getByRole('button', { name: QUERY.runQuery }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});

describe('QueryEditor: jq, formats, variables and pagination', () => {
  it('edits the jq program', () => {
    const { onChange, onRunQuery } = setup();
    const jq = screen.getByLabelText(QUERY.jq);
    fireEvent.change(jq, { target: { value: '.data | map({id})' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, jq: '.data | map({id})' });
    fireEvent.blur(jq);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('clears the jq program when emptied', () => {
    const { onChange } = setup({ jq: '.a' });
    fireEvent.change(screen.getByLabelText(QUERY.jq), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, jq: undefined });
  });

  it('offers the single value and variable formats', () => {
    const { onChange, onRunQuery } = setup();
    fireEvent.click(screen.getByLabelText('Single value'));
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, format: 'single' });
    expect(onRunQuery).toHaveBeenCalled();
    fireEvent.click(screen.getByLabelText('Variable'));
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, format: 'variable' });
  });

  it('shows the text and value selectors for the variable format only', () => {
    setup();
    expect(screen.queryByLabelText(QUERY.variableTextSelector)).not.toBeInTheDocument();
  });

  it('edits the variable selectors', () => {
    const { onChange } = setup({ format: 'variable' });
    fireEvent.change(screen.getByLabelText(QUERY.variableTextSelector), { target: { value: 'name' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, format: 'variable', variableTextSelector: 'name' });
    fireEvent.change(screen.getByLabelText(QUERY.variableValueSelector), { target: { value: '$.id' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, format: 'variable', variableValueSelector: '$.id' });
  });

  it('edits the time format of a time column', () => {
    const { onChange } = setup({ columns: [{ selector: 'ts', type: 'time' }] });
    fireEvent.change(screen.getByLabelText(columnRow(1).timeFormat), { target: { value: 'epoch_ms' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ columns: [{ selector: 'ts', type: 'time', timeFormat: 'epoch_ms' }] })
    );
  });

  it('has no pagination by default and switches to cursor pagination', () => {
    const { onChange, onRunQuery } = setup();
    expect(screen.queryByLabelText(QUERY.maxPages)).not.toBeInTheDocument();
    fireEvent.click(screen.getByLabelText('Cursor'));
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'cursor' } });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('edits cursor pagination settings', () => {
    const { onChange } = setup({ pagination: { mode: 'cursor' } });
    fireEvent.change(screen.getByLabelText(QUERY.cursorPath), { target: { value: 'meta.next' } });
    expect(onChange).toHaveBeenLastCalledWith({
      ...baseQuery,
      pagination: { mode: 'cursor', cursorPath: 'meta.next' },
    });
    fireEvent.change(screen.getByLabelText(QUERY.cursorParam), { target: { value: 'after' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'cursor', cursorParam: 'after' } });
    fireEvent.change(screen.getByLabelText(QUERY.maxPages), { target: { value: '3' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'cursor', maxPages: 3 } });
  });

  it('clears the page cap back to the default', () => {
    const { onChange } = setup({ pagination: { mode: 'cursor', maxPages: 3 } });
    fireEvent.change(screen.getByLabelText(QUERY.maxPages), { target: { value: '' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'cursor', maxPages: undefined } });
  });

  it('edits offset pagination settings', () => {
    const { onChange } = setup({ pagination: { mode: 'offset' } });
    fireEvent.change(screen.getByLabelText(QUERY.offsetParam), { target: { value: 'skip' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'offset', offsetParam: 'skip' } });
    fireEvent.change(screen.getByLabelText(QUERY.limitParam), { target: { value: 'take' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'offset', limitParam: 'take' } });
    fireEvent.change(screen.getByLabelText(QUERY.pageSize), { target: { value: '50' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'offset', pageSize: 50 } });
  });

  it('edits page pagination settings', () => {
    const { onChange } = setup({ pagination: { mode: 'page' } });
    fireEvent.change(screen.getByLabelText(QUERY.pageParam), { target: { value: 'p' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'page', pageParam: 'p' } });
    fireEvent.change(screen.getByLabelText(QUERY.startPage), { target: { value: '0' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'page', startPage: 0 } });
    fireEvent.change(screen.getByLabelText(QUERY.pageSizeParam), { target: { value: 'per_page' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: { mode: 'page', limitParam: 'per_page' } });
  });

  it('edits next-link pagination and turns pagination off', () => {
    const { onChange } = setup({ pagination: { mode: 'nextLink' } });
    const path = screen.getByLabelText(QUERY.nextLinkPath);
    expect(path).toHaveAttribute('placeholder', 'Link header');
    fireEvent.change(path, { target: { value: 'links.next' } });
    expect(onChange).toHaveBeenLastCalledWith({
      ...baseQuery,
      pagination: { mode: 'nextLink', nextLinkPath: 'links.next' },
    });
    fireEvent.click(screen.getByLabelText('None'));
    expect(onChange).toHaveBeenLastCalledWith({ ...baseQuery, pagination: undefined });
  });
});
