#!/usr/bin/env bash
# Stops everything stack-up.sh started, restoring the host settings the cluster changed.
# Data (database, images, volumes) is kept; PURGE=1 also removes the cluster's state.
source "$(dirname "$0")/lib.sh"
bash "$KILN_ROOT/scripts/subdomain-stack.sh" stop
bash "$KILN_ROOT/scripts/kiln.sh" stop
bash "$KILN_ROOT/scripts/hub.sh" stop
bash "$KILN_ROOT/scripts/kubernetes/cluster.sh" down
bash "$KILN_ROOT/scripts/registry.sh" stop
bash "$KILN_ROOT/scripts/engine.sh" stop
bash "$KILN_ROOT/scripts/postgres.sh" stop
log "stack stopped"
