import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';
import { InlineSwitch, TextArea, useStyles2 } from '@grafana/ui';

import { CONFIG_DEFAULTS, HttpMethod } from '../../types';
import { Settings, setJsonValue } from '../configHelpers';
import { CONFIG, SECTION } from '../selectors';
import { Row, getStyles, useSettings } from './fields';

/** allowedMethods is saved as a list either way; turning POST off drops the POST-only path patterns. */
function allowPost(options: Settings, on: boolean): Settings {
  const methods: HttpMethod[] = on ? ['GET', 'POST'] : ['GET'];
  const next = setJsonValue(options, 'allowedMethods', methods);
  return on ? next : setJsonValue(next, 'postPathPatterns', undefined);
}

/** One pattern a line; blank lines are dropped, an empty list means any path. */
export function parsePatterns(text: string): string[] | undefined {
  const patterns = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return patterns.length > 0 ? patterns : undefined;
}

/** Which methods queries and the proxy route may use: reads by default, POST only where an admin allows it. */
export function PolicySection() {
  const { options, jsonData, onOptionsChange, setJson } = useSettings();
  const styles = useStyles2(getStyles);
  const methods = jsonData.allowedMethods ?? CONFIG_DEFAULTS.allowedMethods;
  const post = methods.includes('POST');
  // Kept as typed (with its line breaks) while editing; saved as a list.
  const [draft, setDraft] = React.useState(() => (jsonData.postPathPatterns ?? []).join('\n'));
  return (
    <ConfigSection
      title={SECTION.policy}
      description="Every Viewer who can query this data source sends its requests with the data source's credentials: keep it to reads unless the API needs POST for searches."
    >
      <Row
        label={CONFIG.allowPost}
        tip="Let queries (and the proxy route, Editors and Admins only) send POST, e.g. for search or GraphQL-style reads. Off: GET only."
        example="on for a POST /search endpoint"
        htmlFor="config-allowPost"
      >
        <InlineSwitch
          id="config-allowPost"
          value={post}
          onChange={(e) => onOptionsChange(allowPost(options, e.currentTarget.checked))}
        />
      </Row>
      {post && (
        <Row
          label={CONFIG.postPathPatterns}
          tip="One path pattern a line (see docs/configuration.md): POST is allowed only on matching paths. Empty: any path."
          example="/search"
          htmlFor="config-postPathPatterns"
        >
          <TextArea
            id="config-postPathPatterns"
            className={styles.textArea}
            rows={3}
            value={draft}
            placeholder={'any path\n(e.g. /search, /graphql)'}
            onChange={(e) => {
              setDraft(e.currentTarget.value);
              setJson('postPathPatterns', parsePatterns(e.currentTarget.value));
            }}
          />
        </Row>
      )}
    </ConfigSection>
  );
}
