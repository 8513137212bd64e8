#!/usr/bin/env bash
# What Kiln and the Hub need in the cluster: the namespace, Kiln's service account with its
# least Role (kiln-rbac.yaml) and a kubeconfig for it, the registry Secrets (build pods push
# with Kiln's credentials, servers pull with the engine's pull-only ones), and a StorageClass
# for homes (no provisioner here: the Hub's spawner binds each claim to a local volume).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../config.sh"
source "$(dirname "$0")/env.sh"
kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig="$K8S_ADMIN_KUBECONFIG" --request-timeout=20s "$@"; }
ns=$KILN_K8S_NAMESPACE

kubectl_admin create namespace "$ns" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null
sed "s/@NAMESPACE@/$ns/g" "$KILN_ROOT/scripts/kubernetes/kiln-rbac.yaml" | kubectl_admin apply -f - >/dev/null

credentials=$(printf '{"registry":"%s","username":"%s","password":"%s"}' "$KILN_REGISTRY_ADDR" "$KILN_REGISTRY_USERNAME" "$KILN_REGISTRY_PASSWORD")
kubectl_admin -n "$ns" create secret generic kiln-build-push --from-literal=credentials="$credentials" --dry-run=client -o yaml \
  | kubectl_admin apply -f - >/dev/null
kubectl_admin -n "$ns" create secret docker-registry kiln-registry-pull --docker-server="$KILN_REGISTRY_ADDR" \
  --docker-username=engine --docker-password="$KILN_REGISTRY_PULL_PASSWORD" --dry-run=client -o yaml | kubectl_admin apply -f - >/dev/null

kubectl_admin apply -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: kiln-local-home}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
YAML
mkdir -p "$KILN_K8S_LOCAL_HOME_ROOT"

# Kiln's kubeconfig: its service account's token, renewed on every start.
token=$(kubectl_admin -n "$ns" create token kiln --duration=8760h)
kubeconfig="$KILN_K8S_KUBECONFIG"
rm -f "$kubeconfig.tmp"
k=("$K8S_BIN/kubectl" config --kubeconfig="$kubeconfig.tmp")
"${k[@]}" set-cluster local --server="$K8S_API" --certificate-authority="$K8S_PKI/ca.crt" --embed-certs=true >/dev/null
"${k[@]}" set-credentials kiln --token="$token" >/dev/null
"${k[@]}" set-context local --cluster=local --user=kiln --namespace="$ns" >/dev/null
"${k[@]}" use-context local >/dev/null
chmod 600 "$kubeconfig.tmp" && mv "$kubeconfig.tmp" "$kubeconfig"
