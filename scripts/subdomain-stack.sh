#!/usr/bin/env bash
# A second Hub and Kiln in JupyterHub's subdomain mode, beside the main stack and sharing its
# engine, registry and database: users at <user>.localhost:8100, Kiln at
# kiln--service.localhost:8100 (browsers resolve *.localhost to loopback). It is how JupyterHub
# isolates user servers from services; the tests prove Kiln works, and is isolated, there.
# Usage: subdomain-stack.sh start|stop|url
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

SUB_PORT="${KILN_SUBDOMAIN_PORT:-8100}"
SUB_API_PORT="${KILN_SUBDOMAIN_API_PORT:-8181}"
SUB_PROXY_API_PORT="${KILN_SUBDOMAIN_PROXY_API_PORT:-8101}"
SUB_KILN_PORT="${KILN_SUBDOMAIN_KILN_PORT:-3031}"
SUB_STATE="$KILN_STATE/hub-subdomains"
SUB_HUB="http://localhost:$SUB_PORT"
SUB_KILN_PUBLIC="http://kiln--service.localhost:$SUB_PORT/services/kiln"

hub_up() { curl -sf "http://127.0.0.1:$SUB_API_PORT/hub/api/" >/dev/null; }
kiln_up() { curl -sf "http://127.0.0.1:$SUB_KILN_PORT/services/kiln/api/health" >/dev/null; }

start() {
  [[ -f $KILN_ROOT/.next/BUILD_ID ]] || { log "start the main stack first (scripts/stack-up.sh)"; exit 1; }
  mkdir -p "$SUB_STATE"
  if ! pid_alive "$KILN_STATE/kiln-subdomains.pid" || ! kiln_up; then
    stop_pid "$KILN_STATE/kiln-subdomains.pid"
    # This Kiln also runs launch links in "confirm" mode, so the tests see both modes.
    (cd "$KILN_ROOT" && unset KILN_TEST_HUB_TOKEN && KILN_PUBLIC_URL="$SUB_KILN_PUBLIC" NEXTAUTH_URL="$SUB_KILN_PUBLIC/api/auth" KILN_LINK_LAUNCH=confirm \
      JUPYTERHUB_PUBLIC_URL="$SUB_HUB" JUPYTERHUB_API_URL="http://127.0.0.1:$SUB_API_PORT/hub/api" \
      NODE_ENV=production KILN_PORT="$SUB_KILN_PORT" start_daemon kiln-subdomains node server.mjs)
  fi
  if ! pid_alive "$KILN_STATE/jupyterhub-subdomains.pid" || ! hub_up; then
    stop_pid "$KILN_STATE/jupyterhub-subdomains.pid"
    bash "$KILN_ROOT/scripts/install.sh" hub-package  # the config imports it (kiln_jupyterhub)
    [[ -f $SUB_STATE/proxy.pid ]] && kill "$(cat "$SUB_STATE/proxy.pid")" 2>/dev/null || true
    (cd "$SUB_STATE" && KILN_HUB_STATE="$SUB_STATE" KILN_HUB_PUBLIC_URL="$SUB_HUB" KILN_HUB_BIND_URL="http://127.0.0.1:$SUB_PORT" \
      KILN_SUBDOMAIN_HOST="$SUB_HUB" KILN_PUBLIC_URL="$SUB_KILN_PUBLIC" KILN_URL="http://127.0.0.1:$SUB_KILN_PORT" \
      KILN_HUB_API_BIND_URL="http://127.0.0.1:$SUB_API_PORT" KILN_CHP_API_URL="http://127.0.0.1:$SUB_PROXY_API_PORT" \
      start_daemon jupyterhub-subdomains "$HUB_VENV/bin/jupyterhub" -f "$KILN_ROOT/hub/jupyterhub_config.py")
  fi
  wait_for_daemon "the subdomain Hub" 60 "$KILN_STATE/jupyterhub-subdomains.pid" hub_up || { tail -30 "$KILN_LOGS/jupyterhub-subdomains.log" >&2; exit 1; }
  wait_for_daemon "the subdomain Kiln" 60 "$KILN_STATE/kiln-subdomains.pid" kiln_up || { tail -30 "$KILN_LOGS/kiln-subdomains.log" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  stop)
    stop_pid "$KILN_STATE/jupyterhub-subdomains.pid"
    [[ -f $SUB_STATE/proxy.pid ]] && kill "$(cat "$SUB_STATE/proxy.pid")" 2>/dev/null || true
    stop_pid "$KILN_STATE/kiln-subdomains.pid"
    ;;
  url) echo "$SUB_KILN_PUBLIC/" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
