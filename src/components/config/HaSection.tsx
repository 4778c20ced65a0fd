import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { SECTION } from '../selectors';
import { NumberField, RadioField, SecretField, SwitchField, TextField, useInitiallyOpen, useSettings } from './fields';

const SHARED_STORE_OPTIONS: Array<{ label: string; value: string }> = [
  { label: 'None', value: 'none' },
  { label: 'Redis', value: 'redis' },
];

/** The shared token store for several Grafana replicas (docs/ha.md). */
export function HaSection() {
  const { jsonData } = useSettings();
  const open = useInitiallyOpen(['sharedStore']);
  return (
    <ConfigSection
      title={SECTION.ha}
      description="With several Grafana replicas, share tokens through Redis so the token endpoint sees one client."
      isCollapsible
      isInitiallyOpen={open}
    >
      <RadioField<string>
        k="sharedStore"
        tip="None: each Grafana replica caches its own tokens. Redis: replicas share tokens and refresh them once."
        example="Redis with three Grafana replicas and a rate-limited token endpoint"
        options={SHARED_STORE_OPTIONS}
        value={jsonData.sharedStore || 'none'}
      />
      {jsonData.sharedStore === 'redis' && (
        <>
          <TextField k="redisAddress" tip="Redis host:port." example="redis:6379" placeholder="redis:6379" required />
          <TextField
            k="redisUsername"
            tip="Redis 6 ACL user; empty for the default user."
            example="grafana"
            placeholder="optional"
          />
          <SecretField
            k="redisPassword"
            tip="Redis password. Stored encrypted."
            example="from your Redis deployment"
            placeholder="optional"
          />
          <NumberField k="redisDb" tip="Redis database number." example="2" placeholder="0" />
          <SwitchField
            k="redisTls"
            tip="Connect to Redis with TLS (server name from the address)."
            example="on for a managed Redis"
          />
          <TextField
            k="redisKeyPrefix"
            tip="Prefix of every key the plugin writes."
            example="grafana-prod:oauth2rest:"
            placeholder="oauth2rest:"
          />
        </>
      )}
    </ConfigSection>
  );
}
