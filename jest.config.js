// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const baseConfig = require('./.config/jest.config');

// The scaffolded transform only handles .js/.jsx/.ts/.tsx. Some dependencies of @grafana/ui
// (for example d3-color 3.x) ship only .mjs files, so transform those with the same swc transformer.
const [swcTransformer] = Object.values(baseConfig.transform);

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...baseConfig,
  transform: {
    ...baseConfig.transform,
    '^.+\\.mjs$': swcTransformer,
  },
};
