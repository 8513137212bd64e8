#!/usr/bin/env bash
# Kiln itself: builds when the sources changed, then serves on 127.0.0.1 behind the Hub's proxy.
# Usage: kiln.sh start|stop|restart|kill
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

kiln_up() { curl -s -o /dev/null "$KILN_URL/services/kiln/api/health"; }

needs_build() {
  [[ -f $KILN_ROOT/.next/BUILD_ID ]] || return 0
  [[ -n $(cd "$KILN_ROOT" && find app components lib proxy.ts next.config.ts package-lock.json postcss.config.mjs \
    -newer .next/BUILD_ID -type f -not -path 'lib/generated/*' -print -quit) ]]
}

# Which checkout and build the running Kiln serves; another one means restart.
# (server.mjs is not built: its own hash says when it changed.)
stamp() { echo "$KILN_ROOT $(cat "$KILN_ROOT/.next/BUILD_ID" 2>/dev/null) $KILN_MODE $KILN_ENGINE $(sha256sum <"$KILN_ROOT/server.mjs" | cut -c1-16)"; }

start() {
  if pid_alive "$KILN_STATE/kiln.pid" && kiln_up && ! needs_build && [[ $(cat "$KILN_STATE/kiln.stamp" 2>/dev/null) == "$(stamp)" ]]; then
    return 0
  fi
  stop_pid "$KILN_STATE/kiln.pid"
  cd "$KILN_ROOT"
  if needs_build; then
    log "building Kiln (next build)"
    npx --no-install next build >"$KILN_LOGS/next-build.log" 2>&1 || { tail -40 "$KILN_LOGS/next-build.log" >&2; exit 1; }
  fi
  # The tests' admin token is the Hub's business and the tests', never Kiln's. server.mjs is
  # Next's handler as `next start` runs it (host, port, keep-alive), plus a 405 for TRACE.
  (unset KILN_TEST_HUB_TOKEN && NODE_ENV=production KILN_PORT="$KILN_PORT" start_daemon kiln node server.mjs)
  stamp >"$KILN_STATE/kiln.stamp"
  wait_for_daemon Kiln 60 "$KILN_STATE/kiln.pid" kiln_up || { tail -30 "$KILN_LOGS/kiln.log" >&2; exit 1; }
}

case "${1:-start}" in
  start) start ;;
  stop) stop_pid "$KILN_STATE/kiln.pid" ;;
  restart) stop_pid "$KILN_STATE/kiln.pid"; start ;;
  # As a crash would: no chance to clean up (the tests use it to prove builds survive it).
  kill) [[ -f $KILN_STATE/kiln.pid ]] && kill -KILL -- "-$(cat "$KILN_STATE/kiln.pid")" 2>/dev/null; rm -f "$KILN_STATE/kiln.pid" ;;
  *) echo "usage: $0 start|stop|restart|kill" >&2; exit 2 ;;
esac
