#!/usr/bin/env bash
# Builds the real binaries our tests need (kube-apiserver, etcd, helm, kubectl, step-ca)
# from their published Go modules, into a cache outside the repo keyed by version, and fetches
# the Gateway API CRDs (standard channel) from theirs (gateway-api: a folder of YAML, not a binary).
# Logs "building" or "reused" for each on stderr; prints name=path lines on stdout.
# Honours KUBEBUILDER_ASSETS: when it holds kube-apiserver and etcd, nothing is built for them.
set -euo pipefail

K8S_VERSION="${CERTWRIGHT_K8S_VERSION:-v1.36.3}"
ETCD_VERSION="${CERTWRIGHT_ETCD_VERSION:-v3.6.16}"
HELM_VERSION="${CERTWRIGHT_HELM_VERSION:-v3.22.0}"
STEPCA_VERSION="${CERTWRIGHT_STEPCA_VERSION:-v0.30.2}"
# The newest release the Go this project builds with (1.26) can download (v1.7 needs Go 1.27).
GATEWAY_API_VERSION="${CERTWRIGHT_GATEWAY_API_VERSION:-v1.6.3}"
CACHE_ROOT="${CERTWRIGHT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/certwright}"
WANT="${1:-all}" # all | control-plane | helm | kubectl | step-ca | gateway-api

log() { echo "$*" >&2; }

# go build with retries: the module proxy occasionally drops a connection.
go_build_in() {
  local dir="$1"; shift
  local attempt
  for attempt in 1 2 3; do
    if (cd "$dir" && "$@"); then return 0; fi
    log "build attempt $attempt failed in $dir; retrying"
    sleep 5
  done
  return 1
}

# A command of the kubernetes module (kube-apiserver, kubectl) at K8S_VERSION.
build_k8s_cmd() {
  local cmd="$1"
  local out="$CACHE_ROOT/$cmd-$K8S_VERSION/$cmd"
  if [[ -x "$out" ]]; then log "$cmd $K8S_VERSION: reused $out"; echo "$out"; return; fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local staging_version="v0.${K8S_VERSION#v1.}"
  log "$cmd $K8S_VERSION: building (first run only; takes several minutes)"
  # The module proxy Go itself is configured with (its first HTTP entry), not a name of ours.
  local proxy="${GOPROXY_BASE:-$(go env GOPROXY | tr ',|' '\n\n' | grep -E '^https?://' | head -n 1)}"
  [[ -n "$proxy" ]] || { echo "build-test-binaries: go env GOPROXY names no HTTP proxy; set GOPROXY_BASE" >&2; return 1; }
  curl -fsS "${proxy%/}/k8s.io/kubernetes/@v/$K8S_VERSION.mod" -o "$work/upstream.mod"
  {
    echo "module certwright.dev/build/$cmd"
    echo
    echo "go 1.26"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    # Every ./staging replace of upstream becomes the published v0.Y.Z module.
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$work/upstream.mod" | awk -v v="$staging_version" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  cat > "$work/tools.go" <<GO
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/$cmd"
GO
  local pkg="k8s.io/component-base/version"
  local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  export GOFLAGS="-mod=mod"
  go_build_in "$work" go mod download k8s.io/kubernetes
  # Not every staging module is published (sample-cli-plugin is not); building only the one command needs just the ones it imports.
  go_build_in "$work" go build -tags tools -trimpath -ldflags "$ldflags" -o "$work/$cmd" "k8s.io/kubernetes/cmd/$cmd"
  mkdir -p "$(dirname "$out")"; mv "$work/$cmd" "$out"
  echo "$out"
}

build_etcd() {
  local out="$CACHE_ROOT/etcd-$ETCD_VERSION/etcd"
  if [[ -x "$out" ]]; then log "etcd $ETCD_VERSION: reused $out"; echo "$out"; return; fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  log "etcd $ETCD_VERSION: building"
  cat > "$work/go.mod" <<GO
module certwright.dev/build/etcd

go 1.26

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GO
  cat > "$work/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  export GOFLAGS="-mod=mod"
  go_build_in "$work" go mod tidy
  go_build_in "$work" go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=release" -o "$work/etcd" .
  mkdir -p "$(dirname "$out")"; mv "$work/etcd" "$out"
  echo "$out"
}

build_helm() {
  # -k8sver: built with the Kubernetes-version flags below (an older cache entry lacks them).
  local out="$CACHE_ROOT/helm-$HELM_VERSION-k8sver/helm"
  if [[ -x "$out" ]]; then log "helm $HELM_VERSION: reused $out"; echo "$out"; return; fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  log "helm $HELM_VERSION: building"
  cat > "$work/go.mod" <<GO
module certwright.dev/build/helm

go 1.26

require helm.sh/helm/v3 $HELM_VERSION
GO
  cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "helm.sh/helm/v3/cmd/helm"
GO
  export GOFLAGS="-mod=mod"
  go_build_in "$work" go mod download helm.sh/helm/v3
  # As helm's own Makefile does: the default Kubernetes version (.Capabilities.KubeVersion, lint's
  # deprecation checks) is that of the client-go helm builds with, v0.Y.Z meaning 1.Y.
  local client_go; client_go="$(cd "$work" && go list -m -f '{{.Version}}' k8s.io/client-go)"
  local k8s_minor="${client_go#v0.}"; k8s_minor="${k8s_minor%%.*}"
  local h="helm.sh/helm/v3"
  local ldflags="-s -w -X $h/internal/version.version=$HELM_VERSION -X $h/internal/version.metadata= -X $h/internal/version.gitTreeState=clean"
  ldflags="$ldflags -X $h/pkg/chartutil.k8sVersionMajor=1 -X $h/pkg/chartutil.k8sVersionMinor=$k8s_minor"
  ldflags="$ldflags -X $h/pkg/lint/rules.k8sVersionMajor=1 -X $h/pkg/lint/rules.k8sVersionMinor=$k8s_minor"
  go_build_in "$work" go build -tags tools -trimpath -ldflags "$ldflags" -o "$work/helm" helm.sh/helm/v3/cmd/helm
  mkdir -p "$(dirname "$out")"; mv "$work/helm" "$out"
  echo "$out"
}

build_step_ca() {
  local out="$CACHE_ROOT/step-ca-$STEPCA_VERSION/step-ca"
  if [[ -x "$out" ]]; then log "step-ca $STEPCA_VERSION: reused $out"; echo "$out"; return; fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  log "step-ca $STEPCA_VERSION: building"
  # go install module@version builds with the module's own go.mod (its pinned dependencies), no wrapper needed.
  # CGO_ENABLED=0: a static binary, and no C toolchain needed (the badger/bolt databases are pure Go).
  go_build_in "$work" env CGO_ENABLED=0 GOBIN="$work" GOFLAGS=-trimpath \
    go install -ldflags "-s -w -X main.Version=$STEPCA_VERSION -X main.BuildTime=1970-01-01T00:00:00Z" \
    "github.com/smallstep/certificates/cmd/step-ca@$STEPCA_VERSION"
  mkdir -p "$(dirname "$out")"; mv "$work/step-ca" "$out"
  echo "$out"
}

# The CRDs as the module publishes them (config/crd/standard), copied out of the module cache:
# go mod download fetches through the proxy Go is configured with and verifies the module's sum.
fetch_gateway_api_crds() {
  local out="$CACHE_ROOT/gateway-api-$GATEWAY_API_VERSION/crds"
  if [[ -f "$out/gateway.networking.k8s.io_httproutes.yaml" ]]; then log "gateway-api $GATEWAY_API_VERSION: reused $out"; echo "$out"; return; fi
  local work; work="$(mktemp -d)"; trap 'rm -rf "$work"' RETURN
  log "gateway-api $GATEWAY_API_VERSION: downloading the module"
  local json="" attempt
  for attempt in 1 2 3; do
    # Outside any module, so no go.mod around decides what is downloaded.
    if json="$(cd "$work" && GOFLAGS= go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")"; then break; fi
    log "download attempt $attempt failed: $json"; json=""; sleep 5
  done
  local dir; dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p' <<<"$json")"
  [[ -n "$dir" && -d "$dir/config/crd/standard" ]] || { log "gateway-api: no config/crd/standard in the downloaded module"; return 1; }
  mkdir -p "$work/crds"
  cp "$dir"/config/crd/standard/*.yaml "$work/crds/"
  chmod u+w "$work"/crds/*.yaml # the module cache is read-only
  mkdir -p "$(dirname "$out")"; rm -rf "$out"; mv "$work/crds" "$out"
  echo "$out"
}

has_assets() { [[ -n "${KUBEBUILDER_ASSETS:-}" && -x "$KUBEBUILDER_ASSETS/kube-apiserver" && -x "$KUBEBUILDER_ASSETS/etcd" ]]; }

case "$WANT" in all|control-plane|helm|kubectl|step-ca|gateway-api) ;; *) log "usage: $0 [all|control-plane|helm|kubectl|step-ca|gateway-api]"; exit 2 ;; esac
if [[ "$WANT" == all || "$WANT" == control-plane ]]; then
  if has_assets; then
    log "control plane binaries: using KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS"
    echo "kube-apiserver=$KUBEBUILDER_ASSETS/kube-apiserver"; echo "etcd=$KUBEBUILDER_ASSETS/etcd"
  else
    echo "etcd=$(build_etcd)"; echo "kube-apiserver=$(build_k8s_cmd kube-apiserver)"
  fi
fi
if [[ "$WANT" == all || "$WANT" == helm ]]; then echo "helm=$(build_helm)"; fi
# The real kubectl, for the tests that run the commands our docs print.
if [[ "$WANT" == all || "$WANT" == kubectl ]]; then echo "kubectl=$(build_k8s_cmd kubectl)"; fi
if [[ "$WANT" == all || "$WANT" == step-ca ]]; then echo "step-ca=$(build_step_ca)"; fi
if [[ "$WANT" == all || "$WANT" == gateway-api ]]; then echo "gateway-api-crds=$(fetch_gateway_api_crds)"; fi
