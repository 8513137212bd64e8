#!/usr/bin/env bash
# A real single-node Kubernetes on 127.0.0.1 (the path ../shared/k8s/RECIPE.md verified):
# containerd and etcd from Debian, the control plane and kubelet built by build.sh. No bridge,
# no kube-proxy, no cluster DNS: pods use the host network. Usage: cluster.sh up|down|status
# `down` restores every host setting kubelet changed; PURGE=1 also deletes the cluster's state.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../config.sh"
source "$(dirname "$0")/env.sh"
CONF="$K8S_STATE/conf"
HOST_PATHS="/run/containerd /var/lib/kubelet /usr/libexec/kubernetes /var/log/containers"
# Whether PATH existed before the cluster first came up here (then it is not the cluster's to remove).
existed_before() { grep -qx "$1" "$K8S_STATE/paths-before" 2>/dev/null; }
LOGS="$KILN_LOGS/kubernetes"
kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig="$K8S_ADMIN_KUBECONFIG" --request-timeout=10s "$@"; }
ctr_k8s() { "$K8S_BIN/ctr" -a "$CONTAINERD_SOCKET" -n k8s.io "$@"; }
pidfile() { echo "$K8S_RUN/$1.pid"; }
k8s_daemon() {
  local name=$1; shift
  pid_alive "$(pidfile "$name")" && return 0
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$(pidfile "$name")"
}

# Certificates and kubeconfigs, made once with openssl (no kubeadm here).
pki() {
  mkdir -p "$K8S_PKI" && cd "$K8S_PKI"
  [[ -f ca.crt ]] || openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=kiln-local-cluster" 2>/dev/null
  [[ -f etcd-ca.crt ]] || openssl req -x509 -newkey rsa:2048 -nodes -keyout etcd-ca.key -out etcd-ca.crt -days 3650 -subj "/CN=kiln-local-etcd" 2>/dev/null
  cert() { # NAME CN ORG [SUBJECT_ALT_NAMES] [CA]
    local ca=${5:-ca}
    # Kept while its CA still signs it (an older stack's etcd certificates were the main CA's).
    [[ -f $1.crt ]] && openssl verify -CAfile "$ca.crt" "$1.crt" >/dev/null 2>&1 && return 0
    local subject="/CN=$2"; [[ -n $3 ]] && subject="/O=$3/CN=$2"
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$subject" 2>/dev/null
    { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
      if [[ -n ${4:-} ]]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$4"; else echo "extendedKeyUsage=clientAuth"; fi
    } >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -out "$1.crt" -days 3650 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
  }
  # 198.18.0.1: the first address of the service range (a benchmark range, never routed).
  cert apiserver kube-apiserver "" "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:198.18.0.1"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert admin admin system:masters
  cert controller-manager system:kube-controller-manager ""
  cert scheduler system:kube-scheduler ""
  cert kubelet-client system:node:localhost system:nodes
  cert kubelet-serving localhost "" "DNS:localhost,IP:127.0.0.1"
  # etcd asks every caller for a certificate of its own CA (builds and servers share this
  # loopback): only the API server holds one.
  cert etcd-server localhost "" "DNS:localhost,IP:127.0.0.1" etcd-ca
  cert etcd-client kube-apiserver-etcd-client "" "" etcd-ca
  [[ -f sa.key ]] || { openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null; }
  kubeconfig() { # NAME CERT
    local file="$K8S_STATE/$1.kubeconfig" k=("$K8S_BIN/kubectl" config --kubeconfig="$K8S_STATE/$1.kubeconfig")
    [[ -f $file ]] && return 0
    "${k[@]}" set-cluster local --server="$K8S_API" --certificate-authority="$K8S_PKI/ca.crt" --embed-certs=true >/dev/null
    "${k[@]}" set-credentials "$1" --client-certificate="$K8S_PKI/$2.crt" --client-key="$K8S_PKI/$2.key" --embed-certs=true >/dev/null
    "${k[@]}" set-context local --cluster=local --user="$1" >/dev/null
    "${k[@]}" use-context local >/dev/null
  }
  kubeconfig admin admin; kubeconfig controller-manager controller-manager; kubeconfig scheduler scheduler; kubeconfig kubelet kubelet-client
  cd - >/dev/null
}

configure() {
  mkdir -p "$CONF/cni" "$CONF/certs.d/$KILN_REGISTRY_ADDR"
  cat >"$CONF/containerd.toml" <<TOML
version = 2
root = "$K8S_RUN/containerd/root"
state = "$K8S_RUN/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CONTAINERD_SOCKET"
[ttrpc]
  address = "$K8S_RUN/containerd/containerd-ttrpc.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/kiln-k8s-pause:1.0"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # root here lacks CAP_SYS_RESOURCE: a negative oom_score_adj for sandboxes kills runc.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CONF/cni"
  # The local registry speaks plain HTTP on loopback; pods pull from it with an imagePullSecret.
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CONF/certs.d"
TOML
  cat >"$CONF/certs.d/$KILN_REGISTRY_ADDR/hosts.toml" <<TOML
server = "http://$KILN_REGISTRY_ADDR"
[host."http://$KILN_REGISTRY_ADDR"]
  capabilities = ["pull", "resolve"]
TOML
  # Loopback only: hostNetwork pods never call CNI, but the runtime reports ready only with a network config.
  printf '{"cniVersion":"0.4.0","name":"kiln-loopback","plugins":[{"type":"loopback"}]}\n' >"$CONF/cni/10-loopback.conflist"
  # Pods must not inherit the host's resolver, which is on a private address.
  echo "nameserver 127.0.0.1" >"$CONF/resolv.conf"
  cat >"$CONF/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $K8S_PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $K8S_PKI/kubelet-serving.crt
tlsPrivateKeyFile: $K8S_PKI/kubelet-serving.key
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
failSwapOn: false
failCgroupV1: false
resolvConf: $CONF/resolv.conf
podLogsDir: $K8S_RUN/pod-logs
serializeImagePulls: false
# Above Kiln's log cap: a Kiln that restarts mid-build replays the log from the kubelet's
# current file, which must still hold the whole log.
containerLogMaxSize: 64Mi
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
oomScoreAdj: 0
volumePluginDir: $K8S_RUN/kubelet-plugins
makeIPTablesUtilChains: false
YAML
}

# import_image NAME: copies an image from Podman into containerd once (these never come from a registry).
import_image() {
  local name=$1 id
  id=$(podman --url "unix://$PODMAN_SOCKET" image inspect --format '{{.Id}}' "$name")
  [[ $(cat "$K8S_STATE/imported-${name//[\/:]/_}" 2>/dev/null) == "$id" ]] && ctr_k8s images ls -q | grep -qx "$name" && return 0
  log "copying $name into the cluster's containerd"
  podman --url "unix://$PODMAN_SOCKET" save --format docker-archive "$name" | ctr_k8s images import - >/dev/null
  echo "$id" >"$K8S_STATE/imported-${name//[\/:]/_}"
}

pause_image() {
  ctr_k8s images ls -q | grep -qx localhost/kiln-k8s-pause:1.0 && return 0
  local dir; dir=$(mktemp -d)
  cp "$K8S_BIN/pause" "$dir/pause"
  tar -C "$dir" -c pause | podman --url "unix://$PODMAN_SOCKET" import --change 'ENTRYPOINT ["/pause"]' --change 'USER 65535:65535' - localhost/kiln-k8s-pause:1.0 >/dev/null
  rm -rf "$dir"
  import_image localhost/kiln-k8s-pause:1.0
}

up() {
  mkdir -p "$K8S_RUN" "$LOGS" "$K8S_RUN/etcd" "$K8S_RUN/kubelet" "$K8S_RUN/pod-logs"
  pki
  configure
  # kubelet changes these; down restores them.
  [[ -f $K8S_STATE/sysctl.orig ]] || for s in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
    echo "$s=$(sysctl -n "$s")"; done >"$K8S_STATE/sysctl.orig"
  cp "$K8S_STATE/sysctl.orig" "$K8S_STATE/host-before"
  # Paths kubelet and containerd's shims create wherever they are told; down removes only those
  # that were not there before (another runtime on this host may own one).
  [[ -f $K8S_STATE/paths-before ]] || for path in $HOST_PATHS; do [[ -e $path ]] && echo "$path"; done >"$K8S_STATE/paths-before" || true

  k8s_daemon containerd "$K8S_BIN/containerd" --config "$CONF/containerd.toml"
  wait_for containerd 30 ctr_k8s version
  pause_image

  local tls=(--cert-file="$K8S_PKI/etcd-server.crt" --key-file="$K8S_PKI/etcd-server.key" --trusted-ca-file="$K8S_PKI/etcd-ca.crt" --client-cert-auth
    --peer-cert-file="$K8S_PKI/etcd-server.crt" --peer-key-file="$K8S_PKI/etcd-server.key" --peer-trusted-ca-file="$K8S_PKI/etcd-ca.crt" --peer-client-cert-auth)
  k8s_daemon etcd "$K8S_BIN/etcd" --name kiln --data-dir "$K8S_RUN/etcd" "${tls[@]}" \
    --listen-client-urls https://127.0.0.1:23790 --advertise-client-urls https://127.0.0.1:23790 \
    --listen-peer-urls https://127.0.0.1:23800 --initial-advertise-peer-urls https://127.0.0.1:23800 \
    --initial-cluster kiln=https://127.0.0.1:23800 --experimental-watch-progress-notify-interval=5s
  wait_for_daemon etcd 30 "$(pidfile etcd)" curl -sf --cacert "$K8S_PKI/etcd-ca.crt" --cert "$K8S_PKI/etcd-client.crt" --key "$K8S_PKI/etcd-client.key" https://127.0.0.1:23790/health

  k8s_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers=https://127.0.0.1:23790 --etcd-cafile="$K8S_PKI/etcd-ca.crt" --etcd-certfile="$K8S_PKI/etcd-client.crt" --etcd-keyfile="$K8S_PKI/etcd-client.key" \
    --bind-address=127.0.0.1 --secure-port="$K8S_API_PORT" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none --service-cluster-ip-range=198.18.0.0/24 \
    --client-ca-file="$K8S_PKI/ca.crt" --tls-cert-file="$K8S_PKI/apiserver.crt" --tls-private-key-file="$K8S_PKI/apiserver.key" \
    --kubelet-client-certificate="$K8S_PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$K8S_PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=Hostname \
    --service-account-key-file="$K8S_PKI/sa.pub" --service-account-signing-key-file="$K8S_PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true --profiling=false
  wait_for_daemon kube-apiserver 90 "$(pidfile kube-apiserver)" kubectl_admin get --raw /readyz

  k8s_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$K8S_STATE/controller-manager.kubeconfig" --authentication-kubeconfig="$K8S_STATE/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$K8S_STATE/controller-manager.kubeconfig" --bind-address=127.0.0.1 --secure-port=10257 \
    --service-account-private-key-file="$K8S_PKI/sa.key" --root-ca-file="$K8S_PKI/ca.crt" --use-service-account-credentials=true \
    --cluster-signing-cert-file="$K8S_PKI/ca.crt" --cluster-signing-key-file="$K8S_PKI/ca.key" --leader-elect=false --profiling=false
  k8s_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$K8S_STATE/scheduler.kubeconfig" --authentication-kubeconfig="$K8S_STATE/scheduler.kubeconfig" \
    --authorization-kubeconfig="$K8S_STATE/scheduler.kubeconfig" --bind-address=127.0.0.1 --secure-port=10259 --leader-elect=false --profiling=false
  # The node is named localhost, so the API server reaches kubelet (logs, exec) at localhost:10250.
  k8s_daemon kubelet "$K8S_BIN/kubelet" --config="$CONF/kubelet.yaml" --kubeconfig="$K8S_STATE/kubelet.kubeconfig" \
    --hostname-override=localhost --root-dir="$K8S_RUN/kubelet"
  wait_for_daemon "the node" 90 "$(pidfile kubelet)" kubectl_admin wait --for=condition=Ready node/localhost --timeout=2s
  wait_for "the default service account" 60 kubectl_admin get serviceaccount default -n default
}

down() {
  [[ -d $K8S_RUN ]] || return 0  # never brought up here: nothing of ours to stop or restore
  if pid_alive "$(pidfile kube-apiserver)" && kubectl_admin get --raw /readyz >/dev/null 2>&1; then
    kubectl_admin delete pods --all -A --grace-period=2 --wait=true --timeout=60s >/dev/null 2>&1 || true
  fi
  for daemon in kubelet kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pid "$(pidfile "$daemon")"; done
  if [[ -S $CONTAINERD_SOCKET ]]; then
    for task in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks kill -s SIGKILL "$task" >/dev/null 2>&1; done
    sleep 1
    for task in $(ctr_k8s tasks ls -q 2>/dev/null); do ctr_k8s tasks delete -f "$task" >/dev/null 2>&1; done
    for container in $(ctr_k8s containers ls -q 2>/dev/null); do ctr_k8s containers delete "$container" >/dev/null 2>&1; done
  fi
  stop_pid "$(pidfile containerd)"
  # Shims of this containerd only, matched by its socket.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCKET" 2>/dev/null || true
  # (|| true: with pipefail, a grep that finds nothing would end the script here.)
  local mounts="^$K8S_RUN/"
  existed_before /run/containerd || mounts="^($K8S_RUN|/run/containerd)/"
  { findmnt -rn -o TARGET | grep -E "$mounts" | sort -r | while read -r mount; do umount -l "$mount"; done; } || true
  for controller in /sys/fs/cgroup/*/; do
    [[ -d ${controller}kubepods ]] && { find "${controller}kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || true; }
  done
  if [[ -f $K8S_STATE/sysctl.orig ]]; then
    while IFS== read -r key value; do sysctl -qw "$key=$value"; done <"$K8S_STATE/sysctl.orig"
    rm -f "$K8S_STATE/sysctl.orig"
  fi
  for path in $HOST_PATHS; do existed_before "$path" || rm -rf "$path"; done
  [[ ${PURGE:-0} == 1 ]] && rm -rf "$K8S_STATE" && log "removed the cluster's state"
  return 0
}

# Fails, saying what, unless the host is as it was before the cluster first came up.
verify_down() {
  local problems=()
  if [[ -f $K8S_STATE/host-before ]]; then
    while IFS== read -r key value; do
      [[ $(sysctl -n "$key") == "$value" ]] || problems+=("sysctl $key is $(sysctl -n "$key"), was $value")
    done <"$K8S_STATE/host-before"
  fi
  pgrep -f "$K8S_BIN/" >/dev/null && problems+=("processes of the cluster still run: $(pgrep -f "$K8S_BIN/" | tr '\n' ' ')")
  findmnt -rn -o TARGET | grep -q "^$K8S_RUN/" && problems+=("mounts under $K8S_RUN remain")
  compgen -G "/sys/fs/cgroup/*/kubepods" >/dev/null && problems+=("kubepods cgroups remain")
  for path in $HOST_PATHS; do
    [[ -e $path ]] && ! existed_before "$path" && problems+=("$path remains")
  done
  if command -v iptables >/dev/null && iptables -S 2>/dev/null | grep -q KUBE-; then problems+=("KUBE- iptables chains remain"); fi
  if ((${#problems[@]})); then printf 'the host is not as it was: %s\n' "${problems[@]}" >&2; return 1; fi
  log "the cluster is down and the host is as it was before it"
}

case "${1:-up}" in
  up) up; import_image "$KILN_SINGLEUSER_IMAGE"; import_image "$KILN_BUILDER_IMAGE" ;;
  down) down ;;
  verify-down) verify_down ;;
  status) pid_alive "$(pidfile kubelet)" && kubectl_admin get --raw /readyz >/dev/null ;;
  *) echo "usage: $0 up|down|status|verify-down" >&2; exit 2 ;;
esac
