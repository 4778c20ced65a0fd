import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { VariableQueryEditor, toVariableQuery } from './VariableQueryEditor';
import { DataSource } from '../datasource';
import { QUERY } from './selectors';
import { RestQuery } from '../types';

const base: RestQuery = { refId: 'A', method: 'GET', path: '/regions', params: [], headers: [], format: 'variable' };

function setup(query: RestQuery = base) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(
    <VariableQueryEditor datasource={{} as DataSource} query={query} onChange={onChange} onRunQuery={onRunQuery} />
  );
  return { onChange, onRunQuery };
}

describe('VariableQueryEditor', () => {
  it('edits the path and keeps the variable format', () => {
    const { onChange } = setup({ ...base, format: undefined });
    fireEvent.change(screen.getByLabelText(QUERY.path), { target: { value: '/regions?active=true' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, path: '/regions?active=true', format: 'variable' });
  });

  it('edits the text and value selectors', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText(QUERY.variableTextSelector), { target: { value: 'label' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, variableTextSelector: 'label' });
    fireEvent.change(screen.getByLabelText(QUERY.variableValueSelector), { target: { value: 'code' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, variableValueSelector: 'code' });
  });

  it('edits the root selector, jq and pagination', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText(QUERY.rootSelector), { target: { value: '$.items' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, rootSelector: '$.items' });
    fireEvent.change(screen.getByLabelText(QUERY.jq), { target: { value: '.items' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, jq: '.items' });
    fireEvent.click(screen.getByLabelText('Next link'));
    expect(onChange).toHaveBeenLastCalledWith({ ...base, pagination: { mode: 'nextLink' } });
  });

  it('has no format or column controls', () => {
    setup();
    expect(screen.queryByLabelText(QUERY.format)).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: QUERY.addColumn })).not.toBeInTheDocument();
  });

  it('reads a bare path saved as a string', () => {
    expect(toVariableQuery('/regions')).toEqual({
      refId: 'variable',
      method: 'GET',
      path: '/regions',
      params: [],
      headers: [],
      format: 'variable',
    });
    expect(toVariableQuery({ ...base, format: 'table' }).format).toBe('variable');
  });
});
