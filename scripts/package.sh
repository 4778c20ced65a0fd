#!/usr/bin/env bash
# Builds the frontend and the backend for every platform, then writes
# oauth2rest-api-datasource-<version>.zip (version from package.json) with the layout Grafana and the
# plugin validator expect: one top folder oauth2rest-api-datasource/ holding the contents of dist/.
#
#   scripts/package.sh              # full build (buildAll takes ~6 minutes on 2 cores)
#   SKIP_BUILD=1 scripts/package.sh # only zip the current dist/
#
# Check the result offline with Grafana's validator (see /work/shared/ENVIRONMENT.md):
#   plugin-validator <plugin-validator git dir> oauth2rest-api-datasource-<version>.zip
set -euo pipefail
cd "$(dirname "$0")/.."

ID=oauth2rest-api-datasource
VERSION=$(node -p 'require("./package.json").version')
ZIP="$PWD/${ID}-${VERSION}.zip"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "=== frontend (npm run build)"
  npm run build
  echo "=== backend, all platforms (mage buildAll)"
  go tool mage -v buildAll
fi

# Sanity checks on dist/ before zipping.
for f in plugin.json module.js; do
  [[ -f "dist/$f" ]] || { echo "dist/$f is missing: run without SKIP_BUILD" >&2; exit 1; }
done
if grep -q '%VERSION%\|%TODAY%' dist/plugin.json; then
  echo "dist/plugin.json still has %VERSION%/%TODAY% placeholders" >&2
  exit 1
fi
EXECUTABLE=$(node -p 'require("./dist/plugin.json").executable')
shopt -s nullglob
binaries=(dist/"${EXECUTABLE}"_*)
shopt -u nullglob
if (( ${#binaries[@]} == 0 )); then
  echo "no backend binaries dist/${EXECUTABLE}_* found" >&2
  exit 1
fi
if [[ -f dist/module.js ]] && grep -q 'sourceMappingURL=module.js.map' dist/module.js && [[ ! -f dist/module.js.map ]]; then
  echo "dist/module.js points at module.js.map, which is missing" >&2
  exit 1
fi

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir "$STAGE/$ID"
cp -R dist/. "$STAGE/$ID/"
# Grafana runs the backend binary directly: it must be executable.
chmod 0755 "$STAGE/$ID/${EXECUTABLE}"_*
find "$STAGE/$ID" -type d -exec chmod 0755 {} +
find "$STAGE/$ID" -type f ! -name "${EXECUTABLE}_*" -exec chmod 0644 {} +

rm -f "$ZIP"
(cd "$STAGE" && zip -q -r -X "$ZIP" "$ID")

echo "=== $(basename "$ZIP") ($(du -h "$ZIP" | cut -f1))"
unzip -Z -l "$ZIP" | awk 'NR > 2 && $NF ~ /\// { print $1, $4, $NF }' | sed 's/^/  /' | head -60
