import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { QueryEditor } from './QueryEditor';
import { DataSource } from '../datasource';
import { MyQuery } from '../types';

const baseQuery: MyQuery = { refId: 'A', method: 'GET', path: '/items', params: [], headers: [], format: 'table' };

function setup(query: Partial<MyQuery> = {}) {
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

    const path = screen.getByLabelText('Path');
    fireEvent.change(path, { target: { value: '/users/$id' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, path: '/users/$id' });

    fireEvent.blur(path);
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('changes the method and shows the body for POST', () => {
    const { onChange, onRunQuery } = setup();
    expect(screen.queryByLabelText('Body')).not.toBeInTheDocument();

    fireEvent.click(screen.getByLabelText('POST'));
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, method: 'POST' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('edits the body of a POST query', () => {
    const { onChange } = setup({ method: 'POST' });
    fireEvent.change(screen.getByLabelText('Body'), { target: { value: '{"a":1}' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, method: 'POST', body: '{"a":1}' });
  });

  it('edits the root selector', () => {
    const { onChange } = setup();
    fireEvent.change(screen.getByLabelText('Root selector'), { target: { value: '$.data.items' } });
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, rootSelector: '$.data.items' });
  });

  it('changes the format', () => {
    const { onChange } = setup();
    fireEvent.click(screen.getByLabelText('Time series'));
    expect(onChange).toHaveBeenCalledWith({ ...baseQuery, format: 'timeseries' });
  });

  it('adds and edits query parameters and headers', () => {
    const { onChange } = setup({ params: [{ name: 'limit', value: '10' }], headers: [{ name: 'Accept', value: '' }] });

    fireEvent.change(screen.getByLabelText('Parameter 1 value'), { target: { value: '$limit' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ params: [{ name: 'limit', value: '$limit' }] })
    );

    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'application/json' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ headers: [{ name: 'Accept', value: 'application/json' }] })
    );

    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
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

    fireEvent.change(screen.getByLabelText('Column 1 selector'), { target: { value: '$.createdAt' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ columns: [{ selector: '$.createdAt' }] }));

    fireEvent.change(screen.getByLabelText('Column 1 name'), { target: { value: 'Created' } });
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ columns: [{ selector: 'ts', name: 'Created' }] })
    );

    fireEvent.click(screen.getByLabelText('Time'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ columns: [{ selector: 'ts', type: 'time' }] }));

    fireEvent.click(screen.getByRole('button', { name: 'Add column' }));
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({ columns: [{ selector: 'ts' }, { selector: '' }] })
    );
  });

  it('runs the query from the Run button', () => {
    const { onRunQuery } = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Run query' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
