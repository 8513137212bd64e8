#!/usr/bin/env bash
# Builds the Kubernetes binaries the local cluster needs from the Go module proxy, once per
# version: a wrapper module maps k8s.io/kubernetes' ./staging replaces to the published modules
# (`go install k8s.io/kubernetes/cmd/...` is refused because of them). Also fetches Debian's
# containerd and etcd (extracted, never installed: no services, no /etc changes).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/env.sh"

# One build at a time: a second caller (CI starts one early) waits for it, then finds the binaries.
mkdir -p "$K8S_OPT"
exec 9>"$K8S_OPT/build.lock"
flock 9

commands=(kube-apiserver kubelet kube-controller-manager kube-scheduler kubectl)
all_present() { for cmd in "${commands[@]}" containerd etcd pause; do [[ -x $K8S_BIN/$cmd ]] || return 1; done; }
all_present && exit 0
command -v go >/dev/null || { log "Kubernetes mode builds the cluster with Go >= 1.24 (https://go.dev/dl/); install it and run again"; exit 1; }
started=$SECONDS
work="$K8S_OPT/src"
mkdir -p "$K8S_BIN" "$work/mod" "$work/debs" "$work/pause"
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOCACHE="$K8S_OPT/gocache" GOTOOLCHAIN=local

# The wrapper module: require k8s.io/kubernetes and replace every staging module by its release.
# Its one program is all five commands, chosen by the name it is called by (as hyperkube was):
# the packages they share compile once either way, and one link costs a fifth of five.
cd "$work/mod"
if [[ ! -f go.sum ]] || ! grep -q "k8s.io/kubernetes v$K8S_VERSION" go.mod || [[ ! -f main.go ]]; then
  go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" >/dev/null
  kmod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$K8S_VERSION.mod"
  {
    printf 'module kilnk8s\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
    grep -oE '^\s*k8s.io/[a-z0-9-]+ => ./staging' "$kmod" | awk -v v="0.${K8S_VERSION#1.}" '{print "\t"$1" => "$1" v"v}'
    printf ')\n'
  } >go.mod
  rm -f tools.go
  cat >main.go <<'GO'
// The local cluster's Kubernetes commands in one program, chosen by the name it is called by
// (each is a link to it): what each command's own main package does, nothing more.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones (kube-apiserver, kube-controller-manager)

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's credential plugins
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	switch name := filepath.Base(os.Args[0]); name {
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubelet":
		os.Exit(cli.Run(kubelet.NewKubeletCommand(context.Background())))
	case "kubectl":
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "%s: call this as kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or kubectl\n", name)
		os.Exit(2)
	}
}
GO
  go mod tidy
fi
minor=${K8S_VERSION#1.}; minor=${minor%%.*}
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=v$K8S_VERSION"
if [[ ! -x $K8S_BIN/kube ]]; then
  t=$SECONDS
  # No DWARF from the compiler either (the linker strips it anyway): less compile work, smaller cache.
  go build -trimpath -gcflags=all=-dwarf=false -ldflags "$ldflags" -o "$K8S_BIN/kube.tmp" .
  mv "$K8S_BIN/kube.tmp" "$K8S_BIN/kube"
  log "built Kubernetes v$K8S_VERSION (${commands[*]}) in $((SECONDS - t))s"
fi
for cmd in "${commands[@]}"; do ln -sfn kube "$K8S_BIN/$cmd"; done

# Debian's containerd 1.6 and etcd 3.4, unpacked beside the binaries (after the Go builds: a
# build started beside stack-up's apt-get finds apt free by then).
if [[ ! -x $K8S_BIN/containerd || ! -x $K8S_BIN/etcd ]]; then
  # (_apt cannot write here, so apt downloads as root and says so; its package lists may be stale on a new machine.)
  (cd "$work/debs" && rm -f ./*.deb && { apt-get download containerd etcd-server 2>/dev/null || { apt-get update -qq && apt-get download containerd etcd-server; }; } >/dev/null \
    && for deb in *.deb; do dpkg -x "$deb" root; done)
  cp "$work/debs/root/usr/bin/"{containerd,containerd-shim-runc-v2,ctr,etcd} "$K8S_BIN/"
fi

# The sandbox ("pause") container: no registry is reachable, so a static one is built here.
if [[ ! -x $K8S_BIN/pause ]]; then
  cd "$work/pause"
  cat >main.go <<'GO'
// Holds a pod's namespaces: waits for a signal to exit and reaps orphaned children.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
GO
  printf 'module pause\n\ngo 1.24.0\n' >go.mod
  go build -trimpath -ldflags '-s -w' -o "$K8S_BIN/pause" .
fi
log "Kubernetes v$K8S_VERSION binaries ready in $K8S_BIN ($((SECONDS - started))s)"
