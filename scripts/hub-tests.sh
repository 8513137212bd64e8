#!/usr/bin/env bash
# The Hub side's tests (hub/tests) in the Hub's own virtualenv, against the installed package and
# the running Kiln (scripts/stack-up.sh first). JUnit report: $KILN_LOGS/hub-tests/junit.xml.
# Usage: hub-tests.sh [pytest arguments]
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

PYTEST_SPEC=(pytest==9.2.0 pytest-asyncio==1.5.0)

if [[ "$(cat "$HUB_VENV/.kiln-test-spec" 2>/dev/null)" != "${PYTEST_SPEC[*]}" ]]; then
  log "installing ${PYTEST_SPEC[*]} into $HUB_VENV"
  "$HUB_VENV/bin/pip" install -q "${PYTEST_SPEC[@]}"
  echo "${PYTEST_SPEC[*]}" >"$HUB_VENV/.kiln-test-spec"
fi
# The tests import kiln_jupyterhub as the Hub does: installed, from these sources.
bash "$KILN_ROOT/scripts/install.sh" hub-package

curl -sf "$KILN_URL/services/kiln/api/health" >/dev/null || log "Kiln does not answer at $KILN_URL: the tests that ask it will fail"
mkdir -p "$KILN_LOGS/hub-tests"
cd "$KILN_ROOT/hub"
# Nothing written into the checkout: no bytecode, no pytest cache.
# bin/pytest rather than python -m pytest, which would put hub/ (the sources) before the installed package.
PYTHONDONTWRITEBYTECODE=1 exec "$HUB_VENV/bin/pytest" -p no:cacheprovider \
  --junitxml="$KILN_LOGS/hub-tests/junit.xml" "$@"
