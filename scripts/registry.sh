#!/usr/bin/env bash
# An image registry (Debian's docker-registry) on 127.0.0.1:5000 that builds push to. It asks
# for Kiln's credentials (a per-install secret): a build step on the host network must not
# list, pull or overwrite anyone's images. Usage: registry.sh start|stop
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

REGISTRY_ADDR="${KILN_REGISTRY_ADDR:-127.0.0.1:5000}"
HTPASSWD="$KILN_STATE/registry.htpasswd"
registry_up() { curl -sf -u "$KILN_REGISTRY_USERNAME:$KILN_REGISTRY_PASSWORD" "http://$REGISTRY_ADDR/v2/" >/dev/null; }
# Refuses anonymous callers: a registry that answers them is not the one this script configures.
registry_locked() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://$REGISTRY_ADDR/v2/") == 401 ]]; }

case "${1:-start}" in
  start)
    if ! htpasswd -vb "$HTPASSWD" "$KILN_REGISTRY_USERNAME" "$KILN_REGISTRY_PASSWORD" >/dev/null 2>&1; then
      htpasswd -Bbc "$HTPASSWD" "$KILN_REGISTRY_USERNAME" "$KILN_REGISTRY_PASSWORD" >/dev/null 2>&1
      stop_pid "$KILN_STATE/registry.pid"
    fi
    if pid_alive "$KILN_STATE/registry.pid" && registry_up && registry_locked; then exit 0; fi
    stop_pid "$KILN_STATE/registry.pid"
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
auth:
  htpasswd:
    realm: kiln-registry
    path: $HTPASSWD
http:
  addr: $REGISTRY_ADDR
YAML
    start_daemon registry docker-registry serve "$KILN_STATE/registry.yml"
    wait_for_daemon "the registry" 30 "$KILN_STATE/registry.pid" registry_up || { tail -20 "$KILN_LOGS/registry.log" >&2; exit 1; }
    ;;
  stop) stop_pid "$KILN_STATE/registry.pid" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
