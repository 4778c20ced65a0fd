import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { SECTION } from '../selectors';
import { useInitiallyOpen } from './fields';
import { SecureList } from './SecureList';

/** Extra headers on every API request; secure values are stored encrypted. */
export function HeadersSection() {
  const open = useInitiallyOpen(['headers']);
  return (
    <ConfigSection
      title={SECTION.headers}
      description="Extra headers sent on every API request. Values of secure headers are stored encrypted."
      isCollapsible
      isInitiallyOpen={open}
    >
      <SecureList
        list="headers"
        namePlaceholder="X-Api-Key"
        valuePlaceholder="value"
        nameTip={{ text: 'Name of a header sent on every API request.', example: 'Accept' }}
        valueTip={{
          text: 'Its value. Turn on Secure for API keys: the value is then stored encrypted.',
          example: 'application/json',
        }}
      />
    </ConfigSection>
  );
}
