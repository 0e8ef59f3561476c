#!/usr/bin/env bash
# Generates the Go stubs in src/newsline/api/v1 from the repository's proto/ with protoc,
# protoc-gen-go and protoc-gen-go-grpc (Debian's packages). The generated files are committed so the
# client builds with `go build` alone; never edit them by hand. `generate.sh --check` regenerates into
# a temporary directory and fails when the committed files differ.
set -euo pipefail

client_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
proto_root="$(cd "$client_root/../../proto" && pwd)"
import_path="newsline/api/v1"
package_name="newslinev1"

generate_into() {
  local output_root="$1"
  mkdir -p "$output_root"
  local protos=()
  local mappings=()
  while IFS= read -r proto; do
    protos+=("$proto")
    # The protos carry no go_package option (they are language-neutral), so the import path is given here.
    mappings+=("M${proto}=${import_path};${package_name}")
  done < <(cd "$proto_root" && find newsline -name '*.proto' | LC_ALL=C sort)
  local go_opts grpc_opts
  go_opts="paths=import$(printf ',%s' "${mappings[@]}")"
  grpc_opts="paths=import$(printf ',%s' "${mappings[@]}")"
  (cd "$proto_root" && protoc -I . \
    --go_out="$output_root" --go_opt="$go_opts" \
    --go-grpc_out="$output_root" --go-grpc_opt="$grpc_opts" \
    "${protos[@]}")
}

if [ "${1:-}" = "--check" ]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  generate_into "$scratch"
  if ! diff -r "$scratch/$import_path" "$client_root/src/$import_path" >"$scratch/diff.txt" 2>&1; then
    echo "The generated Go stubs do not match proto/; run clients/go/generate.sh:"
    head -50 "$scratch/diff.txt"
    exit 1
  fi
  echo "generated Go stubs are up to date ($(ls "$scratch/$import_path" | wc -l) files)"
else
  rm -rf "${client_root:?}/src/$import_path"
  generate_into "$client_root/src"
  echo "generated $(ls "$client_root/src/$import_path" | wc -l) files under src/$import_path"
fi
