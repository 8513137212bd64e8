# Shared by the stack scripts: locations, ports and small helpers. Sourced, never run.
set -euo pipefail
# Whatever the caller's umask, files the stack writes (images, state) are readable by others.
umask 022

KILN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KILN_STATE="${KILN_STATE:-/var/lib/kiln}"
KILN_LOGS="$KILN_STATE/logs"
KILN_OPT="${KILN_OPT:-/opt/kiln}"
HUB_VENV="$KILN_OPT/hub-venv"
R2D_VENV="$KILN_OPT/r2d-venv"
PODMAN_SOCKET="${PODMAN_SOCKET:-/run/podman/podman.sock}"
HUB_PORT="${HUB_PORT:-8000}"
HUB_API_PORT="${HUB_API_PORT:-8081}"
KILN_PORT="${KILN_PORT:-3030}"
export NEXT_TELEMETRY_DISABLED=1
mkdir -p "$KILN_STATE" "$KILN_LOGS" "$KILN_OPT"

log() { printf '\033[1m[kiln]\033[0m %s\n' "$*" >&2; }

# wait_for NAME SECONDS COMMAND...: retry COMMAND until it succeeds or time runs out.
wait_for() {
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then log "$name did not come up within ${seconds}s"; return 1; fi
    sleep 0.5
  done
}

# wait_for_daemon NAME SECONDS PIDFILE COMMAND...: like wait_for, but gives up at once if the
# daemon recorded in PIDFILE exits.
wait_for_daemon() {
  local name=$1 seconds=$2 pidfile=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ! pid_alive "$pidfile"; then log "$name exited while starting"; return 1; fi
    if ((SECONDS >= deadline)); then log "$name did not come up within ${seconds}s"; return 1; fi
    sleep 0.5
  done
}

# pid_alive FILE: the process recorded in FILE is running.
# Runs a command only on CPU nobody else wants (SCHED_IDLE, where allowed; else nice 19). Nice 19
# alone still took about a third of the machine from the end-to-end tests beside it.
idle_priority() {
  if chrt -i 0 true 2>/dev/null; then chrt -i 0 nice -n 19 "$@"; else nice -n 19 "$@"; fi
}

pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid FILE: stop the process group recorded in FILE, politely then firmly.
stop_pid() {
  local file=$1 pid
  [[ -f $file ]] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# start_daemon NAME COMMAND...: run COMMAND in its own session, logging to $KILN_LOGS/NAME.log.
start_daemon() {
  local name=$1; shift
  setsid "$@" >>"$KILN_LOGS/$name.log" 2>&1 < /dev/null &
  echo $! >"$KILN_STATE/$name.pid"
}

# write_engine_pull_auth FILE: the engine's own registry credentials, which the registry's gate
# lets pull and nothing else, as a Docker/Podman auth file only root can read. Needs config.sh.
write_engine_pull_auth() {
  local file=$1 auth; auth=$(printf 'engine:%s' "$KILN_REGISTRY_PULL_PASSWORD" | base64 -w0)
  mkdir -p "$(dirname "$file")"
  (umask 077 && printf '{"auths":{"%s":{"auth":"%s"}}}\n' "${KILN_REGISTRY_ADDR:-127.0.0.1:5000}" "$auth" >"$file")
}
