#!/bin/bash
# repo2docker speaks `docker buildx`. On Docker Engine (KILN_ENGINE=docker) the builder uses the
# Docker CLI from Debian's docker.io (20.10), which has no buildx plugin; the buildx calls
# repo2docker makes are Docker's own `docker build` with BuildKit, which the daemon has built in:
# - `buildx version`, which repo2docker probes;
# - `buildx build`: --load is what `docker build` does anyway; --push builds, then pushes the tag;
#   steps run on the host's network, as every container here does (the daemon has no bridge).
if [[ $1 == buildx && $2 == version ]]; then exec /usr/bin/docker version --format 'buildx: docker build with BuildKit, Docker {{.Client.Version}}'; fi
if [[ $1 == buildx && $2 == build ]]; then
  args=() push=false tag=""
  for ((i = 3; i <= $#; i++)); do
    arg=${!i}
    case $arg in
      --load) continue ;;
      --push) push=true; continue ;;
      --tag) next=$((i + 1)); tag=${!next} ;;
    esac
    args+=("$arg")
  done
  DOCKER_BUILDKIT=1 /usr/bin/docker build --network host "${args[@]}" || exit $?
  if $push; then
    echo "Pushing $tag"
    exec /usr/bin/docker push "$tag"
  fi
  exit 0
fi
exec /usr/bin/docker "$@"
