#!/usr/bin/env bash
# End to end on a throwaway kind cluster, the way a user's cluster runs the baked project:
# bake with the defaults, build the image into a local registry, install Argo CD and Argo Rollouts,
# bootstrap the baked repo's Applications from a local git server, check that staging and production
# sync and turn healthy, that staging serves the image's revision, and that a new production digest
# starts an Argo Rollouts canary step. Runs on GitHub's ubuntu runners (docker, kind, kubectl, git,
# uv); it needs the network to fetch the Argo manifests and the kind node image.
#
# Usage: scripts/e2e-kind.sh [WORK_DIR]    (default build/e2e; KEEP_CLUSTER=1 keeps the cluster)
set -euo pipefail

work_dir=${1:-build/e2e}
template_dir=$(cd "$(dirname "$0")/.." && pwd)
cluster=ml-template-e2e
registry=ml-template-e2e-registry
registry_port=5001
git_port=9418
# Pinned releases: a new Argo version is a deliberate change to this line, tested here first.
argocd_version=v2.13.3
rollouts_version=v1.8.0
prometheus_operator_version=v0.79.2
ingress_nginx_version=controller-v1.12.0
metrics_server_version=v0.7.2

project=ml-service
image="localhost:${registry_port}/${project}"
ghcr_image="ghcr.io/my-org/${project}"

step() { printf '\n==> %s\n' "$*"; }
fail() { echo "e2e: $*" >&2; exit 1; }

# Poll `$@` every 5 s until it succeeds, for at most $timeout seconds.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting for ${what}"
    sleep 5
  done
}

cleanup() {
  [[ -n ${git_daemon_pid:-} ]] && kill "${git_daemon_pid}" 2>/dev/null || true
  [[ -n ${port_forward_pid:-} ]] && kill "${port_forward_pid}" 2>/dev/null || true
  if [[ -z ${KEEP_CLUSTER:-} ]]; then
    kind delete cluster --name "${cluster}" >/dev/null 2>&1 || true
    docker rm -f "${registry}" >/dev/null 2>&1 || true
  fi
}

for tool in docker kind kubectl git uv make curl; do
  command -v "${tool}" >/dev/null || fail "${tool} is not installed"
done
trap cleanup EXIT

step "Baking the template with its defaults into ${work_dir}"
rm -rf "${work_dir}"
mkdir -p "${work_dir}/git"
uv run --frozen cookiecutter --no-input --output-dir "${work_dir}" "${template_dir}"
repo=$(cd "${work_dir}/${project}" && pwd)
bare="$(cd "${work_dir}/git" && pwd)/${project}.git"

step "Creating the kind cluster with a local registry"
docker run --detach --restart=always --name "${registry}" \
  --publish "127.0.0.1:${registry_port}:5000" registry:2 >/dev/null
kind create cluster --name "${cluster}" --wait 120s --config - <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
containerdConfigPatches:
  - |-
    [plugins."io.containerd.grpc.v1.cri".registry]
      config_path = "/etc/containerd/certs.d"
EOF
docker network connect kind "${registry}"
# Pods pull localhost:<port>/... ; inside a node that name must lead to the registry container.
for node in $(kind get nodes --name "${cluster}"); do
  docker exec "${node}" mkdir -p "/etc/containerd/certs.d/localhost:${registry_port}"
  printf '[host."http://%s:5000"]\n' "${registry}" |
    docker exec -i "${node}" cp /dev/stdin "/etc/containerd/certs.d/localhost:${registry_port}/hosts.toml"
done

step "Installing ingress-nginx and metrics-server: Argo CD reports an Ingress without an address, and an autoscaler without metrics, as unhealthy"
kubectl label node --all ingress-ready=true
kubectl apply -f "https://raw.githubusercontent.com/kubernetes/ingress-nginx/${ingress_nginx_version}/deploy/static/provider/kind/deploy.yaml"
kubectl apply -f "https://github.com/kubernetes-sigs/metrics-server/releases/download/${metrics_server_version}/components.yaml"
# kind's kubelets serve self-signed certificates.
kubectl patch deployment metrics-server --namespace kube-system --type=json \
  -p '[{"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--kubelet-insecure-tls"}]'
kubectl wait --namespace ingress-nginx --for=condition=Available deployment/ingress-nginx-controller --timeout=300s
# The base Ingress names no class, so it needs a default one.
kubectl annotate ingressclass nginx ingressclass.kubernetes.io/is-default-class=true --overwrite

step "Installing Argo CD ${argocd_version}, Argo Rollouts ${rollouts_version} and the ServiceMonitor CRD"
kubectl create namespace argocd
kubectl apply --namespace argocd --server-side \
  -f "https://raw.githubusercontent.com/argoproj/argo-cd/${argocd_version}/manifests/install.yaml"
kubectl create namespace argo-rollouts
kubectl apply --namespace argo-rollouts \
  -f "https://github.com/argoproj/argo-rollouts/releases/download/${rollouts_version}/install.yaml"
kubectl apply --server-side -f "https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${prometheus_operator_version}/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
kubectl wait --namespace argocd --for=condition=Available deployment --all --timeout=300s
kubectl wait --namespace argo-rollouts --for=condition=Available deployment --all --timeout=300s

# Build, push and print the digest of an image of the baked project; $1 labels it apart.
push_image() {
  (cd "${repo}" && IMAGE="${image}" TAG="$1" BUILD_FLAGS="--label e2e.build=$1" make image) >&2
  docker push --quiet "${image}:$1" >&2
  docker inspect --format '{{index .RepoDigests 0}}' "${image}:$1" | cut -d@ -f2
}

step "Building the model and the first image"
cd "${repo}"
git init --quiet --initial-branch=main
git add . && git -c user.name=e2e -c user.email=e2e@example.com commit --quiet -m "Baked project"
make install model
first_revision=$(git rev-parse HEAD)
first_digest=$(push_image first)

step "Serving the baked repo from a local git server, pinned to ${first_digest}"
gateway=$(docker network inspect kind --format '{{range .IPAM.Config}}{{.Gateway}} {{end}}' | tr ' ' '\n' | grep -m1 '\.')
repo_url="git://${gateway}:${git_port}/${project}.git"
# Argo CD reads this repo instead of GitHub; previews need GitHub's API, so they stay out.
sed -i "s#https://github.com/my-org/${project}.git#${repo_url}#" argocd/*.yaml
rm -f argocd/preview-appset.yaml
for env in staging production; do
  sed -i "s#^\(\s*\)- name: ${ghcr_image}\$#&\n\1  newName: ${image}#" "k8s/overlays/${env}/kustomization.yaml"
  make set-image ENV="${env}" DIGEST="${first_digest}"
done
git -c user.name=e2e -c user.email=e2e@example.com commit --quiet -am "Local registry and git server"
git clone --quiet --bare . "${bare}"
git remote add origin "${bare}" && git fetch --quiet origin && git branch --quiet -u origin/main
git daemon --base-path="$(dirname "${bare}")" --export-all --reuseaddr --listen=0.0.0.0 \
  --port="${git_port}" "$(dirname "${bare}")" &
git_daemon_pid=$!

app_state() { kubectl get application --namespace argocd "$1" -o jsonpath='{.status.sync.status}/{.status.health.status}'; }
synced_and_healthy() { [[ $(app_state "$1") == Synced/Healthy ]]; }

step "Bootstrapping the Applications"
kubectl apply --namespace argocd -f argocd/bootstrap.yaml
for env in staging production; do
  wait_for 600 "${project}-${env} to be synced and healthy" synced_and_healthy "${project}-${env}"
  echo "${project}-${env}: $(app_state "${project}-${env}")"
done

step "Checking that staging serves revision ${first_revision}"
kubectl port-forward --namespace "${project}-staging" "service/${project}-server" 18080:80 >/dev/null &
port_forward_pid=$!
make wait-for-revision URL=http://127.0.0.1:18080 REV="${first_revision}" TIMEOUT=120
make smoke URL=http://127.0.0.1:18080

step "Pinning a second image in production: Argo Rollouts must start the canary"
second_digest=$(push_image second)
make set-image ENV=production DIGEST="${second_digest}"
make publish MESSAGE="deploy(production) e2e" PATHS=k8s/overlays/production
kubectl annotate application --namespace argocd "${project}-production" argocd.argoproj.io/refresh=normal --overwrite
canary_step() {
  local index
  index=$(kubectl get rollout --namespace "${project}-production" "${project}-server" -o jsonpath='{.status.currentStepIndex}')
  [[ -n ${index} && ${index} -ge 1 ]]
}
wait_for 300 "the production Rollout to reach its first canary step" canary_step
kubectl get rollout --namespace "${project}-production" "${project}-server" \
  -o jsonpath='{.status.phase} at step {.status.currentStepIndex}{"\n"}'

step "End to end passed"
