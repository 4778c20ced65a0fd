#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need (npm packages,
# Debian's chromium for the browser check and redis-server for the high-availability tests; Go
# modules download on first use), then the frontend checks (typecheck, lint, jest, build, browser
# check), the Go checks (vet, vet per release platform, 32-bit tests, race-enabled tests, short fuzz
# runs) and the backend build with mage.
set -euo pipefail
cd "$(dirname "$0")/.."

GO_PKGS=(./pkg/... ./mockapi/...)   # not ./...: node_modules ships Go files
# An execution count, not a duration: a duration puts a deadline on the fuzzing workers, and a
# worker that is late at that deadline fails the run with "context deadline exceeded" (seen once
# here under load), which says nothing about the code.
FUZZ_TIME=${FUZZ_TIME:-3000x}

step() { printf '\n=== %s\n' "$*"; }

# apt-get as root (CI) or through sudo, only for what is missing.
need_debian() {
  local missing=()
  for pkg in "$@"; do command -v "${pkg%%:*}" >/dev/null || missing+=("${pkg#*:}"); done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

step "Debian packages (chromium, redis-server)"
need_debian chromium:chromium redis-server:redis-server

step "npm install"
npm install --no-audit --no-fund --loglevel=error
step "frontend: typecheck, lint, jest, build, browser check"
npm run typecheck
npm run lint
npm run test:ci
npm run build
npm run test:browser

step "go vet"
go vet "${GO_PKGS[@]}"
# Every platform the release zip ships (the SDK's buildAll, scripts/package.sh), type-checked as its
# build compiles them (CGO_ENABLED=0): a platform break, such as a constant that overflows a 32-bit
# int, fails here in seconds instead of in the ~6-minute buildAll at release time.
step "go vet for each release platform"
for target in linux/amd64 linux/arm64 linux/arm darwin/amd64 darwin/arm64 windows/amd64; do
  echo "vet $target"
  CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go vet ./pkg/...
done
step "32-bit tests (GOARCH=386: the streaming offsets and the reply length limits where int is 32 bits)"
# -short: the randomized equivalence tests draw fewer cases; the full count runs in the race step.
GOARCH=386 go test -short -count=1 ./pkg/frames ./pkg/upstream
step "go test -race"
go test -race -count=1 -timeout 20m "${GO_PKGS[@]}"   # a cold machine builds the plugin binary inside TestPluginBinary

step "fuzz targets, ${FUZZ_TIME} executions each"
go list -f '{{.Dir}}' ./pkg/... | while read -r dir; do
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "fuzz $target in ${dir#"$PWD"/}"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZ_TIME" "$dir"
  done
done

step "backend build (mage build:linux)"
go tool mage -v build:linux
ls -l dist/gpx_oauth2rest_linux_amd64
