#!/usr/bin/env bash
# Jupyter kernel launcher for the `grinder-deno` kernel: this checkout's Deno (npm `deno`, whose
# binary ships in the optional package @deno/linux-x64-glibc; run directly, not through the
# npm wrapper) running `deno jupyter` at the project root, so notebook cells import the SDK as
# "./sdk" and read fixtures as "fixtures/<name>" exactly as on the `grinder` (tslab) kernel.
#
# Deno runs the SDK's precompiled CommonJS build (.build/<key>/js, scripts/build.cjs): the SDK
# sources are CommonJS-flavoured TypeScript (`__dirname`, lazy `require`), which Deno would load
# as ES modules. deno.json maps "./sdk" and "./sdk/..." to .build/deno, a link to the current
# build's js/ folder that this launcher (re)points before the kernel starts (ADR-165).
#
# Only the connection file reaches Deno (`--conn FILE`, `--config-path FILE`, or a bare FILE).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
config=""
while [ "$#" -gt 0 ]; do
  case "$1" in
    --conn|--config-path|-f) config="${2:-}"; shift 2 || shift ;;
    --conn=*) config="${1#--conn=}"; shift ;;
    --config-path=*) config="${1#--config-path=}"; shift ;;
    *.json) [ -z "$config" ] && config="$1"; shift ;;
    *) shift ;;  # a front end's extra argument (e.g. the files `jupyter run` executes itself)
  esac
done
if [ -z "$config" ]; then
  echo "grinder-deno-kernel: no connection file (--conn FILE)" >&2
  exit 2
fi
deno="$root/node_modules/@deno/linux-x64-glibc/deno"
if [ ! -x "$deno" ]; then
  echo "grinder-deno-kernel: $deno missing: run scripts/setup.sh (npm ci installs the deno package)" >&2
  exit 2
fi
# The current SDK build (JavaScript part), built now when a source is newer.
js="$(node -e '
  const b = require(process.argv[1]);
  b.ensureBuilt(["js"]).then((o) => process.stdout.write(o.js), (e) => { process.stderr.write(String(e && e.message || e) + "\n"); process.exit(2); });
' "$root/scripts/build.cjs")"
# .build/deno -> <key>/js, replaced atomically (a concurrent launcher writes the same target).
link="$root/.build/deno"
tmp="$root/.build/.deno-link-$$"
ln -sfn "${js#"$root/.build/"}" "$tmp"
mv -T "$tmp" "$link"
# Parent watch (as scripts/tslab-preload.cjs does for `grinder`): a Jupyter client that exits
# without shutting its kernel down (`jupyter run` does) would leave Deno running forever. A
# watchdog ends the kernel once the process that started it is gone (JPY_PARENT_PID, else our
# parent), and ends itself with the kernel. `exec` keeps this pid for Deno, so Jupyter's
# interrupt and kill signals reach Deno itself. The watchdog holds none of the kernel's stdio.
parent="${JPY_PARENT_PID:-$PPID}"
kernel=$$
(
  trap '' INT
  while kill -0 "$kernel" 2>/dev/null; do
    if ! kill -0 "$parent" 2>/dev/null; then kill -TERM "$kernel" 2>/dev/null; break; fi
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
export DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
exec "$deno" jupyter --kernel --conn "$config"
