#!/usr/bin/env bash
# Stops everything stack-up.sh started. Data (database, images, volumes) is kept.
source "$(dirname "$0")/lib.sh"
bash "$KILN_ROOT/scripts/subdomain-stack.sh" stop
bash "$KILN_ROOT/scripts/kiln.sh" stop
bash "$KILN_ROOT/scripts/hub.sh" stop
bash "$KILN_ROOT/scripts/registry.sh" stop
bash "$KILN_ROOT/scripts/engine.sh" stop
bash "$KILN_ROOT/scripts/postgres.sh" stop
log "stack stopped"
