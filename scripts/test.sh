#!/usr/bin/env bash
# Every test: unit tests (Vitest, against a real PostgreSQL), then end-to-end in Chromium
# against the running stack. Brings the stack up first; that is quick when it already runs.
source "$(dirname "$0")/lib.sh"
bash "$KILN_ROOT/scripts/stack-up.sh" >/dev/null
source "$KILN_ROOT/scripts/config.sh"
cd "$KILN_ROOT"
npx --no-install tsc --noEmit
npx --no-install vitest run
npx --no-install playwright test
