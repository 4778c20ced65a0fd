import React from 'react';
import { css } from '@emotion/css';
import { InlineField, InlineFieldRow, TextArea } from '@grafana/ui';

import { QUERY } from '../selectors';
import { LABEL_WIDTH, SectionProps, TextSetting } from './fields';

const MONOSPACE = css({ fontFamily: 'monospace' });

/** Where the rows are: an optional jq program, then the root selector. */
export function RowsFields({ query, change, onRunQuery, children }: SectionProps & { children?: React.ReactNode }) {
  return (
    <>
      <InlineField
        label={QUERY.jq}
        labelWidth={LABEL_WIDTH}
        htmlFor="query-jq"
        grow
        tooltip="Optional jq program (gojq) that reshapes the reply before the root selector and columns. Objects jq builds have sorted keys; declare columns to set their order. Example: .data | map({id, name: .attributes.name})"
      >
        <TextArea
          id="query-jq"
          value={query.jq ?? ''}
          rows={1}
          placeholder=".data | map({id, name})"
          className={MONOSPACE}
          onChange={(e) => change({ jq: e.currentTarget.value || undefined })}
          onBlur={onRunQuery}
        />
      </InlineField>
      <InlineFieldRow>
        <TextSetting
          first
          label={QUERY.rootSelector}
          id="query-rootSelector"
          value={query.rootSelector}
          placeholder="$.items"
          width={32}
          tooltip="Where the rows are in the reply: RFC 9535 JSONPath or dotted path; empty = the whole reply. Example: $.items or data.items"
          onChange={(rootSelector) => change({ rootSelector: rootSelector ?? '' })}
          onBlur={onRunQuery}
        />
        {children}
      </InlineFieldRow>
    </>
  );
}

/** The text and value selectors of a variable query. */
export function VariableFields({ query, change, onRunQuery }: SectionProps) {
  return (
    <InlineFieldRow>
      <TextSetting
        first
        label={QUERY.variableTextSelector}
        id="query-variableTextSelector"
        value={query.variableTextSelector}
        placeholder="(first string column)"
        width={28}
        tooltip="Path in each row of the text shown for an option; default: the first string column. Example: name"
        onChange={(variableTextSelector) => change({ variableTextSelector })}
        onBlur={onRunQuery}
      />
      <TextSetting
        label={QUERY.variableValueSelector}
        id="query-variableValueSelector"
        value={query.variableValueSelector}
        placeholder="(first string/number column)"
        width={28}
        tooltip="Path in each row of the option's value; default: the first string or number column. Example: id"
        onChange={(variableValueSelector) => change({ variableValueSelector })}
        onBlur={onRunQuery}
      />
    </InlineFieldRow>
  );
}
