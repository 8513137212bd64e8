#!/usr/bin/env bash
# Installs what the stack needs, skipping whatever is already in place.
# Usage: install.sh            everything
#        install.sh hub-package  only Kiln's JupyterHub package (hub/), when its files changed
source "$(dirname "$0")/lib.sh"

# hub/ as pip installs it into the Hub's virtualenv; a change to any of these means reinstall.
hub_package_stamp() { cat "$KILN_ROOT/hub/pyproject.toml" "$KILN_ROOT"/hub/kiln_jupyterhub/*.py | sha256sum | cut -c1-16; }
install_hub_package() {
  [[ "$(cat "$HUB_VENV/.kiln-hub-package" 2>/dev/null)" == "$(hub_package_stamp)" ]] && return 0
  log "installing Kiln's JupyterHub package (hub/) into $HUB_VENV"
  # Not editable: the Hub runs what an admin's Hub would, a built package. Same version, new files: reinstall.
  "$HUB_VENV/bin/pip" install -q --no-deps --force-reinstall "$KILN_ROOT/hub" >"$KILN_LOGS/hub-package.log" 2>&1 \
    || { tail -20 "$KILN_LOGS/hub-package.log" >&2; exit 1; }
  hub_package_stamp >"$HUB_VENV/.kiln-hub-package"
}
if [[ ${1:-} == hub-package ]]; then install_hub_package; exit 0; fi

export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES=(podman runc postgresql chromium debootstrap docker-registry git curl ca-certificates openssl python3-venv)
JUPYTERHUB_SPEC="jupyterhub==5.5.4 dockerspawner==14.0.0 jupyterhub-kubespawner==7.1.0"

if [[ $(id -u) -ne 0 ]]; then log "run this as root (it installs Debian packages and starts system services)"; exit 1; fi

node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; }
if ! node_ok; then
  log "Node.js 20.19 or newer is required (found: $(node --version 2>/dev/null || echo none)); installing Debian's nodejs and npm"
  apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  node_ok || { log "Debian's Node.js is too old; install Node.js 20.19+ (e.g. from nodesource) and run this again"; exit 1; }
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$KILN_LOGS/apt.log" 2>&1 \
    || { tail -20 "$KILN_LOGS/apt.log" >&2; exit 1; }
fi
# Debian starts these on install; the stack runs its own instances.
systemctl disable --now docker-registry >/dev/null 2>&1 || true

if [[ ! -x $HUB_VENV/bin/jupyterhub ]] || [[ "$(cat "$HUB_VENV/.kiln-spec" 2>/dev/null)" != "$JUPYTERHUB_SPEC" ]]; then
  log "installing JupyterHub, DockerSpawner and KubeSpawner into $HUB_VENV"
  python3 -m venv "$HUB_VENV"
  # shellcheck disable=SC2086
  "$HUB_VENV/bin/pip" install -q $JUPYTERHUB_SPEC
  echo "$JUPYTERHUB_SPEC" >"$HUB_VENV/.kiln-spec"
fi
install_hub_package

cd "$KILN_ROOT"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing npm packages"
  npm ci --no-fund --no-audit --loglevel=error
fi
if [[ ! -f lib/generated/prisma/client.ts ]] || [[ prisma/schema.prisma -nt lib/generated/prisma/client.ts ]]; then
  bash scripts/prisma-generate.sh >/dev/null
fi
