#!/usr/bin/env bash
# Docker Engine from Debian's packages (docker.io), for stacks started with KILN_ENGINE=docker:
# its own daemon on its own socket and data root, with no bridge and no iptables changes (host
# networking only), so it never touches Podman or the host's network. The stack's two images
# are copied in from Podman, where scripts/images.sh builds them.
# Usage: docker-engine.sh start|stop|status
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"
DOCKER_RUN=/run/kiln-docker
docker_cli() { docker -H "unix://$KILN_DOCKER_SOCKET" "$@"; }
engine_up() { curl -sf --unix-socket "$KILN_DOCKER_SOCKET" http://d/_ping >/dev/null; }

install() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return 0
  log "installing Docker Engine (docker.io)"
  # Debian's packages would start the system's daemons (Docker's with a bridge and iptables rules,
  # and containerd): they stay off, masked (`systemctl unmask docker.service docker.socket
  # containerd.service` gives them back). Kiln's dockerd runs a containerd of its own.
  if command -v systemctl >/dev/null; then systemctl mask docker.service docker.socket containerd.service >/dev/null 2>&1 || true; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >"$KILN_LOGS/apt-docker.log" 2>&1 \
    || { tail -20 "$KILN_LOGS/apt-docker.log" >&2; exit 1; }
}

# Copies an image from Podman unless Docker already has the same one (same image id).
copy_image() {
  local image=$1 want have
  want=$(podman image inspect --format '{{.Id}}' "$image")
  have=$(docker_cli image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  [[ $have == "sha256:$want" || $have == "$want" ]] && return 0
  log "copying $image from Podman to Docker Engine"
  podman save --format docker-archive "$image" | docker_cli load >/dev/null
}

case "${1:-start}" in
  start)
    install
    # The registry's pull-only credentials (the ones Podman pulls with), for the Hub's DockerSpawner
    # to send when it asks Docker Engine to pull one of Kiln's images.
    write_engine_pull_auth "$DOCKER_CONFIG/config.json"
    if ! pid_alive "$KILN_STATE/dockerd.pid" || ! engine_up; then
      stop_pid "$KILN_STATE/dockerd.pid"
      mkdir -p "$DOCKER_RUN" "$KILN_STATE/docker"
      rm -f "$KILN_DOCKER_SOCKET"
      # A clean environment: the stack's secrets are no business of the engine's.
      # No bridge, no iptables rules, and no IP forwarding or masquerading turned on for the host.
      start_daemon dockerd env -i PATH="$PATH" HOME="${HOME:-/root}" dockerd --bridge=none --iptables=false --ip6tables=false \
        --ip-forward=false --ip-masq=false \
        --host "unix://$KILN_DOCKER_SOCKET" --data-root "$KILN_STATE/docker" --exec-root "$DOCKER_RUN/exec" --pidfile "$DOCKER_RUN/dockerd.pid"
      wait_for_daemon "Docker Engine" 60 "$KILN_STATE/dockerd.pid" engine_up || { tail -20 "$KILN_LOGS/dockerd.log" >&2; exit 1; }
    fi
    copy_image "$KILN_SINGLEUSER_IMAGE"
    copy_image "$KILN_REPO2DOCKER_IMAGE"
    ;;
  stop) stop_pid "$KILN_STATE/dockerd.pid" ;;
  status) engine_up ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
