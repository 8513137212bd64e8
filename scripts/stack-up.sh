#!/usr/bin/env bash
# Brings the whole local stack up on 127.0.0.1 (idempotent) and prints where to go.
# Usage: stack-up.sh [--kubernetes]   (or KILN_MODE=kubernetes): builds as pods and servers
# through KubeSpawner on a local single-node cluster, instead of Podman and DockerSpawner.
source "$(dirname "$0")/lib.sh"
started=$SECONDS
case "${1:-}" in
  --kubernetes) KILN_MODE=kubernetes ;;
  "") KILN_MODE="${KILN_MODE:-docker}" ;;
  *) echo "usage: $0 [--kubernetes]" >&2; exit 2 ;;
esac
[[ $KILN_MODE == docker || $KILN_MODE == kubernetes ]] || { log "KILN_MODE must be docker or kubernetes"; exit 2; }
export KILN_MODE
echo "$KILN_MODE" >"$KILN_STATE/mode"
# The container engine in docker mode: podman (default) or docker (Docker Engine, KILN_ENGINE=docker).
KILN_ENGINE="${KILN_ENGINE:-podman}"
[[ $KILN_ENGINE == podman || $KILN_ENGINE == docker ]] || { log "KILN_ENGINE must be podman or docker"; exit 2; }
[[ $KILN_MODE == docker || $KILN_ENGINE == podman ]] || { log "KILN_ENGINE=docker needs KILN_MODE=docker"; exit 2; }
export KILN_ENGINE
echo "$KILN_ENGINE" >"$KILN_STATE/engine"

bash "$KILN_ROOT/scripts/install.sh"
source "$KILN_ROOT/scripts/config.sh"
bash "$KILN_ROOT/scripts/engine.sh" start
bash "$KILN_ROOT/scripts/images.sh"
# Proves the engine runs containers, through the same API that Kiln and DockerSpawner use.
# A long-running Podman 4.3 service can get stuck failing every attach ("write child: broken
# pipe") while the podman CLI works: then the service is restarted once (containers keep running).
for try in 1 2; do
  out=$(podman --url "unix://$PODMAN_SOCKET" run --rm --pull=never "$KILN_SINGLEUSER_IMAGE" jupyterhub-singleuser --version 2>&1) && break
  [[ $try == 2 ]] && { log "the engine could not start a container from $KILN_SINGLEUSER_IMAGE: $out"; exit 1; }
  log "the engine could not start a container ($out); restarting its API service"
  bash "$KILN_ROOT/scripts/engine.sh" stop
  bash "$KILN_ROOT/scripts/engine.sh" start
done
if [[ $KILN_ENGINE == docker ]]; then
  bash "$KILN_ROOT/scripts/docker-engine.sh" start
  out=$(docker -H "$DOCKER_HOST" run --rm --network host "$KILN_SINGLEUSER_IMAGE" jupyterhub-singleuser --version 2>&1) \
    || { log "Docker Engine could not start a container from $KILN_SINGLEUSER_IMAGE: $out"; exit 1; }
else
  bash "$KILN_ROOT/scripts/docker-engine.sh" stop
fi
bash "$KILN_ROOT/scripts/postgres.sh" start
bash "$KILN_ROOT/scripts/registry.sh" start
if [[ $KILN_MODE == kubernetes ]]; then
  bash "$KILN_ROOT/scripts/kubernetes/build.sh"
  bash "$KILN_ROOT/scripts/kubernetes/cluster.sh" up
  bash "$KILN_ROOT/scripts/kubernetes/setup.sh"
else
  bash "$KILN_ROOT/scripts/kubernetes/cluster.sh" down >/dev/null
fi
(cd "$KILN_ROOT" && npx --no-install tsx scripts/migrate.ts)
bash "$KILN_ROOT/scripts/postgres.sh" secure
bash "$KILN_ROOT/scripts/hub.sh" start
bash "$KILN_ROOT/scripts/kiln.sh" start

health="$KILN_HUB_PUBLIC_URL/services/kiln/api/health"
if ! wait_for "Kiln's health check" 60 curl -sf "$health"; then
  log "Kiln is up but reports a part down:"; curl -s "$health" >&2; echo >&2; exit 1
fi

cat <<MSG

  Kiln is running in $KILN_MODE mode$([[ $KILN_ENGINE == docker ]] && echo " on Docker Engine") (ready in $((SECONDS - started))s). Open:

      $KILN_HUB_PUBLIC_URL/services/kiln/

  Sign in on the Hub's page with any demo account, password "$KILN_DEMO_PASSWORD":
      $KILN_DEMO_ADMIN (Hub admin, Kiln moderator), ${KILN_DEMO_USERS//,/, }

  Logs: $KILN_LOGS    Stop: scripts/stack-down.sh

MSG
