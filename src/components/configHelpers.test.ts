import { DataSourceSettings } from '@grafana/data';

import { RestDataSourceOptions, RestSecureJsonData } from '../types';
import { renameListEntry, setJsonValue, setListEntrySecure } from './configHelpers';

type Settings = DataSourceSettings<RestDataSourceOptions, RestSecureJsonData>;

const settings = (jsonData: RestDataSourceOptions, secureJsonData = {}, secureJsonFields = {}): Settings =>
  ({ jsonData, secureJsonData, secureJsonFields }) as unknown as Settings;

describe('configHelpers', () => {
  it('moves a typed secret when a secure entry is renamed', () => {
    const next = renameListEntry(
      settings({ headers: [{ name: 'X-Key', secure: true }] }, { 'header.X-Key': 'v' }),
      'headers',
      0,
      'X-Api-Key'
    );
    expect(next.jsonData.headers).toEqual([{ name: 'X-Api-Key', secure: true }]);
    expect(next.secureJsonData).toEqual({ 'header.X-Api-Key': 'v' });
  });

  it('resets a stored secret when a secure entry is renamed', () => {
    const next = renameListEntry(
      settings({ tokenHeaders: [{ name: 'X-Key', secure: true }] }, {}, { 'tokenHeader.X-Key': true }),
      'tokenHeaders',
      0,
      'X-Other'
    );
    expect(next.jsonData.tokenHeaders).toEqual([{ name: 'X-Other', secure: true }]);
    expect(next.secureJsonFields['tokenHeader.X-Key']).toBe(false);
    expect(next.secureJsonData?.['tokenHeader.X-Key']).toBe('');
    expect(next.secureJsonData).not.toHaveProperty('tokenHeader.X-Other');
  });

  it('turns a secure entry back into a plain one', () => {
    const next = setListEntrySecure(
      settings({ headers: [{ name: 'A', secure: true }] }, { 'header.A': 'typed' }),
      'headers',
      0,
      false
    );
    expect(next.jsonData.headers).toEqual([{ name: 'A', value: 'typed' }]);
    expect(next.secureJsonData).toEqual({});
  });

  it('removes empty jsonData values so backend defaults apply', () => {
    const next = setJsonValue(settings({ tokenPath: 'x' }), 'tokenPath', '');
    expect(next.jsonData).not.toHaveProperty('tokenPath');
  });
});
