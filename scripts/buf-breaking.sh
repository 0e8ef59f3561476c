#!/usr/bin/env bash
# Fails on a breaking change to proto/ since the released API (tag v1.0.0). Before that tag exists
# there is nothing to compare against, so it says it skipped and succeeds.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
release_tag="${NEWSLINE_RELEASE_TAG:-v1.0.0}"
cd "$repo_root"

if ! git rev-parse -q --verify "refs/tags/$release_tag" >/dev/null; then
  echo "buf-breaking: skipped: no tag $release_tag yet (the API is not released)"
  exit 0
fi
echo "buf-breaking: comparing proto/ with $release_tag"
buf breaking proto --against ".git#tag=${release_tag},subdir=proto"
echo "buf-breaking: no breaking change since $release_tag"
