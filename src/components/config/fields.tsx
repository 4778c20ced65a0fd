import React, { createContext, useContext, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import {
  InlineField,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  SecretInput,
  SecretTextArea,
  useStyles2,
} from '@grafana/ui';

import { RestDataSourceOptions, RestSecureJsonData } from '../../types';
import { Settings, isSecureConfigured, resetSecureValue, setJsonValue, setSecureValue } from '../configHelpers';
import { CONFIG } from '../selectors';

export const LABEL_WIDTH = 28;
export const INPUT_WIDTH = 48;
export const SHORT_WIDTH = 16;

/** The example and placeholder of a PEM field (secret text areas of the TLS section and the JWT signing key). */
export const CERTIFICATE = {
  example: '-----BEGIN CERTIFICATE-----…',
  placeholder: 'Begins with -----BEGIN CERTIFICATE-----',
};
export const PRIVATE_KEY = {
  example: '-----BEGIN PRIVATE KEY-----…',
  placeholder: 'Begins with -----BEGIN PRIVATE KEY-----',
};

/** The settings being edited and the way to change them, for every section of the ConfigEditor. */
export interface SettingsContextValue {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

const SettingsContext = createContext<SettingsContextValue | undefined>(undefined);
export const SettingsProvider = SettingsContext.Provider;

export function useSettings() {
  const value = useContext(SettingsContext);
  if (!value) {
    throw new Error('a ConfigEditor section is rendered outside the ConfigEditor');
  }
  const { options, onOptionsChange } = value;
  const setJson = <K extends keyof RestDataSourceOptions>(key: K, v: RestDataSourceOptions[K] | undefined) =>
    onOptionsChange(setJsonValue(options, key, v));
  return { options, jsonData: options.jsonData, onOptionsChange, setJson };
}

function isSet(value: unknown): boolean {
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return value !== undefined && value !== '' && value !== false;
}

/** A collapsible section starts open when it holds one of its settings (decided once, when the page opens). */
export function useInitiallyOpen(keys: Array<keyof RestDataSourceOptions>): boolean {
  const { jsonData } = useSettings();
  const [open] = useState(() => keys.some((k) => isSet(jsonData[k])));
  return open;
}

type KeysOf<T> = {
  [K in keyof RestDataSourceOptions]-?: NonNullable<RestDataSourceOptions[K]> extends T ? K : never;
}[keyof RestDataSourceOptions];
export type StringKey = KeysOf<string>;
export type BoolKey = KeysOf<boolean>;
export type NumberKey = KeysOf<number>;
export type SecretKey = Exclude<keyof RestSecureJsonData, number> & string;

/** A field bound to key k is labelled CONFIG[k] (the label the tests find it by) and has a tooltip with an example. */
type FieldTip<K> = Omit<FieldText, 'label'> & { k: K & keyof typeof CONFIG };

/** What every field shows: its label and a tooltip saying what it does, with an example. */
export interface FieldText {
  label: string;
  tip: string;
  example?: string;
}

/** Tooltip text: what the field does, then an example. */
export function Tip({ text, example }: { text: string; example?: string }) {
  return (
    <>
      {text}
      {example !== undefined && (
        <>
          <br />
          Example: <code>{example}</code>
        </>
      )}
    </>
  );
}

/** A labelled row with a tooltip; `htmlFor` links the label to the control for screen readers and tests. */
export function Row({
  label,
  tip,
  example,
  htmlFor,
  error,
  required,
  children,
}: FieldText & { htmlFor?: string; error?: string; required?: boolean; children: React.ReactElement }) {
  return (
    <InlineField
      label={label}
      labelWidth={LABEL_WIDTH}
      tooltip={<Tip text={tip} example={example} />}
      interactive
      htmlFor={htmlFor}
      invalid={!!error}
      error={error}
      required={required}
    >
      {children}
    </InlineField>
  );
}

/** A text input bound to one string jsonData key; clearing it removes the key (the placeholder shows the default). */
export function TextField({
  k,
  placeholder,
  width = INPUT_WIDTH,
  required,
  error,
  ...tip
}: FieldTip<StringKey> & { placeholder?: string; width?: number; required?: boolean; error?: string }) {
  const { jsonData, setJson } = useSettings();
  const id = `config-${k}`;
  return (
    <Row label={CONFIG[k]} {...tip} htmlFor={id} error={error} required={required}>
      <Input
        id={id}
        value={(jsonData[k] as string | undefined) ?? ''}
        placeholder={placeholder}
        width={width}
        required={required}
        onChange={(e) => setJson(k, e.currentTarget.value)}
      />
    </Row>
  );
}

/** A number input bound to one jsonData key; an empty or malformed value removes the key. */
export function NumberField({
  k,
  placeholder,
  min = 0,
  ...tip
}: FieldTip<NumberKey> & { placeholder?: string; min?: number }) {
  const { jsonData, setJson } = useSettings();
  const id = `config-${k}`;
  return (
    <Row label={CONFIG[k]} {...tip} htmlFor={id}>
      <Input
        id={id}
        type="number"
        min={min}
        value={jsonData[k] ?? ''}
        placeholder={placeholder}
        width={SHORT_WIDTH}
        onChange={(e) => {
          const raw = e.currentTarget.value.trim();
          const n = Number(raw);
          setJson(k, raw === '' || !Number.isInteger(n) ? undefined : n);
        }}
      />
    </Row>
  );
}

/** A switch bound to one boolean jsonData key; both states are saved as values. */
export function SwitchField({
  k,
  defaultValue = false,
  onToggle,
  ...tip
}: FieldTip<BoolKey> & { defaultValue?: boolean; onToggle?: (options: Settings, on: boolean) => Settings }) {
  const { options, jsonData, onOptionsChange } = useSettings();
  const id = `config-${k}`;
  const toggle = onToggle ?? ((o: Settings, on: boolean) => setJsonValue(o, k, on));
  return (
    <Row label={CONFIG[k]} {...tip} htmlFor={id}>
      <InlineSwitch
        id={id}
        value={jsonData[k] ?? defaultValue}
        onChange={(e) => onOptionsChange(toggle(options, e.currentTarget.checked))}
      />
    </Row>
  );
}

/** A choice bound to one jsonData key; the chosen value is saved even when it is the default. */
export function RadioField<T extends string>({
  k,
  options,
  value,
  onSelect,
  ...tip
}: FieldTip<StringKey> & {
  options: Array<{ label: string; value: T; description?: string }>;
  value: T;
  onSelect?: (options: Settings, value: T) => Settings;
}) {
  const { options: settings, onOptionsChange } = useSettings();
  const select = onSelect ?? ((o: Settings, v: T) => setJsonValue(o, k, v as RestDataSourceOptions[typeof k]));
  return (
    <Row label={CONFIG[k]} {...tip}>
      <RadioButtonGroup<T>
        aria-label={CONFIG[k]}
        options={options}
        value={value}
        onChange={(v) => onOptionsChange(select(settings, v))}
      />
    </Row>
  );
}

/** The width of the text areas: multi-line secrets and the POST path patterns (PolicySection). */
export const getStyles = (theme: GrafanaTheme2) => ({ textArea: css({ width: theme.spacing(INPUT_WIDTH) }) });

/**
 * A secret: only ever written to secureJsonData. A stored value shows as "configured"; its Reset button
 * clears both the value and the configured flag.
 */
export function SecretField({
  k,
  placeholder,
  multiline = false,
  ...tip
}: FieldTip<SecretKey> & { placeholder: string; multiline?: boolean }) {
  const { options, onOptionsChange } = useSettings();
  const styles = useStyles2(getStyles);
  const id = `config-${k}`;
  const common = {
    id,
    isConfigured: isSecureConfigured(options.secureJsonFields, k),
    value: options.secureJsonData?.[k] ?? '',
    placeholder,
    onReset: () => onOptionsChange(resetSecureValue(options, k)),
    onChange: (e: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onOptionsChange(setSecureValue(options, k, e.currentTarget.value)),
  };
  return (
    <Row label={CONFIG[k]} {...tip} htmlFor={id}>
      {multiline ? (
        <SecretTextArea {...common} className={styles.textArea} rows={4} />
      ) : (
        <SecretInput {...common} width={INPUT_WIDTH} />
      )}
    </Row>
  );
}
