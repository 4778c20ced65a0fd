#!/usr/bin/env node
/*
 * Real-browser check of the ConfigEditor and QueryEditor, without a Grafana server:
 *   1. bundles browser/harness.tsx with esbuild into a temporary directory,
 *   2. serves it on 127.0.0.1 (plus @grafana/ui's icons under /public/build/img/icons/),
 *   3. drives Debian's Chromium with playwright-core: fills every ConfigEditor field, saves, and checks that
 *      secrets are only under secureJsonData; edits a query and checks the resulting query object,
 *   4. writes screenshots of both editors in the light and dark theme to src/img/screenshots/.
 * Prints "N passed, M failed" last and exits non-zero on any failure.
 * Environment: CHROMIUM (default /usr/bin/chromium), SCREENSHOTS=0 to skip writing screenshots.
 */
import { deepStrictEqual, ok, strictEqual } from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const iconsDir = path.join(root, 'node_modules/@grafana/ui/dist/public/img/icons');
const screenshotDir = path.join(root, 'src/img/screenshots');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const takeScreenshots = process.env.SCREENSHOTS !== '0';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The labels the components render (src/components/selectors.ts), bundled for node by esbuild. */
async function loadSelectors() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2rest-selectors-'));
  const outfile = path.join(dir, 'selectors.mjs');
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/components/selectors.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'warning',
  });
  const selectors = await import(pathToFileURL(outfile).href);
  fs.rmSync(dir, { recursive: true, force: true });
  return selectors;
}
const { CONFIG, LIST, QUERY, SECTION, addButton, columnRow, listRow } = await loadSelectors();

let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok    ${name}`);
  } catch (err) {
    failed++;
    console.log(
      `FAIL  ${name}\n      ${String(err?.stack ?? err)
        .split('\n')
        .join('\n      ')}`
    );
  }
}

// ---------------------------------------------------------------------------------------------
// bundle + serve

async function bundle() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'oauth2rest-browser-'));
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['browser/harness.tsx'],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outdir,
    jsx: 'automatic',
    minify: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
  });
  fs.writeFileSync(
    path.join(outdir, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>OAuth2 REST API editors</title>
${fs.existsSync(path.join(outdir, 'harness.css')) ? '<link rel="stylesheet" href="/harness.css">' : ''}
</head>
<body><div id="root"></div><script type="module" src="/harness.js"></script></body>
</html>
`
  );
  return outdir;
}

/**
 * Grafana's GlobalStyles load Inter and Roboto Mono from public/fonts/. They are not on npm: use the
 * Debian copies when installed (fonts-inter), and otherwise let the page fall back to system fonts.
 */
const FONT_FILES = {
  'inter/Inter-Regular.woff2': '/usr/share/fonts/opentype/inter/Inter-Regular.otf',
  'inter/Inter-Medium.woff2': '/usr/share/fonts/opentype/inter/Inter-Medium.otf',
  'inter/Inter-Italic.woff2': '/usr/share/fonts/opentype/inter/Inter-Italic.otf',
  'inter/Inter-MediumItalic.woff2': '/usr/share/fonts/opentype/inter/Inter-MediumItalic.otf',
};
const isOptional = (pathname) => pathname.startsWith('/public/fonts/') || pathname === '/favicon.ico';

const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.otf': 'font/otf',
};

function serve(dir, notFound) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file;
    if (url.pathname === '/') {
      file = path.join(dir, 'index.html');
    } else if (url.pathname.startsWith('/public/build/img/icons/')) {
      file = path.join(iconsDir, url.pathname.slice('/public/build/img/icons/'.length));
    } else if (url.pathname.startsWith('/public/fonts/')) {
      file = FONT_FILES[url.pathname.slice('/public/fonts/'.length)] ?? '';
    } else {
      file = path.join(dir, url.pathname);
    }
    const inside = [dir, iconsDir, '/usr/share/fonts/'].some((base) => path.resolve(file).startsWith(base));
    if (!file || !inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      if (!isOptional(url.pathname)) {
        notFound.push(url.pathname);
      }
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// page helpers

async function openPage(browser, baseUrl, query, problems) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    const where = msg.location()?.url ?? '';
    if (msg.type() === 'error' && !isOptional(where ? new URL(where, baseUrl).pathname : '')) {
      problems.push(`console error: ${msg.text()} ${where}`);
    }
  });
  await page.goto(`${baseUrl}/?${query}`);
  await page.waitForFunction(() => window.__ready === true);
  await page.locator('#frame').waitFor();
  return page;
}

const escapeRe = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Required fields carry a trailing " *" in their label.
const label = (page, name) => page.getByLabel(new RegExp(`^${escapeRe(name)}( \\*)?$`));
const fill = (page, name, value) => label(page, name).fill(value);
const radio = (page, name) => page.getByRole('radio', { name, exact: true }).check();
// A switch's <input> sits under its styled <label>: check it the way a click on the label does.
const toggle = (page, name) => label(page, name).check({ force: true });
const button = (page, name) => page.getByRole('button', { name, exact: true }).click();
const expand = (page, title) => button(page, `Expand section ${title}`);

/** Adds column n to the query's column list; name and timeFormat are left empty when absent. */
async function addColumn(page, n, { selector, name, type, timeFormat }) {
  const fields = columnRow(n);
  await button(page, QUERY.addColumn);
  await fill(page, fields.selector, selector);
  if (name !== undefined) {
    await fill(page, fields.name, name);
  }
  await page.getByRole('radiogroup', { name: fields.type }).getByRole('radio', { name: type, exact: true }).check();
  if (timeFormat !== undefined) {
    await fill(page, fields.timeFormat, timeFormat);
  }
}

/** Adds rows to a key/value list editor: { name, value }, or { name, secret } marked secure first. */
async function addRows(page, list, rows) {
  for (const [i, row] of rows.entries()) {
    const fields = listRow(list, i + 1);
    await button(page, addButton(list));
    await fill(page, fields.name, row.name);
    if (row.secret !== undefined) {
      await toggle(page, fields.secure);
    }
    await fill(page, fields.value, row.secret ?? row.value);
  }
}

/** Every input and textarea on the page has an accessible label. */
async function unlabelledControls(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, textarea'))
      .filter((el) => {
        const id = el.id && CSS.escape(el.id);
        return !(
          el.getAttribute('aria-label') ||
          (id && document.querySelector(`label[for="${id}"]`)) ||
          el.closest('label')
        );
      })
      .map((el) => el.outerHTML)
  );
}

async function noHorizontalOverflow(page) {
  const overflow = await page.evaluate(() => {
    const frame = document.getElementById('frame');
    return { scroll: frame.scrollWidth, client: frame.clientWidth };
  });
  ok(overflow.scroll <= overflow.client, `content overflows the frame: ${JSON.stringify(overflow)}`);
}

async function waitForIcons(page) {
  // Icons are fetched as SVG files; wait until every <svg> placeholder has loaded its paths.
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(200);
}

// ---------------------------------------------------------------------------------------------
// scenarios

const SECRETS = {
  clientId: 'cid-7f3a9b',
  clientSecret: 'csecret-Zq81',
  refreshToken: 'rt-initial-31',
  'authParam.login_hint': 'ap-secret-user@example.com',
  redisPassword: 'redis-pw-62',
  'tokenParam.api_key': 'tp-secret-44',
  'header.X-Api-Key': 'hdr-secret-95',
  tlsCACert: '-----BEGIN CERTIFICATE-----\nCA-PEM-BODY\n-----END CERTIFICATE-----',
  tlsClientCert: '-----BEGIN CERTIFICATE-----\nCLIENT-PEM-BODY\n-----END CERTIFICATE-----',
  tlsClientKey: '-----BEGIN PRIVATE KEY-----\nKEY-PEM-BODY\n-----END PRIVATE KEY-----',
  dpopPrivateKey: '-----BEGIN EC PRIVATE KEY-----\nDPOP-PEM-BODY\n-----END EC PRIVATE KEY-----',
};

async function fillEveryConfigField(page) {
  // Connection
  await fill(page, CONFIG.urlInput, 'https://api.example.com/v2');
  await fill(page, CONFIG.healthCheckPath, '/status');
  // Authentication
  await radio(page, 'Authorization code');
  await fill(page, CONFIG.authUrl, 'https://auth.example.com/oauth2/authorize');
  ok(await page.getByText('Not connected.').isVisible(), 'the Connect section shows the state');
  await fill(page, CONFIG.redirectUrl, 'https://grafana.example.com/api/datasources/uid/x/resources/oauth/callback');
  await fill(page, CONFIG.issuer, 'https://auth.example.com');
  await label(page, CONFIG.usePkce).uncheck({ force: true }); // on by default
  await fill(page, CONFIG.refreshToken, SECRETS.refreshToken);
  await addRows(page, LIST.authParams, [
    { name: 'prompt', value: 'consent' },
    { name: 'login_hint', secret: SECRETS['authParam.login_hint'] },
  ]);
  await fill(page, CONFIG.tokenUrl, 'https://api.example.com/auth/token');
  await fill(page, CONFIG.clientId, SECRETS.clientId);
  await fill(page, CONFIG.clientSecret, SECRETS.clientSecret);
  await fill(page, CONFIG.scopes, 'read:items write:items');
  await fill(page, CONFIG.audience, 'https://api.example.com');
  await fill(page, CONFIG.resource, 'https://api.example.com/');
  await fill(page, CONFIG.issuerUrl, 'https://auth.example.com');
  // Token request
  await expand(page, SECTION.tokenRequest);
  await radio(page, 'JSON');
  await toggle(page, CONFIG.omitGrantType);
  await fill(page, CONFIG.clientIdParam, 'clientId');
  await fill(page, CONFIG.clientSecretParam, 'clientSecret');
  await addRows(page, LIST.tokenParams, [
    { name: 'tenant', value: 'acme' },
    { name: 'api_key', secret: SECRETS['tokenParam.api_key'] },
  ]);
  await addRows(page, LIST.tokenHeaders, [{ name: 'X-Tenant', value: 'acme' }]);
  // Client authentication last: HTTP Basic hides the parameter names
  await radio(page, 'HTTP Basic');
  ok((await label(page, CONFIG.clientIdParam).count()) === 0, 'Client ID parameter is hidden with HTTP Basic');
  // Token reply
  await expand(page, SECTION.tokenReply);
  await fill(page, CONFIG.tokenPath, 'data.token');
  await radio(page, 'Header');
  await fill(page, CONFIG.tokenResponseHeader, 'X-Subject-Token');
  await fill(page, CONFIG.expiresInPath, 'data.expiresIn');
  await fill(page, CONFIG.expiresAtPath, 'data.expiresAt');
  await fill(page, CONFIG.issuedAtPath, 'data.issuedAt');
  await fill(page, CONFIG.refreshTokenPath, 'data.refreshToken');
  await fill(page, CONFIG.successPath, 'status.code');
  await fill(page, CONFIG.successValue, '0');
  await fill(page, CONFIG.defaultTokenLifetime, '30m');
  // Token placement
  await fill(page, CONFIG.tokenHeaderName, 'X-Token');
  await fill(page, CONFIG.tokenHeaderTemplate, '{{token}}');
  await toggle(page, CONFIG.sendClientIdHeader);
  await fill(page, CONFIG.clientIdHeaderName, 'X-Client-ID');
  // User identity and DPoP
  await expand(page, SECTION.identity);
  await toggle(page, CONFIG.oauthPassThru);
  await toggle(page, CONFIG.tokenExchange);
  await fill(page, CONFIG.tokenExchangeAudience, 'https://api.example.com');
  await toggle(page, CONFIG.dpop);
  await fill(page, CONFIG.dpopPrivateKey, SECRETS.dpopPrivateKey);
  // Headers
  await expand(page, SECTION.headers);
  await addRows(page, LIST.headers, [
    { name: 'Accept', value: 'application/json' },
    { name: 'X-Api-Key', secret: SECRETS['header.X-Api-Key'] },
  ]);
  // Request policy and limits
  await toggle(page, CONFIG.allowPost);
  await fill(page, CONFIG.postPathPatterns, '/search\n/graphql');
  await expand(page, SECTION.limits);
  await fill(page, CONFIG.jqTimeout, '20s');
  await fill(page, CONFIG.queryMemoryMiB, '128');
  await fill(page, CONFIG.maxRows, '50000');
  await fill(page, CONFIG.maxCells, '500000');
  await fill(page, CONFIG.maxColumns, '100');
  await fill(page, CONFIG.maxColumnNameLength, '64');
  // High availability
  await expand(page, SECTION.ha);
  await radio(page, 'Redis');
  await fill(page, CONFIG.redisAddress, 'redis:6379');
  await fill(page, CONFIG.redisUsername, 'grafana');
  await fill(page, CONFIG.redisPassword, SECRETS.redisPassword);
  await fill(page, CONFIG.redisDb, '2');
  await toggle(page, CONFIG.redisTls);
  await fill(page, CONFIG.redisKeyPrefix, 'prod:oauth2rest:');
  // TLS and timeouts
  await expand(page, SECTION.tls);
  await toggle(page, CONFIG.tlsSkipVerify);
  await toggle(page, CONFIG.tlsAuthWithCACert);
  await fill(page, CONFIG.tlsCACert, SECRETS.tlsCACert);
  await toggle(page, CONFIG.tlsAuth);
  await fill(page, CONFIG.tlsClientCert, SECRETS.tlsClientCert);
  await fill(page, CONFIG.tlsClientKey, SECRETS.tlsClientKey);
  await fill(page, CONFIG.serverName, 'api.internal.example.com');
  await fill(page, CONFIG.timeout, '1m');
  await fill(page, CONFIG.tokenTimeout, '10s');
  await fill(page, CONFIG.maxResponseBytes, '33554432');
}

const EXPECTED_JSON_DATA = {
  healthCheckPath: '/status',
  grantType: 'authorization_code',
  authUrl: 'https://auth.example.com/oauth2/authorize',
  redirectUrl: 'https://grafana.example.com/api/datasources/uid/x/resources/oauth/callback',
  issuer: 'https://auth.example.com',
  usePkce: false,
  authParams: [
    { name: 'prompt', value: 'consent' },
    { name: 'login_hint', secure: true },
  ],
  tokenUrl: 'https://api.example.com/auth/token',
  scopes: 'read:items write:items',
  audience: 'https://api.example.com',
  resource: 'https://api.example.com/',
  issuerUrl: 'https://auth.example.com',
  tokenRequestEncoding: 'json',
  omitGrantType: true,
  clientIdParam: 'clientId',
  clientSecretParam: 'clientSecret',
  tokenParams: [
    { name: 'tenant', value: 'acme' },
    { name: 'api_key', secure: true },
  ],
  tokenHeaders: [{ name: 'X-Tenant', value: 'acme' }],
  clientAuth: 'basic',
  tokenPath: 'data.token',
  tokenLocation: 'header',
  tokenResponseHeader: 'X-Subject-Token',
  expiresInPath: 'data.expiresIn',
  expiresAtPath: 'data.expiresAt',
  issuedAtPath: 'data.issuedAt',
  refreshTokenPath: 'data.refreshToken',
  successPath: 'status.code',
  successValue: '0',
  defaultTokenLifetime: '30m',
  tokenHeaderName: 'X-Token',
  tokenHeaderTemplate: '{{token}}',
  sendClientIdHeader: true,
  clientIdHeaderName: 'X-Client-ID',
  oauthPassThru: true,
  tokenExchange: true,
  tokenExchangeAudience: 'https://api.example.com',
  dpop: true,
  headers: [
    { name: 'Accept', value: 'application/json' },
    { name: 'X-Api-Key', secure: true },
  ],
  allowedMethods: ['GET', 'POST'],
  postPathPatterns: ['/search', '/graphql'],
  jqTimeout: '20s',
  queryMemoryMiB: 128,
  maxRows: 50000,
  maxCells: 500000,
  maxColumns: 100,
  maxColumnNameLength: 64,
  sharedStore: 'redis',
  redisAddress: 'redis:6379',
  redisUsername: 'grafana',
  redisDb: 2,
  redisTls: true,
  redisKeyPrefix: 'prod:oauth2rest:',
  tlsSkipVerify: true,
  tlsAuthWithCACert: true,
  tlsAuth: true,
  serverName: 'api.internal.example.com',
  timeout: '1m',
  tokenTimeout: '10s',
  maxResponseBytes: 33554432,
};

async function configScenario(browser, baseUrl, problems) {
  const page = await openPage(browser, baseUrl, 'editor=config&theme=light&fixture=empty', problems);
  await check('config: every field can be filled through its label', () => fillEveryConfigField(page));
  await check('config: every input and text area is labelled', async () => {
    deepStrictEqual(await unlabelledControls(page), []);
  });
  await check('config: nothing overflows the page width', () => noHorizontalOverflow(page));

  await button(page, 'Save & test');
  const saved = await page.evaluate(() => window.__saved);
  await check('config: save exposes the options object', () => ok(saved && saved.jsonData, 'window.__saved is set'));
  if (!saved) {
    await page.close();
    return;
  }
  await check('config: url is stored at the top level', () => strictEqual(saved.url, 'https://api.example.com/v2'));
  await check('config: jsonData holds exactly the non-secret settings', () =>
    deepStrictEqual(saved.jsonData, EXPECTED_JSON_DATA)
  );
  await check('config: secureJsonData holds every secret', () => deepStrictEqual(saved.secureJsonData, SECRETS));
  await check('config: no secret appears outside secureJsonData', () => {
    const { secureJsonData, ...rest } = saved;
    const text = JSON.stringify(rest);
    for (const [key, value] of Object.entries(SECRETS)) {
      for (const fragment of value.split('\n')) {
        ok(!text.includes(fragment), `secret ${key} (${fragment}) leaked outside secureJsonData`);
      }
    }
    // the secrets of fixed keys (not the list entries: header.<name>, tokenParam.<name>, authParam.<name>)
    for (const key of Object.keys(SECRETS).filter((k) => !k.includes('.'))) {
      ok(!(key in saved.jsonData), `jsonData has ${key}`);
    }
  });
  await check('config: token placement preview shows the headers', async () => {
    const preview = await page.getByTestId('token-header-preview').textContent();
    strictEqual(preview, 'X-Token: <token> and X-Client-ID: <client id>');
  });
  await page.close();
}

async function presetScenario(browser, baseUrl, problems) {
  const page = await openPage(browser, baseUrl, 'editor=config&theme=dark&fixture=empty', problems);
  await check('presets: empty settings match Standard OAuth2', async () => {
    ok(await page.getByRole('radio', { name: 'Standard OAuth2', exact: true }).isChecked());
  });
  await fill(page, CONFIG.clientSecret, 'keep-me');
  await radio(page, 'Custom {token} API');
  await check('presets: Custom {token} API fills token path and headers, keeps the secret', async () => {
    const options = await page.evaluate(() => window.__options);
    deepStrictEqual(options.jsonData, {
      tokenPath: 'token',
      tokenHeaderName: 'X-Token',
      tokenHeaderTemplate: '{{token}}',
      sendClientIdHeader: true,
      clientIdHeaderName: 'X-Client-ID',
    });
    deepStrictEqual(options.secureJsonData, { clientSecret: 'keep-me' });
    strictEqual(await label(page, CONFIG.tokenHeaderName).inputValue(), 'X-Token');
  });
  await radio(page, 'Azure AD (v1)');
  await check('presets: Azure AD (v1) fills token URL, resource and expires_on', async () => {
    const options = await page.evaluate(() => window.__options);
    deepStrictEqual(options.jsonData, {
      tokenUrl: 'https://login.microsoftonline.com/<tenant>/oauth2/token',
      resource: 'https://management.azure.com/',
      expiresAtPath: 'expires_on',
    });
    deepStrictEqual(options.secureJsonData, { clientSecret: 'keep-me' });
    ok(await page.getByText('Replace the <placeholder> in the URL with your own value').isVisible());
  });
  await radio(page, 'Salesforce');
  await check('presets: Salesforce sets issued_at and a 2h lifetime', async () => {
    const options = await page.evaluate(() => window.__options);
    strictEqual(options.jsonData.issuedAtPath, 'issued_at');
    strictEqual(options.jsonData.defaultTokenLifetime, '2h');
    strictEqual(options.jsonData.expiresAtPath, undefined);
  });
  await radio(page, 'Standard OAuth2');
  await check('presets: Standard OAuth2 goes back to the defaults', async () => {
    const options = await page.evaluate(() => window.__options);
    deepStrictEqual(Object.keys(options.jsonData).sort(), ['resource', 'tokenUrl']);
    strictEqual(await page.getByTestId('token-header-preview').textContent(), 'Authorization: Bearer <token>');
  });
  await page.close();
}

async function clientAuthScenario(browser, baseUrl, problems) {
  const page = await openPage(browser, baseUrl, 'editor=config&theme=light&fixture=empty', problems);
  const key = '-----BEGIN PRIVATE KEY-----\nJWT-KEY-BODY\n-----END PRIVATE KEY-----';
  const serviceAccount = '{"type": "service_account", "private_key": "SA-KEY-BODY"}';
  await check('client auth: private_key_jwt shows only its fields, the key only in secureJsonData', async () => {
    await radio(page, 'Private key JWT');
    strictEqual(await label(page, CONFIG.clientSecret).count(), 0, 'no client secret field');
    await fill(page, CONFIG.privateKey, key);
    await radio(page, 'ES256');
    await fill(page, CONFIG.jwtKeyId, 'kid-7');
    const options = await page.evaluate(() => window.__options);
    deepStrictEqual(options.jsonData, { clientAuth: 'private_key_jwt', jwtAlg: 'ES256', jwtKeyId: 'kid-7' });
    deepStrictEqual(options.secureJsonData, { privateKey: key });
  });
  await check('client auth: the Google service account preset takes the JSON key whole', async () => {
    await radio(page, 'Google service account');
    await fill(page, CONFIG.serviceAccountKey, serviceAccount);
    const options = await page.evaluate(() => window.__options);
    strictEqual(options.jsonData.grantType, 'jwt_bearer');
    strictEqual(options.jsonData.tokenUrl, 'https://oauth2.googleapis.com/token');
    deepStrictEqual(options.secureJsonData, { privateKey: key, serviceAccountKey: serviceAccount });
    ok(!JSON.stringify(options.jsonData).includes('SA-KEY-BODY'), 'the key stays out of jsonData');
  });
  await page.close();
}

const EXPECTED_QUERY = {
  refId: 'A',
  method: 'POST',
  path: '/items/$id',
  params: [{ name: 'limit', value: '100' }],
  headers: [{ name: 'Accept', value: 'application/json' }],
  body: '{"from": "${__from}"}',
  rootSelector: '$.data.items',
  format: 'timeseries',
  columns: [
    { selector: 'createdAt', name: 'Time', type: 'time', timeFormat: 'rfc3339' },
    { selector: 'price', type: 'number' },
  ],
};

async function queryScenario(browser, baseUrl, problems) {
  const page = await openPage(browser, baseUrl, 'editor=query&theme=light&fixture=empty', problems);
  await check('query: every field can be edited through its label', async () => {
    await fill(page, QUERY.path, '/items/$id');
    await radio(page, 'POST');
    await fill(page, QUERY.body, '{"from": "${__from}"}');
    await addRows(page, LIST.queryParams, [{ name: 'limit', value: '100' }]);
    await addRows(page, LIST.queryHeaders, [{ name: 'Accept', value: 'application/json' }]);
    await fill(page, QUERY.rootSelector, '$.data.items');
    await radio(page, 'Time series');
    await addColumn(page, 1, { selector: 'createdAt', name: 'Time', type: 'Time', timeFormat: 'rfc3339' });
    await addColumn(page, 2, { selector: 'price', type: 'Number' });
    await button(page, QUERY.runQuery);
  });
  await check('query: edits produce the expected query', async () => {
    deepStrictEqual(await page.evaluate(() => window.__query), EXPECTED_QUERY);
  });
  await check('query: run query is called', async () => {
    ok((await page.evaluate(() => window.__runs)) > 0, 'onRunQuery was called');
  });
  await check('query: every input and text area is labelled', async () => {
    deepStrictEqual(await unlabelledControls(page), []);
  });
  await check('query: nothing overflows the page width', () => noHorizontalOverflow(page));
  await page.close();
}

async function screenshots(browser, baseUrl, problems) {
  if (takeScreenshots) {
    fs.mkdirSync(screenshotDir, { recursive: true });
  }
  for (const editor of ['config', 'query']) {
    for (const theme of ['light', 'dark']) {
      const file = path.join(screenshotDir, `${editor}-editor-${theme}.png`);
      await check(`screenshot: ${path.relative(root, file)}`, async () => {
        const page = await openPage(browser, baseUrl, `editor=${editor}&theme=${theme}&fixture=demo`, problems);
        await waitForIcons(page);
        await noHorizontalOverflow(page);
        const png = await page.locator('#frame').screenshot({ animations: 'disabled' });
        ok(png.length > 10000, 'screenshot is not empty');
        if (takeScreenshots) {
          fs.writeFileSync(file, png);
        }
        await page.close();
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const dir = await bundle();
  const notFound = [];
  const server = await serve(dir, notFound);
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  const problems = [];
  try {
    await configScenario(browser, baseUrl, problems);
    await presetScenario(browser, baseUrl, problems);
    await clientAuthScenario(browser, baseUrl, problems);
    await queryScenario(browser, baseUrl, problems);
    await screenshots(browser, baseUrl, problems);
    await check('no page errors, console errors or missing files', () =>
      deepStrictEqual([...new Set([...problems, ...notFound.map((p) => `404 ${p}`)])], [])
    );
  } finally {
    await browser.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main()
  .catch((err) => {
    failed++;
    console.log(`FAIL  ${err?.stack ?? err}`);
  })
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
