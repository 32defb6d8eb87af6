#!/usr/bin/env bash
# Static security scan of the application code (issue 5): fails on any HIGH-severity finding.
# Usage: bash ci/bandit.sh   (from the repository root; uses .venv when present)
set -euo pipefail
cd "$(dirname "$0")/.."
BANDIT=bandit
[ -x .venv/bin/bandit ] && BANDIT=.venv/bin/bandit
# The full report (all severities) for the log, then the gate: HIGH severity, any confidence.
"$BANDIT" -q -r . -c bandit.yaml -f txt --exit-zero | tail -n 25
"$BANDIT" -q -r . -c bandit.yaml --severity-level high -f txt
