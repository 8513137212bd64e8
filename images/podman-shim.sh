#!/bin/bash
# repo2docker speaks `docker buildx`; Podman 4.3 lacks parts of it, filled in here as Docker does them:
# - `buildx version`, which repo2docker probes;
# - `buildx build --push` (Kubernetes mode: the build pod pushes): build, then push the tag;
# - `login` to a registry on loopback over plain HTTP, as Docker allows for 127.0.0.0/8.
loopback() { [[ $1 == 127.* || $1 == localhost || $1 == localhost:* ]]; }
if [[ $1 == buildx && $2 == version ]]; then exec /usr/bin/podman --version; fi
if [[ $1 == login ]] && loopback "${!#}"; then shift; exec /usr/bin/podman login --tls-verify=false "$@"; fi
if [[ $1 == buildx && $2 == build ]]; then
  args=() push=false tag=""
  for ((i = 3; i <= $#; i++)); do
    arg=${!i}
    if [[ $arg == --push ]]; then push=true; continue; fi
    if [[ $arg == --tag ]]; then next=$((i + 1)); tag=${!next}; fi
    args+=("$arg")
  done
  /usr/bin/podman buildx build "${args[@]}" || exit $?
  if $push; then
    tls=(); loopback "${tag%%/*}" && tls=(--tls-verify=false)
    echo "Pushing $tag"
    exec /usr/bin/podman push "${tls[@]}" "$tag"
  fi
  exit 0
fi
exec /usr/bin/podman "$@"
