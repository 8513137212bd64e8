#!/usr/bin/env bash
# Fuzzes Kiln's whole API with Schemathesis against the running stack, from its OpenAPI document:
# every check (no 5xx, responses as documented, invalid requests refused, valid ones accepted,
# authentication not ignored). Runs as Hub users of its own (fuzz-<random>-N), never the demo ones.
source "$(dirname "$0")/lib.sh"
source "$KILN_ROOT/scripts/config.sh"
SCHEMATHESIS_SPEC="schemathesis==4.32.5"
FUZZ_VENV="$KILN_OPT/fuzz-venv"
if [[ "$(cat "$FUZZ_VENV/.kiln-spec" 2>/dev/null)" != "$SCHEMATHESIS_SPEC" ]]; then
  log "installing $SCHEMATHESIS_SPEC into $FUZZ_VENV"
  python3 -m venv "$FUZZ_VENV"
  "$FUZZ_VENV/bin/pip" install -q "$SCHEMATHESIS_SPEC"
  echo "$SCHEMATHESIS_SPEC" >"$FUZZ_VENV/.kiln-spec"
fi

hub_api="http://127.0.0.1:${HUB_API_PORT:-8081}/hub/api"
run="fuzz-$(openssl rand -hex 3)"
users=("$run-"{1..8})
# Set before the users are made, so a failure half-way still removes those already there.
cleanup() { for user in "${users[@]}"; do curl -fsS -X DELETE -H "authorization: token $KILN_TEST_HUB_TOKEN" "$hub_api/users/$user" >/dev/null 2>&1 || true; done; }
trap cleanup EXIT
tokens=()
for user in "${users[@]}"; do
  curl -fsS -X POST -H "authorization: token $KILN_TEST_HUB_TOKEN" "$hub_api/users/$user" >/dev/null
  tokens+=("$(curl -fsS -X POST -H "authorization: token $KILN_TEST_HUB_TOKEN" -d '{"note":"api fuzz"}' "$hub_api/users/$user/tokens" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')")
done

cd "$KILN_ROOT/scripts/api-fuzz"
KILN_FUZZ_TOKENS="${tokens[*]}" PYTHONPATH=. SCHEMATHESIS_HOOKS=kiln_fuzz_hooks \
  "$FUZZ_VENV/bin/st" --config-file schemathesis.toml run "$KILN_HUB_PUBLIC_URL/services/kiln/api/openapi.json" \
  --checks all --workers 2 --max-examples "${KILN_FUZZ_EXAMPLES:-25}" --seed "${KILN_FUZZ_SEED:-1}" --report junit --report-dir "$KILN_LOGS/api-fuzz" "$@"
