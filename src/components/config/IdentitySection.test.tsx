import { fireEvent, screen } from '@testing-library/react';

import { CONFIG, SECTION } from '../selectors';
import { click, expand, field, makeOptions, queryField, renderStateful, type } from '../testing';
import { parsePatterns } from './PolicySection';

describe('ConfigEditor: user identity and DPoP (issue 17)', () => {
  it('starts closed, then forwards the user token with a note about alert rules', () => {
    const { last } = renderStateful(makeOptions());
    expect(queryField(CONFIG.oauthPassThru)).not.toBeInTheDocument();
    expand(SECTION.identity);
    expect(queryField(CONFIG.tokenExchange)).not.toBeInTheDocument();
    click(CONFIG.oauthPassThru);
    expect(last().jsonData.oauthPassThru).toBe(true);
    expect(screen.getByText(/Alert rules and other background queries have no signed-in user/)).toBeInTheDocument();
    // the grant's token URL is optional: the user's token needs none
    expect(field(CONFIG.tokenUrl)).not.toBeRequired();
  });

  it('exchanges the user token for an audience; turning it off drops the audience', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { oauthPassThru: true } }));
    // DPoP cannot bind the user's own bearer token
    expect(queryField(CONFIG.dpop)).not.toBeInTheDocument();
    click(CONFIG.tokenExchange);
    type(CONFIG.tokenExchangeAudience, 'https://api.example.com');
    expect(last().jsonData).toEqual({
      oauthPassThru: true,
      tokenExchange: true,
      tokenExchangeAudience: 'https://api.example.com',
    });
    expect(field(CONFIG.dpop)).toBeInTheDocument();
    click(CONFIG.tokenExchange);
    expect(last().jsonData).toEqual({ oauthPassThru: true, tokenExchange: false });
    click(CONFIG.oauthPassThru);
    expect(last().jsonData).toEqual({ oauthPassThru: false, tokenExchange: false });
  });

  it('DPoP with an optional key stored only in secureJsonData', () => {
    const { last } = renderStateful(makeOptions({ jsonData: { dpop: false } }));
    expand(SECTION.identity); // dpop: false is no reason to open the section
    expect(queryField(CONFIG.dpopPrivateKey)).not.toBeInTheDocument();
    click(CONFIG.dpop);
    expect(last().jsonData.dpop).toBe(true);
    type(CONFIG.dpopPrivateKey, 'EC-PEM');
    expect(last().secureJsonData).toEqual({ dpopPrivateKey: 'EC-PEM' });
    expect(JSON.stringify(last().jsonData)).not.toContain('EC-PEM');
    click(CONFIG.dpop); // off: the typed key goes too
    expect(last().secureJsonData).toEqual({});
  });

  it('resets a stored DPoP key', () => {
    const { last } = renderStateful(
      makeOptions({ jsonData: { dpop: true }, secureJsonFields: { dpopPrivateKey: true } })
    );
    expect(field(CONFIG.dpopPrivateKey)).toHaveValue('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.dpopPrivateKey).toBe(false);
    expect(last().secureJsonData?.dpopPrivateKey).toBe('');
  });
});

describe('ConfigEditor: request policy and limits (issue 14)', () => {
  it('allows POST on some paths only when the switch is on', () => {
    const { last } = renderStateful(makeOptions());
    expect(field(CONFIG.allowPost)).not.toBeChecked();
    expect(queryField(CONFIG.postPathPatterns)).not.toBeInTheDocument();
    click(CONFIG.allowPost);
    expect(last().jsonData.allowedMethods).toEqual(['GET', 'POST']);
    type(CONFIG.postPathPatterns, '/search\n\n /graphql \n');
    expect(last().jsonData.postPathPatterns).toEqual(['/search', '/graphql']);
    click(CONFIG.allowPost);
    expect(last().jsonData).toEqual({ allowedMethods: ['GET'] });
  });

  it('parses one pattern a line; none means any path', () => {
    expect(parsePatterns(' \n')).toBeUndefined();
    expect(parsePatterns('/a\n/b/*')).toEqual(['/a', '/b/*']);
  });

  it('stores the budgets in the collapsed Limits section', () => {
    const { last } = renderStateful(makeOptions());
    expect(queryField(CONFIG.jqTimeout)).not.toBeInTheDocument();
    expand(SECTION.limits);
    type(CONFIG.jqTimeout, '30s');
    type(CONFIG.queryMemoryMiB, '512');
    type(CONFIG.maxRows, '1000');
    type(CONFIG.maxCells, '5000');
    type(CONFIG.maxColumns, '50');
    type(CONFIG.maxColumnNameLength, '64');
    expect(last().jsonData).toEqual({
      jqTimeout: '30s',
      queryMemoryMiB: 512,
      maxRows: 1000,
      maxCells: 5000,
      maxColumns: 50,
      maxColumnNameLength: 64,
    });
    type(CONFIG.maxRows, '');
    expect(last().jsonData).not.toHaveProperty('maxRows');
  });

  it('opens the Limits section when a budget is stored', () => {
    renderStateful(makeOptions({ jsonData: { maxRows: 10 } }));
    expect(field(CONFIG.maxRows)).toHaveValue(10);
  });
});
