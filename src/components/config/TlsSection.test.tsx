import { fireEvent, screen } from '@testing-library/react';

import { CONFIG, SECTION } from '../selectors';
import { click, expand, field, makeOptions, queryField, renderStateful, type } from '../testing';

describe('ConfigEditor', () => {
  describe('TLS', () => {
    it('keeps rarely used sections closed until they hold a setting', () => {
      renderStateful(makeOptions());
      expect(queryField(CONFIG.tlsSkipVerify)).not.toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Expand section TLS and timeouts' })).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Expand section Headers' })).toBeInTheDocument();
    });

    it('opens the TLS section when a TLS setting is stored', () => {
      renderStateful(makeOptions({ jsonData: { tlsSkipVerify: true } }));
      expect(field(CONFIG.tlsSkipVerify)).toBeChecked();
    });

    it('writes certificates and keys only to secureJsonData', () => {
      const { last } = renderStateful(makeOptions());
      expand(SECTION.tls);

      click(CONFIG.tlsSkipVerify);
      click(CONFIG.tlsAuthWithCACert);
      type(CONFIG.tlsCACert, 'CA-PEM');
      click(CONFIG.tlsAuth);
      type(CONFIG.tlsClientCert, 'CERT-PEM');
      type(CONFIG.tlsClientKey, 'KEY-PEM');
      type(CONFIG.serverName, 'api.internal');

      const next = last();
      expect(next.jsonData).toEqual({
        tlsSkipVerify: true,
        tlsAuthWithCACert: true,
        tlsAuth: true,
        serverName: 'api.internal',
      });
      expect(next.secureJsonData).toEqual({ tlsCACert: 'CA-PEM', tlsClientCert: 'CERT-PEM', tlsClientKey: 'KEY-PEM' });
      expect(JSON.stringify(next.jsonData)).not.toMatch(/PEM/);
    });

    it('shows stored certificates as configured and resets them', () => {
      const { last } = renderStateful(
        makeOptions({
          jsonData: { tlsAuth: true },
          secureJsonFields: { tlsClientCert: true, tlsClientKey: true },
        })
      );
      expect(field(CONFIG.tlsClientKey)).toHaveValue('configured');
      const resets = screen.getAllByRole('button', { name: 'Reset' });
      expect(resets).toHaveLength(2);
      fireEvent.click(resets[1]);
      expect(last().secureJsonFields).toEqual({ tlsClientCert: true, tlsClientKey: false });
      expect(last().secureJsonData).toEqual({ tlsClientKey: '' });
    });
  });
});
