#!/usr/bin/env bash
# Self-test of the flow command checkers (tools/check_az.py, tools/check_ps.py) on tools/fixtures/.
# Uses the Python of the azure-cli venv that .ci/check-commands creates ($AZ_VENV).
set -euo pipefail
cd "$(dirname "$0")/.."
export AZ_VENV=${AZ_VENV:-$HOME/.cache/aadsts-wizard/azvenv}
if [[ ! -x $AZ_VENV/bin/python ]]; then
  echo "test_checkers: no azure-cli venv at $AZ_VENV; run .ci/check-commands once (or set AZ_VENV)" >&2
  exit 2
fi
exec "$AZ_VENV/bin/python" tools/test_checkers.py "$@"
