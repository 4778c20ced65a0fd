// Imported first by harness.tsx: the minimum of Grafana's boot data that @grafana/runtime reads at load time.
const w = window as unknown as { grafanaBootData?: unknown };
w.grafanaBootData = w.grafanaBootData ?? {
  settings: { appUrl: 'http://grafana.example.com/', buildInfo: { version: '12.4.10' }, featureToggles: {} },
  user: {},
  navTree: [],
};
export {};
