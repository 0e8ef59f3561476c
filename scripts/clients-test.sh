#!/usr/bin/env bash
# Runs the Python, Node and Go client tests and the docs test, each against real services that the
# test starts from the built binaries. Dependencies come from scripts/install-client-deps.sh.
#
#   NEWSLINE_BIN_DIR=dir   use binaries from dir instead of building target/debug
#   CLIENT_SUITES="python node go docs"   run only some suites
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if [ -z "${NEWSLINE_BIN_DIR:-}" ]; then
  echo "clients-test: cargo build -p query-service -p ingest-service"
  cargo build --quiet -p query-service -p ingest-service || { echo "clients-test: the services do not build"; exit 1; }
  export NEWSLINE_BIN_DIR="$repo_root/target/debug"
fi

go_env=(env GO111MODULE=off "GOPATH=$repo_root/clients/go:/usr/share/gocode" GOFLAGS=)

run_python() {
  python3 clients/python/generate.py --check &&
    (cd clients/python && NEWSLINE_REQUIRE_ALL_CLIENTS=1 python3 -m pytest -q -p no:cacheprovider tests)
}

# The Python suite also runs the Node and Go examples (same output in every client), so Node's
# dependencies are installed before any suite.
if [ ! -d clients/node/node_modules ]; then
  (cd clients/node && npm ci --no-audit --no-fund --loglevel=error) || { echo "clients-test: npm ci failed"; exit 1; }
fi

run_node() {
  (cd clients/node && node --test --test-concurrency=1 test/*.test.js)
}

run_go() {
  clients/go/generate.sh --check &&
    (cd clients/go && "${go_env[@]}" go vet newsline/... && "${go_env[@]}" go test -count=1 -v newsline/...)
}

run_docs() {
  python3 scripts/docs-test.py
}

passed=()
failed=()
for suite in ${CLIENT_SUITES:-python node go docs}; do
  echo
  echo "=== clients-test: $suite"
  if "run_$suite"; then
    passed+=("$suite")
  else
    failed+=("$suite")
  fi
done

echo
echo "clients-test: passed: ${passed[*]:-none}; failed: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
