#!/usr/bin/env bash
# Start Debian's Jupyter Notebook (classic, 6.4) on this checkout:
#   npm run notebook [-- <jupyter notebook options>]    e.g. -- --port 8890 --no-browser
# This checkout's `grinder` kernel (.jupyter/kernels/grinder, written by scripts/setup.sh) comes
# first on JUPYTER_PATH, so the kernel that runs is this project's, not another clone's.
# Notebooks executed by scripts/run-notebook.py or `grinder report` are signed, so they open
# trusted with their charts drawn; a notebook run elsewhere: scripts/trust-notebook.py FILE.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v jupyter-notebook >/dev/null 2>&1; then
  echo "notebook: jupyter-notebook is not installed: run npm run setup (Debian package jupyter-notebook)" >&2
  exit 2
fi
if [ ! -f "$root/.jupyter/kernels/grinder/kernel.json" ]; then
  echo "notebook: the grinder kernel is not set up in this checkout: run npm run setup" >&2
  exit 2
fi
export JUPYTER_PATH="$root/.jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export PYDEVD_DISABLE_FILE_VALIDATION=1
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)  # a container's root user (the server refuses root otherwise)
exec jupyter-notebook --notebook-dir="$root" "${extra[@]}" "$@"
