#!/usr/bin/env bash
# Unit-convention rename (ADR-160): fractions end in `_frac`, percents in `_pct`, one spelling
# `utilization`. Idempotent; rewrites tracked text files in place. Run from the project root on
# code written against the old names, then re-pin digests (ADR-160 lists the commands).
# Left alone: the alias table and its tests (they must keep the old names), the ADR log and the
# changelog (history), committed expected digests and reports (re-pinned, never edited by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -z -- sdk test bench scripts notebooks calibration/specs models/specs docs README.md \
  ':!docs/DECISIONS.md' ':!docs/STATE.md' ':!CHANGELOG.md' ':!docs/api' \
  ':!sdk/config/aliases.ts' ':!test/config/aliases.test.ts' ':!scripts/rename-units.sh' \
  ':!*.png' ':!*.gz' ':!*.arrow' \
  | xargs -0 grep -lZE 'step_min_pct|dd_budget_pct|x_min_pct|x_cap_pct|x_stress_pct|width_up_pct|width_down_pct|step_pct|dd_utilization_pct|pct_equity|capPct|tilisation' 2>/dev/null \
  | xargs -0 -r sed -i -E \
      -e 's/\bstep_min_pct\b/step_min_frac/g' \
      -e 's/\bdd_budget_pct\b/dd_budget_frac/g' \
      -e 's/\bx_min_pct\b/x_min_frac/g' \
      -e 's/\bx_cap_pct\b/x_cap_frac/g' \
      -e 's/\bx_stress_pct\b/x_stress_frac/g' \
      -e 's/\bwidth_up_pct\b/width_up_frac/g' \
      -e 's/\bwidth_down_pct\b/width_down_frac/g' \
      -e 's/\bstep_pct\b/step_frac/g' \
      -e 's/dd_utilization_pct\b/dd_utilization_frac/g' \
      -e 's/\bpct_equity\b/frac_equity/g' \
      -e 's/\bcapPct\b/capFrac/g' \
      -e 's/utilisation/utilization/g' \
      -e 's/Utilisation/Utilization/g'
