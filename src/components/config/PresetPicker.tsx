import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { RadioButtonGroup, Stack, Text, useStyles2 } from '@grafana/ui';

import { PRESETS, PresetId, applyPreset, matchPreset } from '../presets';
import { CONFIG } from '../selectors';
import { Row, useSettings } from './fields';

const PRESET_OPTIONS = PRESETS.map((p) => ({ label: p.label, value: p.id }));

const getStyles = (theme: GrafanaTheme2) => ({
  preset: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(2),
    background: theme.colors.background.secondary,
  }),
  // nine presets: let them wrap instead of widening the page
  options: css({ flexWrap: 'wrap', maxWidth: theme.spacing(68) }),
});

/** Known kinds of servers: one click fills their token reply, placement and endpoint fields. */
export function PresetPicker() {
  const { options, onOptionsChange } = useSettings();
  const styles = useStyles2(getStyles);
  const presetId = matchPreset(options.jsonData);
  const preset = PRESETS.find((p) => p.id === presetId);
  return (
    <div className={styles.preset}>
      <Stack direction="column" gap={1}>
        <Row
          label={CONFIG.preset}
          tip="Fills the fields a known kind of server needs (token reply, token placement, client authentication, and a token or issuer URL template where the provider has one). Secrets, the API URL and headers are not changed."
          example="Custom {token} API"
        >
          <RadioButtonGroup<PresetId>
            aria-label={CONFIG.preset}
            className={styles.options}
            options={PRESET_OPTIONS}
            value={presetId}
            onChange={(id) => onOptionsChange(applyPreset(options, id))}
          />
        </Row>
        <Text variant="bodySmall" color="secondary">
          {preset
            ? preset.description
            : 'The current token reply and placement settings match no preset: pick one to start over from it.'}
        </Text>
      </Stack>
    </div>
  );
}
