#!/usr/bin/env bash
# Builds local stand-ins for the two base images the project's Dockerfile names, for machines that
# reach no image registry (so `docker pull` fails) but do reach Debian's package archive:
#
#   rust:1-bookworm                        Debian bookworm (made with mmdebstrap) + a C toolchain +
#                                          this machine's own Rust toolchain, rustup-managed, + an
#                                          offline CARGO_HOME: cargo-chef installed and every crate
#                                          of Cargo.lock fetched here on the host, since builds
#                                          cannot reach crates.io from inside a container
#   gcr.io/distroless/cc-debian12:nonroot  only the files of the Debian packages distroless/cc
#                                          holds (glibc, libgcc, libstdc++, libssl, certificates,
#                                          time zones), users root/nobody/nonroot, USER 65532
#
# They are tagged with exactly those names, so the project's Dockerfile builds unchanged. An image
# of that name that is not one of these stand-ins (a real one, pulled earlier) is left as it is and
# used. A stand-in is rebuilt when what it was made from changed (the host's toolchain, Cargo.lock),
# or always with NEWSLINE_STANDINS=rebuild. Needs a running Docker engine, root (mmdebstrap), rustup
# and cargo; the host-side CARGO_HOME is kept in $NEWSLINE_STANDIN_CACHE between runs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${NEWSLINE_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsline-standins}
BASE=newsline-standin/debian:bookworm
BUILDER=rust:1-bookworm
RUNTIME=gcr.io/distroless/cc-debian12:nonroot
LABEL=org.newsline.standin

say() { printf '[standins] %s\n' "$*"; }
fail() { printf '[standins] FAIL: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || fail "docker is not installed"
command -v rustup >/dev/null || fail "rustup is not installed (the builder stand-in copies its toolchain)"

# The stand-in label of an image: empty for an image that is not one of ours, "missing" for none.
label_of() {
    if docker image inspect "$1" >/dev/null 2>&1; then
        docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true
    else
        echo missing
    fi
}

# What a builder stand-in is made from: the toolchain's exact version and the lock file whose crates
# it carries. The runtime stand-in is made from the same Debian base, so it follows the base's id.
SYSROOT=$(rustc --print sysroot)
TOOLCHAIN=$(basename "$SYSROOT")
RUSTC_VERSION=$(rustc -V)
BUILDER_KEY="$RUSTC_VERSION; Cargo.lock $(sha256sum "$REPO/Cargo.lock" | cut -c1-16)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [[ "${NEWSLINE_STANDINS:-}" == rebuild ]]; then
    say "NEWSLINE_STANDINS=rebuild: removing earlier stand-ins"
    for image in "$RUNTIME" "$BUILDER"; do
        [[ "$(label_of "$image")" =~ ^(|missing)$ ]] || docker image rm "$image" >/dev/null
    done
    docker image rm "$BASE" >/dev/null 2>&1 || true
fi

builder_label=$(label_of "$BUILDER")
runtime_label=$(label_of "$RUNTIME")
need_base=""
[[ "$builder_label" == "missing" || ("$builder_label" != "" && "$builder_label" != "$BUILDER_KEY") ]] && need_base=yes
[[ "$runtime_label" == "missing" ]] && need_base=yes

if [[ -n "$need_base" ]] && ! docker image inspect "$BASE" >/dev/null 2>&1; then
    if ! command -v mmdebstrap >/dev/null; then
        say "installing mmdebstrap (apt)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
    fi
    say "making a Debian bookworm root file system with mmdebstrap (Debian's archive, no image registry)"
    # The C toolchain is for crates that compile C (ring); the rest is what the runtime stand-in
    # copies out.
    mmdebstrap --quiet --variant=minbase \
        --include=ca-certificates,gcc,libc6-dev,make,pkg-config,netbase,tzdata,libssl3,libgcc-s1,libgomp1,libstdc++6 \
        bookworm "$WORK/bookworm.tar" >"$WORK/mmdebstrap.log" 2>&1 \
        || { cat "$WORK/mmdebstrap.log" >&2; fail "mmdebstrap failed"; }
    docker import --change 'CMD ["bash"]' "$WORK/bookworm.tar" "$BASE" >/dev/null
    rm -f "$WORK/bookworm.tar"
    say "imported $BASE"
fi

case "$builder_label" in
    "") say "$BUILDER exists and is not a stand-in: using it as it is" ;;
    "$BUILDER_KEY") say "$BUILDER: stand-in ($BUILDER_KEY) is up to date" ;;
    *)
        say "building the stand-in $BUILDER from $BASE and this machine's $RUSTC_VERSION"
        mkdir -p "$CACHE/cargo-home"
        # The same command as the Dockerfile's, run here where crates.io is reachable; cargo's
        # install record (.crates.toml) goes along, so the one in the image finds it installed.
        if ! CARGO_HOME="$CACHE/cargo-home" cargo install --list | grep -q '^cargo-chef '; then
            say "installing cargo-chef into $CACHE/cargo-home"
            CARGO_HOME="$CACHE/cargo-home" cargo install --quiet cargo-chef --locked --version '^0.1'
        fi
        say "fetching every crate of Cargo.lock into $CACHE/cargo-home"
        CARGO_HOME="$CACHE/cargo-home" cargo fetch --quiet --locked --manifest-path "$REPO/Cargo.toml"
        settings_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "${RUSTUP_HOME:-$HOME/.rustup}/settings.toml" 2>/dev/null || true)
        # The build context is a tar stream: the Dockerfile, the toolchain without its HTML docs
        # (800 MB nobody reads in a build), the rustup binary that the proxies link to, and the
        # CARGO_HOME without unpacked sources (cargo unpacks what it needs from registry/cache).
        tar -c --owner=0 --group=0 \
            --exclude="$TOOLCHAIN/share/doc" --exclude=cargo-home/registry/src \
            --transform 's,^rust-bookworm.Dockerfile$,Dockerfile,' \
            --transform "s,^$TOOLCHAIN,toolchains/$TOOLCHAIN," \
            -C "$HERE" rust-bookworm.Dockerfile \
            -C "$(dirname "$SYSROOT")" "$TOOLCHAIN" \
            -C "$(dirname "$(command -v rustup)")" rustup \
            -C "$CACHE" cargo-home/bin cargo-home/.crates.toml cargo-home/.crates2.json cargo-home/registry \
            | docker build --quiet --label "$LABEL=$BUILDER_KEY" \
                --build-arg "TOOLCHAIN=$TOOLCHAIN" \
                --build-arg "RUSTUP_SETTINGS_VERSION=${settings_version:-12}" \
                -t "$BUILDER" - >/dev/null
        docker run --rm "$BUILDER" cargo chef --version >/dev/null || fail "the $BUILDER stand-in has no working cargo chef"
        ;;
esac

# Rebuilt when its base changed, so the two stand-ins always come from the same Debian release.
base_id=$(docker image inspect -f '{{.Id}}' "$BASE" 2>/dev/null || echo none)
case "$runtime_label" in
    "") say "$RUNTIME exists and is not a stand-in: using it as it is" ;;
    "$base_id") say "$RUNTIME: stand-in is up to date" ;;
    *)
        [[ "$base_id" != none ]] || fail "$BASE is missing (run with NEWSLINE_STANDINS=rebuild)"
        say "building the stand-in $RUNTIME from $BASE"
        docker build --quiet --label "$LABEL=$base_id" -t "$RUNTIME" \
            -f "$HERE/distroless-cc.Dockerfile" "$WORK" >/dev/null
        ;;
esac
say "done"
