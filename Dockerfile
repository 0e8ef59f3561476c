# One image with both binaries; docker-compose.yml picks the command.
#
# No `# syntax=` line: nothing here needs more than the frontend built into Docker, and such a line
# makes BuildKit fetch its frontend image from a registry, even when the base images are local.
#
# Stages: cargo-chef plans the dependency graph, the builder compiles the dependencies alone
# (a layer that stays cached until Cargo.toml/Cargo.lock change), then the workspace. Both builds
# name the same two packages, so the dependencies get the same features and the second build reuses
# every one of them; the bench crate's dependencies (redis, rand, ...) are never built. The runtime
# is distroless (glibc, no shell, no package manager) running as the non-root user 65532.

ARG RUST_VERSION=1

FROM rust:${RUST_VERSION}-bookworm AS chef
RUN cargo install cargo-chef --locked --version ^0.1
WORKDIR /src

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json -p query-service -p ingest-service
COPY . .
RUN cargo build --release --locked -p query-service -p ingest-service \
    && mkdir -p /out/spool /out/data \
    && cp target/release/query-service target/release/ingest-service /out/

FROM gcr.io/distroless/cc-debian12:nonroot AS runtime
COPY --from=builder /out/query-service /out/ingest-service /usr/local/bin/
# Named volumes mounted here start with this ownership, so the non-root user can write them.
COPY --from=builder --chown=65532:65532 /out/spool /var/lib/newsline/spool
COPY --from=builder --chown=65532:65532 /out/data /var/lib/newsline/data
USER 65532:65532
WORKDIR /var/lib/newsline
EXPOSE 50051 50052
CMD ["query-service", "serve"]
