import React from 'react';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';

import { PAGINATION_DEFAULTS, Pagination, PaginationMode } from '../../types';
import { QUERY } from '../selectors';
import { LABEL_WIDTH, NumberSetting, SectionProps, TextSetting } from './fields';

const PAGINATION_OPTIONS: Array<{ label: string; value: PaginationMode; description: string }> = [
  { label: 'None', value: 'none', description: 'One request.' },
  { label: 'Offset', value: 'offset', description: 'offset=0,100,200… with limit=100.' },
  { label: 'Page', value: 'page', description: 'page=1,2,3…' },
  { label: 'Cursor', value: 'cursor', description: 'A cursor from each reply is sent with the next request.' },
  { label: 'Next link', value: 'nextLink', description: 'A next URL from the reply body or the Link header.' },
];

type TextKey = 'offsetParam' | 'limitParam' | 'pageParam' | 'cursorPath' | 'cursorParam' | 'nextLinkPath';
type NumberKey = 'pageSize' | 'startPage' | 'maxPages';

/** One field of a mode: which Pagination key, its label, placeholder and tooltip. */
type FieldSpec = { label: string; placeholder: string; tooltip: string } & (
  { key: TextKey; kind: 'text' } | { key: NumberKey; kind: 'number' }
);

const d = PAGINATION_DEFAULTS;

/** The fields each mode shows, in order (docs/queries.md). */
const MODE_FIELDS: Record<PaginationMode, FieldSpec[]> = {
  none: [],
  offset: [
    {
      key: 'offsetParam',
      kind: 'text',
      label: QUERY.offsetParam,
      placeholder: d.offsetParam,
      tooltip: 'Parameter carrying the offset (0, pageSize, 2×pageSize…).',
    },
    {
      key: 'limitParam',
      kind: 'text',
      label: QUERY.limitParam,
      placeholder: d.limitParam,
      tooltip: 'Parameter carrying the page size.',
    },
    {
      key: 'pageSize',
      kind: 'number',
      label: QUERY.pageSize,
      placeholder: String(d.pageSize),
      tooltip: 'Rows per page; a shorter page is the last one.',
    },
  ],
  page: [
    {
      key: 'pageParam',
      kind: 'text',
      label: QUERY.pageParam,
      placeholder: d.pageParam,
      tooltip: 'Parameter carrying the page number.',
    },
    {
      key: 'startPage',
      kind: 'number',
      label: QUERY.startPage,
      placeholder: String(d.startPage),
      tooltip: 'Number of the first page (1, or 0 for zero-based APIs).',
    },
    {
      key: 'limitParam',
      kind: 'text',
      label: QUERY.pageSizeParam,
      placeholder: '(not sent)',
      tooltip:
        'Optional parameter carrying the page size, e.g. per_page. Without it, the run stops at the first empty page.',
    },
    {
      key: 'pageSize',
      kind: 'number',
      label: QUERY.pageSize,
      placeholder: String(d.pageSize),
      tooltip: 'Rows per page (with a page size parameter); a shorter page is the last one.',
    },
  ],
  cursor: [
    {
      key: 'cursorPath',
      kind: 'text',
      label: QUERY.cursorPath,
      placeholder: 'meta.next_cursor',
      tooltip: 'Where the next cursor is in each reply (dotted or JSONPath, before jq). No cursor ends the run.',
    },
    {
      key: 'cursorParam',
      kind: 'text',
      label: QUERY.cursorParam,
      placeholder: d.cursorParam,
      tooltip: 'Parameter that sends the cursor with the next request.',
    },
  ],
  nextLink: [
    {
      key: 'nextLinkPath',
      kind: 'text',
      label: QUERY.nextLinkPath,
      placeholder: 'Link header',
      tooltip: 'Where the next URL is in each reply, e.g. links.next; empty = the Link header (rel="next").',
    },
  ],
};

const MAX_PAGES: FieldSpec = {
  key: 'maxPages',
  kind: 'number',
  label: QUERY.maxPages,
  placeholder: String(d.maxPages),
  tooltip: 'Page cap; the frame carries a notice when it cut the results. Default 10, at most 1000.',
};

/** Pagination: mode, page cap, and the mode's parameters (from MODE_FIELDS). */
export function PaginationFields({ query, change, onRunQuery }: SectionProps) {
  const p: Pagination = query.pagination ?? { mode: 'none' };
  const field = (spec: FieldSpec, first = false) => {
    const common = {
      first,
      id: `query-pagination-${spec.key}`,
      label: spec.label,
      placeholder: spec.placeholder,
      tooltip: spec.tooltip,
      onBlur: onRunQuery,
    };
    const set = (value: string | number | undefined) => change({ pagination: { ...p, [spec.key]: value } });
    return spec.kind === 'text' ? (
      <TextSetting key={spec.key} {...common} value={p[spec.key]} onChange={set} />
    ) : (
      <NumberSetting key={spec.key} {...common} value={p[spec.key]} onChange={set} />
    );
  };
  const fields = MODE_FIELDS[p.mode] ?? [];
  return (
    <Stack direction="column" gap={0.5}>
      <InlineFieldRow>
        <InlineField
          label={QUERY.pagination}
          labelWidth={LABEL_WIDTH}
          tooltip="Fetch more pages and concatenate their rows (see docs/queries.md). Next links must stay under the data source URL."
        >
          <RadioButtonGroup<PaginationMode>
            aria-label={QUERY.pagination}
            size="sm"
            options={PAGINATION_OPTIONS}
            value={p.mode}
            onChange={(mode) => {
              change({ pagination: mode === 'none' ? undefined : { ...p, mode } });
              onRunQuery();
            }}
          />
        </InlineField>
        {p.mode !== 'none' && field(MAX_PAGES)}
      </InlineFieldRow>
      {fields.length > 0 && <InlineFieldRow>{fields.map((spec, i) => field(spec, i === 0))}</InlineFieldRow>}
    </Stack>
  );
}
