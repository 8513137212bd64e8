#!/usr/bin/env bash
# An image registry (Debian's docker-registry) that builds push to. It listens on a unix socket
# only root can reach; on 127.0.0.1:5000 a gate (scripts/registry-gate.mjs) lets Kiln's
# credentials push and delete and the engine's only pull, and refuses anyone else: a build step
# on the host network must not list, pull or overwrite anyone's images; build pods (Kubernetes
# mode) push with credentials of their own that may add tags and nothing else. Usage: registry.sh start|stop
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

REGISTRY_ADDR="${KILN_REGISTRY_ADDR:-127.0.0.1:5000}"
SOCKET="$KILN_STATE/registry.sock"
as_kiln() { curl -sf -u "$KILN_REGISTRY_USERNAME:$KILN_REGISTRY_PASSWORD" "$@"; }
registry_up() { curl -sf --unix-socket "$SOCKET" http://registry/v2/ >/dev/null; }
gate_up() { as_kiln "http://$REGISTRY_ADDR/v2/" >/dev/null; }
# The gate asks who is calling: one that answers anonymous callers is not this one.
gate_locked() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY_ADDR/v2/") == 401 ]]; }
# Which gate and credentials the running one was started with; another means restart.
stamp() { { cat "$KILN_ROOT/scripts/registry-gate.mjs" "$KILN_STATE/secrets.env"; echo "$KILN_IMAGE_PREFIX"; } | sha256sum | cut -c1-16; }

start() {
  if ! pid_alive "$KILN_STATE/registry.pid" || ! registry_up; then
    stop_pid "$KILN_STATE/registry.pid"
    mkdir -p "$KILN_STATE/registry"
    rm -f "$SOCKET"
    cat >"$KILN_STATE/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $KILN_STATE/registry
  delete:
    enabled: true
http:
  net: unix
  addr: $SOCKET
YAML
    start_daemon registry docker-registry serve "$KILN_STATE/registry.yml"
    wait_for_daemon "the registry" 30 "$KILN_STATE/registry.pid" registry_up || { tail -20 "$KILN_LOGS/registry.log" >&2; exit 1; }
  fi
  if pid_alive "$KILN_STATE/registry-gate.pid" && gate_up && gate_locked && [[ $(cat "$KILN_STATE/registry-gate.stamp" 2>/dev/null) == "$(stamp)" ]]; then
    return 0
  fi
  stop_pid "$KILN_STATE/registry-gate.pid"
  # Only what the gate needs: the stack's other secrets are none of its business.
  start_daemon registry-gate env -i PATH="$PATH" REGISTRY_GATE_LISTEN="$REGISTRY_ADDR" REGISTRY_GATE_SOCKET="$SOCKET" \
    REGISTRY_GATE_WRITER="$KILN_REGISTRY_USERNAME:$KILN_REGISTRY_PASSWORD" REGISTRY_GATE_READER="engine:$KILN_REGISTRY_PULL_PASSWORD" \
    REGISTRY_GATE_PUSHER="builder:$KILN_REGISTRY_BUILDER_PASSWORD" REGISTRY_GATE_PUSH_PREFIX="${KILN_IMAGE_PREFIX#*/}" \
    node "$KILN_ROOT/scripts/registry-gate.mjs"
  stamp >"$KILN_STATE/registry-gate.stamp"
  wait_for_daemon "the registry's gate" 30 "$KILN_STATE/registry-gate.pid" gate_up || { tail -20 "$KILN_LOGS/registry-gate.log" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  stop)
    stop_pid "$KILN_STATE/registry-gate.pid"
    stop_pid "$KILN_STATE/registry.pid"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
