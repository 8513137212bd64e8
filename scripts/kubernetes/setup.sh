#!/usr/bin/env bash
# What Kiln and the Hub need in the cluster: the namespace, Kiln's service account with its
# least Role (kiln-rbac.yaml) and a kubeconfig for it, the registry Secrets (build pods push
# with push-only credentials, servers pull with the engine's pull-only ones), and a StorageClass
# for homes (no provisioner here: the Hub's spawner binds each claim to a local volume).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../config.sh"
source "$(dirname "$0")/env.sh"
kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig="$K8S_ADMIN_KUBECONFIG" --request-timeout=20s "$@"; }
ns=$KILN_K8S_NAMESPACE

kubectl_admin create namespace "$ns" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
sed "s/@NAMESPACE@/$ns/g" "$KILN_ROOT/scripts/kubernetes/kiln-rbac.yaml" | kubectl_admin apply -f - >/dev/null
sed -e "s|@NAMESPACE@|$ns|g" -e "s|@BUILDER_IMAGE@|$KILN_BUILDER_IMAGE|g" -e "s|@ENGINE_SOCKET@|${DOCKER_HOST#unix://}|g" \
  -e "s|@PUSH_SECRET@|$KILN_K8S_PUSH_SECRET|g" "$KILN_ROOT/scripts/kubernetes/kiln-build-policy.yaml" | kubectl_admin apply -f - >/dev/null

# Secrets go through files in a private directory, never on a command line (`ps` shows those).
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
REGISTRY="$KILN_REGISTRY_ADDR" PUSH_USER=builder PUSH_PASSWORD="$KILN_REGISTRY_BUILDER_PASSWORD" PULL_PASSWORD="$KILN_REGISTRY_PULL_PASSWORD" \
  python3 - "$private" <<'PY'
import base64, json, os, sys
env = os.environ
with open(f"{sys.argv[1]}/credentials", "w") as f:
    json.dump({"registry": env["REGISTRY"], "username": env["PUSH_USER"], "password": env["PUSH_PASSWORD"]}, f)
auth = base64.b64encode(f"engine:{env['PULL_PASSWORD']}".encode()).decode()
with open(f"{sys.argv[1]}/dockerconfig.json", "w") as f:
    json.dump({"auths": {env["REGISTRY"]: {"username": "engine", "password": env["PULL_PASSWORD"], "auth": auth}}}, f)
PY
# Build pods push with credentials that may only add new tags; servers pull with the engine's, which may only pull.
kubectl_admin -n "$ns" create secret generic kiln-build-push --from-file=credentials="$private/credentials" --dry-run=client -o yaml \
  | kubectl_admin apply -f - >/dev/null
kubectl_admin -n "$ns" create secret generic kiln-registry-pull --type=kubernetes.io/dockerconfigjson \
  --from-file=.dockerconfigjson="$private/dockerconfig.json" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null

kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: kiln-local-home}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
YAML
mkdir -p "$KILN_K8S_LOCAL_HOME_ROOT" && chmod 700 "$KILN_K8S_LOCAL_HOME_ROOT"

# Kiln's kubeconfig: its service account's token, renewed on every start.
token=$(kubectl_admin -n "$ns" create token kiln --duration=8760h)
kubeconfig="$KILN_K8S_KUBECONFIG"
(umask 077 && cat >"$kubeconfig.tmp" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$K8S_API", certificate-authority-data: "$(base64 -w0 "$K8S_PKI/ca.crt")"}
users:
- name: kiln
  user: {token: "$token"}
contexts:
- name: local
  context: {cluster: local, user: kiln, namespace: "$ns"}
current-context: local
YAML
)
mv "$kubeconfig.tmp" "$kubeconfig"
