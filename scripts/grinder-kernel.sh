#!/usr/bin/env bash
# Jupyter kernel launcher for the `grinder` kernel: runs the project's own tslab with the
# project root as working directory, so notebook cells import the SDK as "./sdk" and read
# fixtures as "fixtures/<name>" whatever folder the notebook sits in (tslab compiles only
# files under its working directory).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# tslab-strict.cjs turns on `strict` for tslab's compiler (zod types need it; see DECISIONS.md).
exec node -r "$root/scripts/tslab-strict.cjs" "$root/node_modules/tslab/bin/tslab" kernel "$@"
