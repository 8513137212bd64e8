# Sourced by the Kubernetes scripts after lib.sh: where the local cluster lives, and its ports.
# v1.34 is deliberate: this host has cgroup v1 (v1.35 refuses it by default) and Debian's containerd 1.6.
K8S_VERSION="${K8S_VERSION:-1.34.4}"
K8S_OPT="$KILN_OPT/kubernetes"
K8S_BIN="$K8S_OPT/v$K8S_VERSION/bin"
K8S_STATE="$KILN_STATE/kubernetes"
K8S_RUN="$K8S_STATE/run"
K8S_PKI="$K8S_STATE/pki"
K8S_API_PORT="${K8S_API_PORT:-16443}"
K8S_API="https://127.0.0.1:$K8S_API_PORT"
K8S_ADMIN_KUBECONFIG="$K8S_STATE/admin.kubeconfig"
K8S_NAMESPACE="${K8S_NAMESPACE:-kiln}"
CONTAINERD_SOCKET="$K8S_RUN/containerd/containerd.sock"
export PATH="$K8S_BIN:$PATH"
