#!/usr/bin/env bash
# The main job on the bundled fixtures. Each step is a `grinder` command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
g() { echo "\$ grinder $*"; node bin/grinder.js "$@"; }

g fixtures validate
g fixtures verify
g replay fixtures/multisymbol_topk_l1
g calibrate calibration/specs/default.json --workers 2
g report
