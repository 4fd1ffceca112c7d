#!/usr/bin/env bash
# Jupyter kernel launcher for the `grinder` kernel: runs the project's own tslab with the
# project root as working directory, so notebook cells import the SDK as "./sdk" and read
# fixtures as "fixtures/<name>" whatever folder the notebook sits in (tslab compiles only
# files under its working directory).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# tslab-preload.cjs: `strict` on for tslab's compiler, folder imports resolve to index (DECISIONS.md).
exec node -r "$root/scripts/tslab-preload.cjs" "$root/node_modules/tslab/bin/tslab" kernel "$@"
