#!/usr/bin/env bash
# `prisma generate` offline: the CLI insists on a schema engine binary it would download,
# but generating the client never runs it, so any executable satisfies the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
exec npx --no-install prisma generate
