#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the npm packages, then the frontend
# checks (typecheck, lint, jest, build), the Go checks (vet, race-enabled tests, short fuzz runs) and
# the backend build with mage. Go modules download on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

GO_PKGS=(./pkg/... ./mockapi/...)   # not ./...: node_modules ships Go files
FUZZ_TIME=${FUZZ_TIME:-5s}

step() { printf '\n=== %s\n' "$*"; }

step "npm install"
npm install --no-audit --no-fund --loglevel=error
step "frontend: typecheck, lint, jest, build"
npm run typecheck
npm run lint
npm run test:ci
npm run build

step "Debian packages for the tests (redis-server for the high-availability tests)"
if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null; fi
fi

step "go vet"
go vet "${GO_PKGS[@]}"
step "go test -race"
go test -race -count=1 "${GO_PKGS[@]}"

step "fuzz targets, ${FUZZ_TIME} each"
go list -f '{{.Dir}}' ./pkg/... | while read -r dir; do
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz $target in ${dir#"$PWD"/}"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZ_TIME" "$dir"
  done
done

step "backend build (mage build:linux)"
go tool mage -v build:linux
ls -l dist/gpx_oauth2rest_linux_amd64
