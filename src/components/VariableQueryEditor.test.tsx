import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { VariableQueryEditor, toVariableQuery } from './VariableQueryEditor';
import { DataSource } from '../datasource';
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
    fireEvent.change(screen.getByLabelText('Path'), { target: { value: '/regions?active=true' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, path: '/regions?active=true', format: 'variable' });
  });

  it('edits the text and value selectors', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Text selector'), { target: { value: 'label' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, variableTextSelector: 'label' });
    fireEvent.change(screen.getByLabelText('Value selector'), { target: { value: 'code' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, variableValueSelector: 'code' });
  });

  it('edits the root selector, jq and pagination', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Root selector'), { target: { value: '$.items' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, rootSelector: '$.items' });
    fireEvent.change(screen.getByLabelText('jq'), { target: { value: '.items' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, jq: '.items' });
    fireEvent.click(screen.getByLabelText('Next link'));
    expect(onChange).toHaveBeenLastCalledWith({ ...base, pagination: { mode: 'nextLink' } });
  });

  it('has no format or column controls', () => {
    setup();
    expect(screen.queryByLabelText('Format')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Add column' })).not.toBeInTheDocument();
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
