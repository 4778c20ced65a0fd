import React from 'react';
import { ConfigSection } from '@grafana/plugin-ui';

import { CONFIG_DEFAULTS } from '../../types';
import { CONFIG, SECTION } from '../selectors';
import { NumberField, NumberKey, SHORT_WIDTH, TextField, useInitiallyOpen } from './fields';

/** The output budgets of one query: key (labelled CONFIG[key]), tooltip, default (docs/configuration.md). */
const BUDGETS: Array<{ k: NumberKey & keyof typeof CONFIG; tip: string; example: string; placeholder: string }> = [
  {
    k: 'queryMemoryMiB',
    tip: 'Memory cap of one query’s jq run, in MiB (64 to 16384); a query over it gets an error naming the limit.',
    example: '512',
    placeholder: String(CONFIG_DEFAULTS.queryMemoryMiB),
  },
  {
    k: 'maxRows',
    tip: 'Most rows one query returns (up to 10 000 000).',
    example: '100000',
    placeholder: '1000000',
  },
  {
    k: 'maxCells',
    tip: 'Most cells (rows × columns) one query returns (up to 100 000 000).',
    example: '1000000',
    placeholder: '5000000',
  },
  {
    k: 'maxColumns',
    tip: 'Most columns one frame has (up to 100 000).',
    example: '200',
    placeholder: '1000',
  },
  {
    k: 'maxColumnNameLength',
    tip: 'Longest column name, in bytes (16 to 65 536); nested objects make long names.',
    example: '128',
    placeholder: '256',
  },
];

/** Per-query budgets: every Viewer's query runs within them, whatever it asks for. */
export function LimitsSection() {
  const open = useInitiallyOpen(['jqTimeout', ...BUDGETS.map((b) => b.k)]);
  return (
    <ConfigSection
      title={SECTION.limits}
      description="Budgets of one query (time, memory, output size). A query over a budget gets an error naming it; the defaults suit most APIs."
      isCollapsible
      isInitiallyOpen={open}
    >
      <TextField
        k="jqTimeout"
        tip="Time one jq program may run (Go duration, 100ms to 5m); it is stopped when over."
        example="30s"
        placeholder={CONFIG_DEFAULTS.jqTimeout}
        width={SHORT_WIDTH}
      />
      {BUDGETS.map(({ k, ...field }) => (
        <NumberField key={k} k={k} min={1} {...field} />
      ))}
    </ConfigSection>
  );
}
