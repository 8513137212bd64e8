# Sourced after lib.sh: the stack's configuration, with secrets generated once and kept.
# A .env file at the repository root may override any of it (see .env.example).

# Every service a container can reach on loopback authenticates with one of these: never
# committed, never passed to containers. Secrets missing from an older file are added.
SECRETS="$KILN_STATE/secrets.env"
for name in KILN_HUB_API_TOKEN NEXTAUTH_SECRET KILN_DB_PASSWORD KILN_REGISTRY_PASSWORD KILN_REGISTRY_PULL_PASSWORD KILN_REGISTRY_BUILDER_PASSWORD KILN_TEST_HUB_TOKEN; do
  if ! grep -q "^$name=" "$SECRETS" 2>/dev/null; then
    # In a subshell: a umask of 077 left in this shell would make every file written later private.
    (umask 077 && printf '%s=%s\n' "$name" "$(openssl rand -hex 32)" >>"$SECRETS")
  fi
done
set -a
# shellcheck disable=SC1090
source "$SECRETS"
[[ -f $KILN_ROOT/.env ]] && source "$KILN_ROOT/.env"
KILN_DEMO_PASSWORD="${KILN_DEMO_PASSWORD:-kiln-demo}"
KILN_DEMO_ADMIN="${KILN_DEMO_ADMIN:-admin}"
KILN_DEMO_USERS="${KILN_DEMO_USERS:-alice,bob}"
KILN_SINGLEUSER_IMAGE="${KILN_SINGLEUSER_IMAGE:-localhost/kiln-singleuser:5.5.4}"
KILN_REPO2DOCKER_IMAGE="${KILN_REPO2DOCKER_IMAGE:-localhost/kiln-repo2docker:2026.4.0}"
KILN_HUB_PUBLIC_URL="${KILN_HUB_PUBLIC_URL:-http://127.0.0.1:$HUB_PORT}"
KILN_HUB_API_BIND_URL="${KILN_HUB_API_BIND_URL:-http://127.0.0.1:$HUB_API_PORT}"
KILN_URL="${KILN_URL:-http://127.0.0.1:$KILN_PORT}"
KILN_HUB_STATE="${KILN_HUB_STATE:-$KILN_STATE/hub}"
KILN_CHP_COMMAND="${KILN_CHP_COMMAND:-$KILN_ROOT/node_modules/.bin/configurable-http-proxy}"
# podman (Podman's Docker-compatible API, the default) or docker (Docker Engine from Debian, its
# own daemon: scripts/docker-engine.sh): stack-up.sh records the choice, so later scripts follow.
KILN_ENGINE="${KILN_ENGINE:-$(cat "$KILN_STATE/engine" 2>/dev/null || echo podman)}"
KILN_DOCKER_SOCKET="${KILN_DOCKER_SOCKET:-/run/kiln-docker/docker.sock}"
if [[ $KILN_ENGINE == docker ]]; then
  DOCKER_HOST="unix://$KILN_DOCKER_SOCKET"
  KILN_BUILDER_ENGINE_SOCKET="$KILN_DOCKER_SOCKET"
  # Docker Engine pulls with credentials its client sends: the Hub's DockerSpawner (docker-py)
  # reads them from here (scripts/docker-engine.sh writes the engine's pull-only credentials).
  DOCKER_CONFIG="$KILN_STATE/docker-client"
fi
DOCKER_HOST="${DOCKER_HOST:-unix://$PODMAN_SOCKET}"
DATABASE_URL="${DATABASE_URL:-postgresql://kiln:$KILN_DB_PASSWORD@127.0.0.1:5432/kiln}"
JUPYTERHUB_API_URL="${JUPYTERHUB_API_URL:-$KILN_HUB_API_BIND_URL/hub/api}"
JUPYTERHUB_API_TOKEN="$KILN_HUB_API_TOKEN"
JUPYTERHUB_PUBLIC_URL="$KILN_HUB_PUBLIC_URL"
JUPYTERHUB_SERVICE_PREFIX="/services/kiln/"
NEXTAUTH_URL="${NEXTAUTH_URL:-$KILN_HUB_PUBLIC_URL/services/kiln/api/auth}"
# Builds: the local repo2docker image on Podman's socket, pushing to the local registry.
KILN_BUILDER_IMAGE="${KILN_BUILDER_IMAGE:-$KILN_REPO2DOCKER_IMAGE}"
KILN_BUILDER_ENGINE_SOCKET="${KILN_BUILDER_ENGINE_SOCKET:-$PODMAN_SOCKET}"
# Four at once (Kiln's default is two): the end-to-end suite's parallel workers build at the
# same time, and several of their builds only sleep.
KILN_BUILD_CONCURRENCY="${KILN_BUILD_CONCURRENCY:-4}"
KILN_BUILDER_ENV="${KILN_BUILDER_ENV:-R2D_DATAVERSE_INSTALLATIONS_URL=$KILN_URL/services/kiln/api/dataverse-installations}"
KILN_REGISTRY_ADDR="${KILN_REGISTRY_ADDR:-127.0.0.1:5000}"
KILN_IMAGE_PREFIX="${KILN_IMAGE_PREFIX:-$KILN_REGISTRY_ADDR/kiln-}"
KILN_REGISTRY_PUSH="${KILN_REGISTRY_PUSH:-true}"
KILN_REGISTRY_USERNAME="${KILN_REGISTRY_USERNAME:-kiln}"
# The engine pulls with these too (scripts/engine.sh writes its auth file); containers never see them.
# The end-to-end tests' git server (git daemon) on loopback; builds may fetch from it.
KILN_E2E_GIT_PORT="${KILN_E2E_GIT_PORT:-9418}"
KILN_ALLOWED_HOSTS="${KILN_ALLOWED_HOSTS:-127.0.0.1:$KILN_E2E_GIT_PORT}"
# docker (Podman here, DockerSpawner) or kubernetes (build pods, KubeSpawner, homes on volume
# claims): stack-up.sh --kubernetes chooses it and records it, so later scripts follow.
KILN_MODE="${KILN_MODE:-$(cat "$KILN_STATE/mode" 2>/dev/null || echo docker)}"
if [[ $KILN_MODE == kubernetes ]]; then
  K8S_STATE_DIR="$KILN_STATE/kubernetes"
  KILN_K8S_NAMESPACE="${KILN_K8S_NAMESPACE:-kiln}"
  # Kiln acts with its own service account (scripts/kubernetes/kiln-rbac.yaml); the Hub, like
  # Zero to JupyterHub's, with one that may also manage servers and their volumes.
  KILN_K8S_KUBECONFIG="${KILN_K8S_KUBECONFIG:-$K8S_STATE_DIR/kiln.kubeconfig}"
  KUBECONFIG="${KUBECONFIG:-$K8S_STATE_DIR/admin.kubeconfig}"
  KILN_K8S_HOST_NETWORK=true
  KILN_K8S_PUSH_SECRET=kiln-build-push
  KILN_K8S_SERVER_PULL_SECRET=kiln-registry-pull
  KILN_K8S_STORAGE_CLASS=kiln-local-home
  KILN_K8S_LOCAL_HOME_ROOT="$KILN_STATE/kubernetes-homes"  # outside the cluster's state: PURGE keeps homes
fi
# The one other site allowed to call Kiln's API with a Hub token (CORS): a page the end-to-end
# tests serve there, as a Jupyter Book with Thebe would be.
KILN_E2E_CORS_PORT="${KILN_E2E_CORS_PORT:-9419}"
KILN_CORS_ALLOW_ORIGINS="${KILN_CORS_ALLOW_ORIGINS:-http://127.0.0.1:$KILN_E2E_CORS_PORT}"
set +a
