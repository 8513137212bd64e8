#!/usr/bin/env bash
# Every test: unit tests (Vitest, against a real PostgreSQL), then end-to-end in Chromium
# against the running stack in docker mode (Podman, DockerSpawner), Schemathesis over the whole
# API (scripts/api-fuzz.sh) and pytest over the Hub side's package (scripts/hub-tests.sh); then
# the specs tagged @engine (build and launch) against the same stack on Docker Engine instead of
# Podman (docker-engine); then the specs tagged @kubernetes against the stack in Kubernetes mode
# (build pods, KubeSpawner, a local cluster).
# KILN_TEST_MODES=docker (or docker-engine, or kubernetes, or several) runs those only. The stack
# is left in the mode and on the engine it was before.
source "$(dirname "$0")/lib.sh"
modes="${KILN_TEST_MODES:-docker docker-engine kubernetes}"
before=$(cat "$KILN_STATE/mode" 2>/dev/null || echo docker)
engine_before=$(cat "$KILN_STATE/engine" 2>/dev/null || echo podman)
status=0
restore() { KILN_MODE=$before KILN_ENGINE=$engine_before bash "$KILN_ROOT/scripts/stack-up.sh" >/dev/null; }
trap restore EXIT
cd "$KILN_ROOT"
# After failing specs, what the stack saw: builds that ended failed (the specs' own failures say
# "fails" in their names) and Kiln's slow-request lines. CI shows the end of this output.
diagnose() {
  (
    source "$KILN_ROOT/scripts/config.sh"
    echo "--- builds that failed in the last two hours, newest last:"
    psql "$DATABASE_URL" -Atc "SELECT display_name || ' | ' || coalesce(failed_phase::text, '') || ' | ' || left(coalesce(error, ''), 160) || ' | ' || left(array_to_string(failure_output, ' / '), 160)
      FROM builds WHERE status = 'failed' AND created_at > now() - interval '2 hours' ORDER BY created_at DESC LIMIT 15" | tac
    echo "--- Kiln's slow requests and errors (last 15):"
    grep -E "slow (build )?request|unexpected error|engine_unavailable|uncaught" "$KILN_LOGS/kiln.log" | tail -15 | cut -c1-300
  ) >&2 || true
}
# Building the cluster's binaries takes minutes on a new machine: it runs on idle CPU only beside
# the docker-mode tests, which would otherwise lose a third of the machine to it.
if [[ " $modes " == *" kubernetes "* ]]; then
  idle_priority bash "$KILN_ROOT/scripts/kubernetes/build.sh" >"$KILN_LOGS/kubernetes-build.log" 2>&1 &
  k8s_build=$!
fi
if [[ " $modes " == *" docker "* ]]; then
  KILN_MODE=docker KILN_ENGINE=podman bash "$KILN_ROOT/scripts/stack-up.sh" >/dev/null
  # (&&, not set -e: a subshell on the left of || runs with set -e switched off.)
  (
    source "$KILN_ROOT/scripts/config.sh"
    npx --no-install tsc --noEmit && npx --no-install vitest run && npx --no-install playwright test \
      && bash "$KILN_ROOT/scripts/api-fuzz.sh" && KILN_HUB_TESTS_AFTER_E2E=1 bash "$KILN_ROOT/scripts/hub-tests.sh"
  ) || { status=$?; diagnose; }
fi
if [[ " $modes " == *" docker-engine "* ]]; then
  log "Docker Engine: the specs tagged @engine"
  KILN_MODE=docker KILN_ENGINE=docker bash "$KILN_ROOT/scripts/stack-up.sh" >/dev/null
  (
    source "$KILN_ROOT/scripts/config.sh"
    npx --no-install playwright test --grep @engine
  ) || { status=$?; diagnose; }
fi
if [[ " $modes " == *" kubernetes "* ]]; then
  log "Kubernetes mode: the specs tagged @kubernetes"
  wait "$k8s_build" || { log "building Kubernetes failed:"; tail -20 "$KILN_LOGS/kubernetes-build.log" >&2; exit 1; }
  KILN_MODE=kubernetes KILN_ENGINE=podman bash "$KILN_ROOT/scripts/stack-up.sh" >/dev/null
  (
    source "$KILN_ROOT/scripts/config.sh"
    npx --no-install playwright test --grep @kubernetes
  ) || { status=$?; diagnose; }
  # Stopping the cluster gives back every host setting it changed, or the run fails.
  bash "$KILN_ROOT/scripts/kubernetes/cluster.sh" down >/dev/null
  bash "$KILN_ROOT/scripts/kubernetes/cluster.sh" verify-down || status=1
fi
exit $status
