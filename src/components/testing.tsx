/*
 * Helpers of the editors' jest tests (not part of the plugin bundle: only tests import this file).
 * Controls are found by the labels in ./selectors, like the components render them.
 */
import React, { useState } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';

import { ConfigEditor } from './ConfigEditor';
import { Settings } from './configHelpers';

export function makeOptions(overrides: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'abc',
    orgId: 1,
    name: 'OAuth2 REST API',
    type: 'oauth2rest-api-datasource',
    typeName: 'OAuth2 REST API',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    secureJsonData: {},
    ...overrides,
  } as Settings;
}

/** Renders the ConfigEditor with real state so that several edits build on each other. */
export function renderStateful(initial: Settings) {
  const onOptionsChange = jest.fn();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  const last = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, last };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The label as rendered: required fields carry a trailing " *". */
export const labelled = (label: string) => new RegExp(`^${escape(label)}( \\*)?$`);

/** The control of a label (required or not). */
export const field = (label: string) => screen.getByLabelText(labelled(label));
export const queryField = (label: string) => screen.queryByLabelText(labelled(label));

/** Types into a field. */
export const type = (label: string, value: string) => fireEvent.change(field(label), { target: { value } });

/** Clicks a control: a switch, a radio button or a checkbox. */
export const click = (label: string) => fireEvent.click(field(label));

/** Clicks the radio button of a name (an option of a radio group, found by its role rather than a label). */
export const radio = (name: string) => fireEvent.click(screen.getByRole('radio', { name }));

/** Opens a collapsible section (rarely used sections start closed when they hold no setting). */
export function expand(title: string) {
  fireEvent.click(screen.getByLabelText(`Expand section ${title}`));
}

export function expectNoSecretsInJsonData(options: Settings) {
  expect(options.jsonData).not.toHaveProperty('clientSecret');
  expect(options.jsonData).not.toHaveProperty('clientId');
}
