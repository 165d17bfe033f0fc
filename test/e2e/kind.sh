#!/usr/bin/env bash
# End to end on a real cluster: creates a kind cluster, builds the operator image and loads it
# into the cluster, installs the chart with that image (two replicas, so leader election runs),
# applies the examples into a namespace and waits for every Certificate to be Ready.
#   test/e2e/kind.sh                  # deletes the cluster on success, keeps it on failure
#   KEEP_CLUSTER=1 test/e2e/kind.sh   # keeps it either way
# Needs docker, kind, kubectl and helm on PATH (helm: scripts/build-test-binaries.sh helm builds one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER="${KIND_CLUSTER:-certwright-e2e}"
IMAGE_REPO="${IMAGE_REPO:-certwright}"
IMAGE_TAG="${IMAGE_TAG:-e2e-$(date +%s)}"
RELEASE_NS="${RELEASE_NS:-certwright}"
APP_NS="${APP_NS:-demo}"
KIND_NODE_IMAGE="${KIND_NODE_IMAGE:-}" # e.g. kindest/node:v1.34.0; empty uses kind's default
TIMEOUT="${TIMEOUT:-180s}"
HELM="${HELM:-helm}"

log() { echo "e2e: $*" >&2; }

for tool in docker kind kubectl "$HELM"; do
  command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }
done

dump() {
  log "failed; state of the cluster follows (cluster $CLUSTER kept)"
  kubectl get pods,leases -n "$RELEASE_NS" -o wide || true
  kubectl logs -n "$RELEASE_NS" -l app.kubernetes.io/name=certwright --tail=200 --prefix || true
  kubectl get certificates.certwright.dev,raprofiles.certwright.dev,secrets -n "$APP_NS" || true
  kubectl describe certificates.certwright.dev -n "$APP_NS" || true
}

cleanup() {
  local rc=$?
  if [[ $rc -ne 0 ]]; then dump; return; fi
  if [[ -z "${KEEP_CLUSTER:-}" ]]; then kind delete cluster --name "$CLUSTER"; fi
}
trap cleanup EXIT

if kind get clusters 2>/dev/null | grep -x "$CLUSTER" >/dev/null; then
  log "reusing kind cluster $CLUSTER"
else
  log "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 120s ${KIND_NODE_IMAGE:+--image "$KIND_NODE_IMAGE"}
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

log "building image $IMAGE_REPO:$IMAGE_TAG"
docker build -t "$IMAGE_REPO:$IMAGE_TAG" "$ROOT"
kind load docker-image "$IMAGE_REPO:$IMAGE_TAG" --name "$CLUSTER"

log "installing the chart"
"$HELM" upgrade --install certwright "$ROOT/charts/certwright" \
  --namespace "$RELEASE_NS" --create-namespace \
  --set image.repository="$IMAGE_REPO" \
  --set image.tag="$IMAGE_TAG" \
  --set image.pullPolicy=Never \
  --set replicaCount=2 \
  --set podDisruptionBudget.enabled=true \
  --set logLevel=debug \
  --wait --timeout "$TIMEOUT"
kubectl rollout status -n "$RELEASE_NS" deployment/certwright --timeout "$TIMEOUT"

log "applying the examples into namespace $APP_NS"
kubectl create namespace "$APP_NS" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -n "$APP_NS" \
  -f "$ROOT/examples/00-ra-profile-local.yaml" \
  -f "$ROOT/examples/certificate-server.yaml" \
  -f "$ROOT/examples/certificate-transport.yaml" \
  -f "$ROOT/examples/certificate-signing.yaml" \
  -f "$ROOT/examples/certificate-encryption.yaml"

# kubectl wait fails at once if no object exists yet; the apply above created them.
kubectl wait -n "$APP_NS" --for=condition=Ready cwc --all --timeout "$TIMEOUT"
kubectl get -n "$APP_NS" certificates

log "checking the Secrets"
for secret in $(kubectl get cwc -n "$APP_NS" -o jsonpath='{.items[*].spec.secretName}'); do
  crt="$(kubectl get secret -n "$APP_NS" "$secret" -o jsonpath='{.data.tls\.crt}')"
  key="$(kubectl get secret -n "$APP_NS" "$secret" -o jsonpath='{.data.tls\.key}')"
  [[ -n "$crt" && -n "$key" ]] || { log "secret $secret lacks tls.crt or tls.key"; exit 1; }
done

log "checking leader election: one holder among two replicas"
holder="$(kubectl get lease -n "$RELEASE_NS" certwright-controller -o jsonpath='{.spec.holderIdentity}')"
[[ -n "$holder" ]] || { log "the Lease has no holder"; exit 1; }
log "leader: $holder"

log "checking metrics through the Service (API server proxy, no extra image)"
metrics="$(kubectl get --raw "/api/v1/namespaces/$RELEASE_NS/services/certwright:http-metrics/proxy/metrics")"
grep -q '^certwright_leader' <<<"$metrics" || { log "no certwright metrics on the Service"; exit 1; }

log "passed"
