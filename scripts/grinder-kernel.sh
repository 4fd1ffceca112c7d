#!/usr/bin/env bash
# Jupyter kernel launcher for the `grinder` kernel: runs the project's own tslab with the
# project root as working directory, so notebook cells import the SDK as "./sdk" and read
# fixtures as "fixtures/<name>" whatever folder the notebook sits in (tslab compiles only
# files under its working directory).
#
# Only the connection file reaches tslab (`--config-path FILE`, or a bare FILE): Jupyter front
# ends add their own arguments to a kernel's command line (`jupyter run --kernel=grinder x.ts`
# appends the files to run, which tslab refused with "too many arguments for 'kernel'").
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
config=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --config-path) config="${2:-}"; shift 2 || shift ;;
    --config-path=*) config="${1#--config-path=}"; shift ;;
    -f) config="${2:-}"; shift 2 || shift ;;
    *.json) [ -z "$config" ] && config="$1"; shift ;;
    *) shift ;;  # a front end's extra argument (e.g. the files `jupyter run` executes itself)
  esac
done
if [ -z "$config" ]; then
  echo "grinder-kernel: no connection file (--config-path FILE)" >&2
  exit 2
fi
# tslab-preload.cjs: `strict` on for tslab's compiler, folder imports resolve to index, the
# precompiled SDK build (.build/) used when current (docs/DECISIONS.md).
exec node -r "$root/scripts/tslab-preload.cjs" "$root/node_modules/tslab/bin/tslab" kernel --config-path "$config"
