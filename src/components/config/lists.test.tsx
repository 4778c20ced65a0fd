import { fireEvent, screen } from '@testing-library/react';

import { LIST, SECTION, addButton, listRow } from '../selectors';
import { click, expand, expectNoSecretsInJsonData, field, makeOptions, renderStateful, type } from '../testing';

describe('ConfigEditor: key/value lists', () => {
  it('stores a secure header value only under secureJsonData["header.<Name>"]', () => {
    const { last } = renderStateful(makeOptions());

    expand(SECTION.headers);
    fireEvent.click(screen.getByRole('button', { name: addButton(LIST.headers) }));
    type(listRow(LIST.headers, 1).name, 'X-Api-Key');
    click(listRow(LIST.headers, 1).secure);
    type(listRow(LIST.headers, 1).value, 'k3y');

    const next = last();
    expect(next.secureJsonData?.['header.X-Api-Key']).toBe('k3y');
    expect(next.jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
    expect(JSON.stringify(next.jsonData)).not.toContain('k3y');
    expectNoSecretsInJsonData(next);
  });

  it('moves a typed plain header value into secureJsonData when marked secure', () => {
    const { last } = renderStateful(makeOptions());

    expand(SECTION.headers);
    fireEvent.click(screen.getByRole('button', { name: addButton(LIST.headers) }));
    type(listRow(LIST.headers, 1).name, 'X-Api-Key');
    type(listRow(LIST.headers, 1).value, 'plain');
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', value: 'plain' }]);

    click(listRow(LIST.headers, 1).secure);
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('plain');
  });

  it('shows a stored secure header as configured and resets it', () => {
    const { last } = renderStateful(
      makeOptions({
        jsonData: { headers: [{ name: 'X-Api-Key', secure: true }] },
        secureJsonFields: { 'header.X-Api-Key': true },
      })
    );

    const value = field(listRow(LIST.headers, 1).value) as HTMLInputElement;
    expect(value.value).toBe('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));

    expect(last().secureJsonFields['header.X-Api-Key']).toBe(false);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('');
    expect(last().jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
  });

  it('removing a stored secure header clears its secret', () => {
    const { last } = renderStateful(
      makeOptions({
        jsonData: { headers: [{ name: 'X-Api-Key', secure: true }] },
        secureJsonFields: { 'header.X-Api-Key': true },
      })
    );

    fireEvent.click(screen.getByRole('button', { name: listRow(LIST.headers, 1).remove }));

    expect(last().jsonData.headers).toEqual([]);
    expect(last().secureJsonFields['header.X-Api-Key']).toBe(false);
    expect(last().secureJsonData?.['header.X-Api-Key']).toBe('');
  });

  it('stores a secure token request parameter under secureJsonData["tokenParam.<name>"]', () => {
    const { last } = renderStateful(makeOptions());

    expand(SECTION.tokenRequest);
    fireEvent.click(screen.getByRole('button', { name: addButton(LIST.tokenParams) }));
    type(listRow(LIST.tokenParams, 1).name, 'api_key');
    click(listRow(LIST.tokenParams, 1).secure);
    type(listRow(LIST.tokenParams, 1).value, 'pk');

    expect(last().secureJsonData?.['tokenParam.api_key']).toBe('pk');
    expect(last().jsonData.tokenParams).toEqual([{ name: 'api_key', secure: true }]);
  });
});
