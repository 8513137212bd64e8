#!/usr/bin/env bash
# An image registry (Debian's docker-registry) on 127.0.0.1:5000 that builds push to.
# Usage: registry.sh start|stop
source "$(dirname "$0")/lib.sh"

REGISTRY_ADDR="${KILN_REGISTRY_ADDR:-127.0.0.1:5000}"
registry_up() { curl -sf "http://$REGISTRY_ADDR/v2/" >/dev/null; }

case "${1:-start}" in
  start)
    if pid_alive "$KILN_STATE/registry.pid" && registry_up; then exit 0; fi
    mkdir -p "$KILN_STATE/registry"
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
  addr: $REGISTRY_ADDR
YAML
    start_daemon registry docker-registry serve "$KILN_STATE/registry.yml"
    wait_for_daemon "the registry" 30 "$KILN_STATE/registry.pid" registry_up || { tail -20 "$KILN_LOGS/registry.log" >&2; exit 1; }
    ;;
  stop) stop_pid "$KILN_STATE/registry.pid" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
