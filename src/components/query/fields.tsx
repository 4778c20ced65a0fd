import React from 'react';
import { InlineField, Input } from '@grafana/ui';

import { RestQuery } from '../../types';

export const LABEL_WIDTH = 16;

/** What each section of the query editor needs. */
export interface SectionProps {
  query: RestQuery;
  /** Applies a patch to the query (the editor adds what it must: the variable editor keeps format 'variable'). */
  change: (patch: Partial<RestQuery>) => void;
  onRunQuery: () => void;
}

interface SettingProps<T> {
  label: string;
  id: string;
  value?: T;
  placeholder: string;
  tooltip: string;
  onChange: (value: T | undefined) => void;
  onBlur: () => void;
  /** The first field of a row gets the row's label width. */
  first?: boolean;
  width?: number;
}

/** A short text setting; empty (or blank) means "use the default". */
export function TextSetting({ value, onChange, width = 18, ...props }: SettingProps<string>) {
  return (
    <Setting
      {...props}
      width={width}
      value={value ?? ''}
      onInput={(raw) => onChange(raw.trim() === '' ? undefined : raw)}
    />
  );
}

/** A whole number setting; empty means "use the default". */
export function NumberSetting({ value, onChange, ...props }: SettingProps<number>) {
  return (
    <Setting
      {...props}
      type="number"
      width={10}
      value={value ?? ''}
      onInput={(raw) => {
        const n = parseInt(raw, 10);
        onChange(Number.isNaN(n) ? undefined : n);
      }}
    />
  );
}

function Setting({
  label,
  id,
  value,
  placeholder,
  tooltip,
  onBlur,
  first,
  width,
  type,
  onInput,
}: Omit<SettingProps<unknown>, 'value' | 'onChange'> & {
  value: string | number;
  type?: 'number';
  onInput: (raw: string) => void;
}) {
  return (
    <InlineField label={label} labelWidth={first ? LABEL_WIDTH : undefined} htmlFor={id} tooltip={tooltip}>
      <Input
        id={id}
        type={type}
        min={type === 'number' ? 0 : undefined}
        value={value}
        placeholder={placeholder}
        width={width}
        onChange={(e) => onInput(e.currentTarget.value)}
        onBlur={onBlur}
      />
    </InlineField>
  );
}
