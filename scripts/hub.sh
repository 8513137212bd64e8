#!/usr/bin/env bash
# JupyterHub with DockerSpawner, its proxy on 127.0.0.1. Usage: hub.sh start|stop
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

hub_up() { curl -sf "$KILN_HUB_PUBLIC_URL/hub/health"; }
# The configuration and Kiln's package the running Hub was started with; a change means restart.
stamp() {
  { cat "$KILN_ROOT"/hub/*.py "$KILN_ROOT"/hub/pyproject.toml "$KILN_ROOT"/hub/kiln_jupyterhub/*.py "$KILN_ROOT"/hub/templates/*; echo "$KILN_ROOT $KILN_MODE $KILN_ENGINE"; } \
    | sha256sum | cut -c1-16
}

case "${1:-start}" in
  start)
    # A changed package is installed before the Hub (re)starts with it; a no-op when unchanged.
    bash "$KILN_ROOT/scripts/install.sh" hub-package
    if pid_alive "$KILN_STATE/jupyterhub.pid" && hub_up && [[ $(cat "$KILN_STATE/jupyterhub.stamp" 2>/dev/null) == "$(stamp)" ]]; then
      exit 0
    fi
    stop_pid "$KILN_STATE/jupyterhub.pid"
    mkdir -p "$KILN_HUB_STATE"
    # A proxy left by a Hub that was killed would keep the port; the Hub starts its own.
    [[ -f $KILN_HUB_STATE/proxy.pid ]] && kill "$(cat "$KILN_HUB_STATE/proxy.pid")" 2>/dev/null || true
    (cd "$KILN_HUB_STATE" && start_daemon jupyterhub "$HUB_VENV/bin/jupyterhub" -f "$KILN_ROOT/hub/jupyterhub_config.py")
    stamp >"$KILN_STATE/jupyterhub.stamp"
    wait_for_daemon JupyterHub 60 "$KILN_STATE/jupyterhub.pid" hub_up || { tail -30 "$KILN_LOGS/jupyterhub.log" >&2; exit 1; }
    ;;
  stop)
    stop_pid "$KILN_STATE/jupyterhub.pid"
    [[ -f $KILN_HUB_STATE/proxy.pid ]] && kill "$(cat "$KILN_HUB_STATE/proxy.pid")" 2>/dev/null || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
