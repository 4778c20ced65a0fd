import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConnectionSettings } from '@grafana/plugin-ui';
import { useStyles2 } from '@grafana/ui';

import { CONFIG } from '../selectors';
import { LABEL_WIDTH, TextField, Tip, useSettings } from './fields';

// ConnectionSettings caps its width and uses its own label width: align it with the other sections.
const getStyles = (theme: GrafanaTheme2) => ({
  connection: css({ maxWidth: 'none', 'label[for="connection-url"]': { width: theme.spacing(LABEL_WIDTH) } }),
});

/** The API that queries are sent to: the top-level url (plugin-ui's ConnectionSettings) and the health check. */
export function ConnectionSection() {
  const { options, onOptionsChange } = useSettings();
  const styles = useStyles2(getStyles);
  return (
    <div>
      <ConnectionSettings
        className={styles.connection}
        config={options}
        onChange={onOptionsChange}
        description="The API that queries are sent to."
        urlLabel={CONFIG.url}
        urlPlaceholder="https://api.example.com/v1"
        urlTooltip={
          <Tip
            text="Every query path is resolved under this URL; the token is never sent anywhere else."
            example="https://api.example.com/v1"
          />
        }
      />
      <TextField
        k="healthCheckPath"
        tip="Path (relative to the API base URL) that Save & test calls with the token; empty = only the token is checked."
        example="/me"
        placeholder="optional"
      />
    </div>
  );
}
