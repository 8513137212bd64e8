#!/usr/bin/env bash
# The container engine: Podman serving the Docker Engine API on a unix socket.
# Usage: engine.sh start|stop|status
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"
ENGINE_AUTH_FILE=/run/containers/0/auth.json

configure() {
  # crun fails on this hybrid cgroup setup; the default ulimits exceed the hard nofile limit;
  # host networking keeps every container and build step off private address ranges.
  local conf=/etc/containers/containers.conf
  if ! grep -q '# kiln' "$conf" 2>/dev/null; then
    mkdir -p /etc/containers
    cat >"$conf" <<'CONF'
# kiln: written by scripts/engine.sh
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]
netns = "host"

[engine]
runtime = "runc"
CONF
  fi
  # The local registry speaks plain HTTP on loopback, as a production engine's insecure-registries allows.
  local registries=/etc/containers/registries.conf.d/kiln.conf
  if [[ ! -f $registries ]]; then
    mkdir -p "$(dirname "$registries")"
    printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "${KILN_REGISTRY_ADDR:-127.0.0.1:5000}" >"$registries"
  fi
}

# The engine pulls Kiln's images from the registry with credentials of its own, which may only
# pull (DockerSpawner asks it to pull without any). Podman's API reads root's default auth file for that (it ignores
# REGISTRY_AUTH_FILE); the file is the engine's, never mounted into a container.

engine_up() { curl -sf --unix-socket "$PODMAN_SOCKET" http://d/_ping >/dev/null; }

case "${1:-start}" in
  start)
    configure
    write_engine_pull_auth "$ENGINE_AUTH_FILE"
    if pid_alive "$KILN_STATE/podman.pid" && engine_up; then exit 0; fi
    mkdir -p "$(dirname "$PODMAN_SOCKET")"
    rm -f "$PODMAN_SOCKET"
    # A clean environment: the stack's secrets are no business of the engine's.
    start_daemon podman env -i PATH="$PATH" HOME="${HOME:-/root}" podman system service --time=0 "unix://$PODMAN_SOCKET"
    wait_for "the container engine" 30 engine_up
    ;;
  stop) stop_pid "$KILN_STATE/podman.pid" ;;
  status) engine_up ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
