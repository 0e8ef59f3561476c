# Stand-in for the official `rust:1-bookworm` image, which cannot be pulled on machines that reach
# no image registry. Like the official image it is Debian bookworm with a C toolchain (for crates
# that build C, such as ring) and a rustup-managed Rust under /usr/local; the toolchain is the
# host's own, copied in by build.sh. The official image also carries many -dev libraries that this
# workspace does not use.
#
# Unlike the official image it works offline, because builds on such machines cannot reach
# crates.io either: build.sh fills CARGO_HOME on the host with `cargo fetch` (every crate in the
# workspace's Cargo.lock) and `cargo install cargo-chef`, so the project Dockerfile's
# `cargo install cargo-chef` finds it installed and its builds resolve from the local registry.
FROM newsline-standin/debian:bookworm

ARG TOOLCHAIN
ARG RUSTUP_SETTINGS_VERSION=12
ENV RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo \
    PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

COPY toolchains/ /usr/local/rustup/toolchains/
COPY rustup /usr/local/cargo/bin/rustup
RUN set -eu; \
    test -n "$TOOLCHAIN"; \
    printf 'version = "%s"\ndefault_toolchain = "%s"\nprofile = "minimal"\nauto_self_update = "disable"\n' \
        "$RUSTUP_SETTINGS_VERSION" "$TOOLCHAIN" >"$RUSTUP_HOME/settings.toml"; \
    for tool in cargo rustc rustdoc cargo-clippy clippy-driver cargo-fmt rustfmt; do \
        ln -s rustup "$CARGO_HOME/bin/$tool"; \
    done; \
    cargo --version; rustc --version
# Separate layers, so that a changed Cargo.lock rebuilds only the registry layer.
COPY cargo-home/bin/ /usr/local/cargo/bin/
COPY cargo-home/.crates.toml cargo-home/.crates2.json /usr/local/cargo/
COPY cargo-home/registry/ /usr/local/cargo/registry/
ENV CARGO_NET_OFFLINE=true
