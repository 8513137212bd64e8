#!/usr/bin/env bash
# Builds the images the stack needs from Debian's packages and PyPI (no registry is reachable),
# skipping any that the engine already has. Usage: images.sh [--force]
source "$(dirname "$0")/lib.sh"

SINGLEUSER_IMAGE="${KILN_SINGLEUSER_IMAGE:-localhost/kiln-singleuser:5.5.4}"
REPO2DOCKER_IMAGE="${KILN_REPO2DOCKER_IMAGE:-localhost/kiln-repo2docker:2026.4.0}"
JUPYTERHUB_VERSION=5.5.4
JUPYTERLAB_VERSION=4.6.6
# Notebook 7 serves /tree and /notebooks, which launch links' urlpath and filepath open, as in
# every image repo2docker builds.
NOTEBOOK_VERSION=7.6.5
REPO2DOCKER_VERSION=2026.4.0
ROOTFS_CACHE="$KILN_STATE/rootfs/bookworm-minbase.tar"
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
FORCE=${1:-}

# Images carry the hash of this script, so a changed recipe rebuilds them.
RECIPE=$(cat "${BASH_SOURCE[0]}" "$KILN_ROOT"/images/* | sha256sum | cut -c1-16)

podman_api() { podman --url "unix://$PODMAN_SOCKET" "$@"; }
have_image() {
  [[ $FORCE != --force ]] && podman_api image exists "$1" &&
    [[ $(podman_api image inspect --format '{{ index .Labels "org.kiln.recipe" }}' "$1") == "$RECIPE" ]]
}

# One debootstrap serves every image: it is the slow part (about 45 s).
base_rootfs() {
  [[ -f $ROOTFS_CACHE ]] && return 0
  local dir; dir=$(mktemp -d "$KILN_STATE/debootstrap.XXXX")
  log "debootstrap bookworm from $MIRROR"
  chmod 755 "$dir"  # mktemp's 0700 would become the image's /, unreadable to jovyan
  debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >"$KILN_LOGS/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $KILN_LOGS/debootstrap.log"; tail -20 "$KILN_LOGS/debootstrap.log" >&2; exit 1; }
  mkdir -p "$(dirname "$ROOTFS_CACHE")"
  tar -C "$dir" -cf "$ROOTFS_CACHE.tmp" . && mv "$ROOTFS_CACHE.tmp" "$ROOTFS_CACHE"
  rm -rf "$dir"
}

# in_chroot DIR SCRIPT: run a shell script inside DIR with the host's DNS and /proc.
in_chroot() {
  local dir=$1 script=$2
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # The host's CA bundle may hold a TLS-intercepting proxy's CA that the image's own bundle lacks.
  cp -L "${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}" "$dir/kiln-host-ca.crt"
  cp -r "$KILN_ROOT/images" "$dir/kiln-images"
  mount -t proc proc "$dir/proc"
  local rc=0
  # Images must be readable by jovyan whatever umask the caller has.
  (umask 022 && chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/kiln-host-ca.crt SSL_CERT_FILE=/kiln-host-ca.crt ${PIP_INDEX_URL:+PIP_INDEX_URL=$PIP_INDEX_URL} \
    /bin/bash -euo pipefail -c "$script") || rc=$?
  umount "$dir/proc"
  rm -rf "$dir/kiln-host-ca.crt" "$dir/kiln-images"
  return $rc
}

# build_image NAME SCRIPT CHANGES...: unpack the base rootfs, run SCRIPT inside, import with CHANGES.
build_image() {
  local name=$1 script=$2; shift 2
  base_rootfs
  local dir; dir=$(mktemp -d "$KILN_STATE/image.XXXX")
  tar -C "$dir" -xf "$ROOTFS_CACHE"
  chmod 755 "$dir"
  log "building $name (log: $KILN_LOGS/image-build.log)"
  if ! in_chroot "$dir" "$script" >>"$KILN_LOGS/image-build.log" 2>&1; then
    log "building $name failed; the end of its log:"; tail -30 "$KILN_LOGS/image-build.log" >&2
    rm -rf "$dir"; exit 1
  fi
  rm -rf "$dir/var/lib/apt/lists/"* "$dir/var/cache/apt/archives/"*.deb "$dir/root/.cache"
  local args=(--change "LABEL org.kiln.recipe=$RECIPE")
  for change in "$@"; do args+=(--change "$change"); done
  tar -C "$dir" -c . | podman_api import "${args[@]}" - "$name" >/dev/null
  rm -rf "$dir"
}

if have_image "$SINGLEUSER_IMAGE"; then
  log "image $SINGLEUSER_IMAGE present"
else
  build_image "$SINGLEUSER_IMAGE" "
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates git tini >/dev/null
    python3 -m venv /opt/venv
    /opt/venv/bin/pip install -q jupyterhub==$JUPYTERHUB_VERSION jupyterlab==$JUPYTERLAB_VERSION notebook==$NOTEBOOK_VERSION
    useradd --create-home --uid 1000 --shell /bin/bash jovyan
  " \
    'ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENV HOME=/home/jovyan' 'ENV SHELL=/bin/bash' 'USER jovyan' 'WORKDIR /home/jovyan' \
    'ENTRYPOINT ["tini", "-g", "--"]' 'CMD ["jupyterhub-singleuser"]' 'EXPOSE 8888'
fi

if have_image "$REPO2DOCKER_IMAGE"; then
  log "image $REPO2DOCKER_IMAGE present"
else
  # podman inside is a remote client of the host engine (CONTAINER_HOST); repo2docker picks the
  # podman CLI because DOCKER_HOST names a podman socket. On Docker Engine it picks docker: the
  # CLI alone from Debian's docker.io (no daemon), behind a shim for buildx (images/docker-shim.sh).
  build_image "$REPO2DOCKER_IMAGE" "
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3 python3-venv ca-certificates git podman >/dev/null
    python3 -m venv /opt/venv
    /opt/venv/bin/pip install -q jupyter-repo2docker==$REPO2DOCKER_VERSION
    install -m 755 /kiln-images/podman-shim.sh /usr/local/bin/podman
    cd /tmp && apt-get download -qq docker.io && dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x -C / ./usr/bin/docker && rm docker.io_*.deb
    install -m 755 /kiln-images/docker-shim.sh /usr/local/bin/docker
  " \
    'ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'ENV DOCKER_HOST=unix:///run/podman/podman.sock' 'ENV CONTAINER_HOST=unix:///run/podman/podman.sock' \
    'WORKDIR /srv' 'CMD ["jupyter-repo2docker", "--help"]'
fi
