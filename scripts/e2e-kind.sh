#!/usr/bin/env bash
# End to end on a throwaway kind cluster, the way a user's cluster runs the baked project, with the
# promotion model of docs/delivery.md: bake with the defaults, build images into a local registry,
# install Argo CD, Argo Rollouts and a Prometheus (Prometheus Operator), and serve the baked repo from
# a local git server. Then, with the project's own `make render` / `make publish` / `make rollback`:
#   1. the first image goes to env/staging and env/production (revision 1: no canary); both sync;
#   2. a good image goes through staging and then production's canary, whose analysis passes every
#      weight under load; the Rollout completes;
#   3. a bad image (every inference fails, probes stay green) aborts at the first analysis; the
#      rollback commit returns production to the good image;
#   4. a preview whose pull request moved it into production (a NamespaceTransformer in its overlay)
#      fails its whole sync in the preview project, and production keeps its own objects.
# The local remote enforces the rulesets `make rulesets` writes (scripts/e2e-rulesets-hook.py, a
# pre-receive hook), so each environment's branch takes pushes from its own App only: the staging
# App's id cannot push env/production. Argo CD's sync and health are checked at each step. Runs on GitHub's ubuntu runners (docker, kind,
# kubectl, git, uv); it needs the network for the manifests, the kind node image and curl's image.
#
# Usage: scripts/e2e-kind.sh [WORK_DIR]    (default build/e2e; KEEP_CLUSTER=1 keeps the cluster)
set -euo pipefail

work_dir=${1:-build/e2e}
template_dir=$(cd "$(dirname "$0")/.." && pwd)
cluster=ml-template-e2e
registry=ml-template-e2e-registry
registry_port=5001
git_port=9418
# Pinned releases: the versions the CRD schemas of the tests come from.
argocd_version=v3.5.1
rollouts_version=v1.9.1
prometheus_operator_version=v0.93.0
ingress_nginx_version=controller-v1.12.0
metrics_server_version=v0.7.2

project=ml-service
package=ml_service
image="localhost:${registry_port}/${project}"
ghcr_image="ghcr.io/my-org/${project}"
production="${project}-production"
rollout="${project}-server"

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

for tool in docker kind kubectl git uv make curl sha256sum; do
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

step "Installing Argo CD ${argocd_version}, Argo Rollouts ${rollouts_version} and the Prometheus Operator ${prometheus_operator_version}"
kubectl create namespace argocd
kubectl apply --namespace argocd --server-side \
  -f "https://raw.githubusercontent.com/argoproj/argo-cd/${argocd_version}/manifests/install.yaml"
kubectl create namespace argo-rollouts
kubectl apply --namespace argo-rollouts \
  -f "https://github.com/argoproj/argo-rollouts/releases/download/${rollouts_version}/install.yaml"
kubectl apply --server-side \
  -f "https://github.com/prometheus-operator/prometheus-operator/releases/download/${prometheus_operator_version}/bundle.yaml"
kubectl wait --namespace argocd --for=condition=Available deployment --all --timeout=300s
kubectl wait --namespace argo-rollouts --for=condition=Available deployment --all --timeout=300s
kubectl wait --namespace default --for=condition=Available deployment/prometheus-operator --timeout=300s

step "Starting a Prometheus at prometheus-operated.monitoring.svc, where the AnalysisTemplate looks"
kubectl apply -f - <<'EOF'
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: prometheus
  namespace: monitoring
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: e2e-prometheus
rules:
  - apiGroups: [""]
    resources: [services, endpoints, pods]
    verbs: [get, list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: e2e-prometheus
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: e2e-prometheus
subjects:
  - kind: ServiceAccount
    name: prometheus
    namespace: monitoring
---
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: e2e
  namespace: monitoring
spec:
  serviceAccountName: prometheus
  serviceMonitorSelector: {}
  serviceMonitorNamespaceSelector: {}
  ruleSelector: {}
  ruleNamespaceSelector: {}
  scrapeInterval: 15s
EOF
prometheus_ready() { [[ $(kubectl get prometheus e2e -n monitoring -o jsonpath='{.status.availableReplicas}') -ge 1 ]]; }
wait_for 300 "the Prometheus to run" prometheus_ready

# Build, push and print the digest of an image of the baked project; $1 labels it apart.
push_image() {
  (cd "${repo}" && IMAGE="${image}" TAG="$1" BUILD_FLAGS="--label e2e.build=$1" make image) >&2
  docker push --quiet "${image}:$1" >&2
  docker inspect --format '{{index .RepoDigests 0}}' "${image}:$1" | cut -d@ -f2
}

# The good image with every inference failing after start-up, while /healthz and /readyz stay green:
# only the canary analysis can tell.
push_bad_image() {
  local context
  context=$(mktemp -d)
  cat >"${context}/sitecustomize.py" <<'EOF'
"""e2e fault injection: after a few runs (any check at load), every onnxruntime inference raises."""
import onnxruntime

_run = onnxruntime.InferenceSession.run
_calls = [0]


def _failing_run(self, *args, **kwargs):
    _calls[0] += 1
    if _calls[0] > 3:
        raise RuntimeError("e2e: injected inference fault")
    return _run(self, *args, **kwargs)


onnxruntime.InferenceSession.run = _failing_run
EOF
  printf 'FROM %s:%s\nCOPY sitecustomize.py /opt/e2e/\nENV PYTHONPATH=/opt/e2e\n' "${image}" "$1" >"${context}/Dockerfile"
  docker build --quiet --tag "${image}:bad" "${context}" >&2
  docker push --quiet "${image}:bad" >&2
  docker inspect --format '{{index .RepoDigests 0}}' "${image}:bad" | cut -d@ -f2
}

step "Pointing the baked repo at the local registry and git server"
cd "${repo}"
gateway=$(docker network inspect kind --format '{{range .IPAM.Config}}{{.Gateway}} {{end}}' | tr ' ' '\n' | grep -m1 '\.')
repo_url="git://${gateway}:${git_port}/${project}.git"
# Argo CD reads this repo instead of GitHub; previews need GitHub's API, so they stay out.
sed -i "s#https://github.com/my-org/${project}.git#${repo_url}#" argocd/*.yaml
rm -f argocd/preview-appset.yaml
for env in staging production; do
  sed -i -e "s#^\(\s*\)- name: ${ghcr_image}\$#&\n\1  newName: ${image}#" \
    -e "s#^\(\s*\)- name: ${ghcr_image}-batch\$#&\n\1  newName: ${image}-batch#" "k8s/overlays/${env}/kustomization.yaml"
done
git init --quiet --initial-branch=main
git add . && git -c user.name=e2e -c user.email=e2e@example.com commit --quiet -m "Baked project, local registry and git server"
git clone --quiet --bare . "${bare}"
git remote add origin "${bare}" && git fetch --quiet origin && git branch --quiet -u origin/main
git daemon --base-path="$(dirname "${bare}")" --export-all --reuseaddr --listen=0.0.0.0 \
  --port="${git_port}" "$(dirname "${bare}")" &
git_daemon_pid=$!
source_commit=$(git rev-parse HEAD)
export GIT_AUTHOR_NAME=e2e GIT_AUTHOR_EMAIL=e2e@example.com GIT_COMMITTER_NAME=e2e GIT_COMMITTER_EMAIL=e2e@example.com

step "Building the model and the images"
make install model

step "Enforcing the rulesets on the local remote: each App pushes only its own environment's branch"
# Each App pushes with its id in DELIVERY_APP_ID; the hook checks every push against the rulesets.
staging_app=101
production_app=202
make rulesets STAGING_APP_ID="${staging_app}" PRODUCTION_APP_ID="${production_app}"
install -m 0755 "${template_dir}/scripts/e2e-rulesets-hook.py" "${bare}/hooks/pre-receive"
cp -r build/rulesets "${bare}/rulesets"
model_sha256=$(sha256sum artifacts/model.onnx | cut -d' ' -f1)
first_digest=$(push_image first)
good_digest=$(push_image good)
bad_digest=$(push_bad_image good)

# What the staging and canary jobs of deliver do: render at the source commit, commit to env/<env>
# with that environment's App. Prints the commit that env/<env> is at afterwards.
deliver() {
  local env=$1 digest=$2 record app=${staging_app}
  [[ ${env} == production ]] && app=${production_app}
  record=$(mktemp)
  make render ENV="${env}" SOURCE="${source_commit}" DIGEST="${digest}" >&2
  DELIVERY_APP_ID=${app} make publish ENV="${env}" SOURCE="${source_commit}" DIGEST="${digest}" MODEL_SHA256="${model_sha256}" RECORD="${record}" >&2
  sed -n 's/^commit=//p' "${record}"
}

app_state() { kubectl get application --namespace argocd "$1" -o jsonpath='{.status.sync.status}/{.status.health.status}'; }
synced_and_healthy() {
  kubectl annotate application --namespace argocd "$1" argocd.argoproj.io/refresh=normal --overwrite >/dev/null
  [[ $(app_state "$1") == Synced/Healthy ]]
}
rollout_field() { kubectl get rollout --namespace "${production}" "${rollout}" -o jsonpath="$1"; }
rollout_image() { rollout_field '{.status.stableRS}' >/dev/null && kubectl get replicaset --namespace "${production}" -l "rollouts-pod-template-hash=$(rollout_field '{.status.stableRS}')" -o jsonpath='{.items[0].spec.template.spec.containers[0].image}'; }
rollout_completed_on() {
  [[ $(rollout_field '{.status.phase}') == Healthy ]] &&
    [[ $(rollout_field '{.status.stableRS}') == "$(rollout_field '{.status.currentPodHash}')" ]] &&
    [[ $(rollout_image) == *"$1" ]]
}
rollout_aborted() { [[ $(rollout_field '{.status.abort}') == true ]]; }
check_apps() {
  for env in staging production; do
    wait_for "$1" "${project}-${env} to be synced and healthy" synced_and_healthy "${project}-${env}"
    echo "${project}-${env}: $(app_state "${project}-${env}")"
  done
}

step "First delivery: ${first_digest} to env/staging and env/production (revision 1 has no canary)"
deliver staging "${first_digest}" >/dev/null
make render ENV=production SOURCE="${source_commit}" DIGEST="${first_digest}"
if DELIVERY_APP_ID=${staging_app} make publish ENV=production SOURCE="${source_commit}" DIGEST="${first_digest}" MODEL_SHA256="${model_sha256}"; then
  fail "the staging App pushed env/production"
fi
deliver production "${first_digest}" >/dev/null
kubectl apply --namespace argocd -f argocd/bootstrap.yaml
check_apps 600
wait_for 300 "the Rollout to run the first image" rollout_completed_on "${first_digest}"
[[ $(kubectl get deployment --namespace "${production}" "${rollout}" -o jsonpath='{.spec.replicas}') == 0 ]] ||
  fail "the production Deployment runs pods of its own"

step "Checking that staging serves revision ${source_commit}"
kubectl port-forward --namespace "${project}-staging" "service/${project}-server" 18080:80 >/dev/null &
port_forward_pid=$!
make wait-for-revision URL=http://127.0.0.1:18080 REV="${source_commit}" DIGEST="${first_digest}" TIMEOUT=120
make smoke URL=http://127.0.0.1:18080
row=$(curl -fsS http://127.0.0.1:18080/model |
  uv run --frozen python -c "import json, sys; from ${package}.delivery.smoke import typical_row; print(json.dumps(typical_row(json.load(sys.stdin))))")

step "Loading production from inside the cluster, so every canary has traffic to be judged on"
kubectl create namespace load
kubectl create configmap predict-body --namespace load --from-literal=body.json="${row}"
kubectl apply --namespace load -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: load
spec:
  replicas: 1
  selector:
    matchLabels: {app: load}
  template:
    metadata:
      labels: {app: load}
    spec:
      containers:
        - name: curl
          image: curlimages/curl:8.11.1
          command: ["sh", "-c"]
          args:
            - while true; do curl -s -o /dev/null -H 'Content-Type: application/json' --data @/body/body.json http://${rollout}.${production}.svc/predict; sleep 0.05; done
          volumeMounts:
            - {name: body, mountPath: /body}
      volumes:
        - name: body
          configMap: {name: predict-body}
EOF
kubectl wait --namespace load --for=condition=Available deployment/load --timeout=300s

step "Good image ${good_digest}: staging, then production's canary, judged at every weight"
deliver staging "${good_digest}" >/dev/null
wait_for 600 "staging to run the good image" synced_and_healthy "${project}-staging"
deliver production "${good_digest}" >/dev/null
# Three weights, each judged for about five minutes.
wait_for 1500 "the canary of the good image to complete" rollout_completed_on "${good_digest}"
passed=$(kubectl get analysisrun --namespace "${production}" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Successful$')
((passed >= 3)) || fail "expected three successful analysis runs, saw ${passed}"
check_apps 300

step "Bad image ${bad_digest}: the first analysis must fail and abort the canary"
deliver staging "${bad_digest}" >/dev/null
promotion=$(deliver production "${bad_digest}")
wait_for 900 "the canary of the bad image to abort" rollout_aborted
kubectl get analysisrun --namespace "${production}" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -q '^Failed$' ||
  fail "the canary aborted without a failed analysis run"

step "Rolling back ${promotion}: a revert commit on env/production, then the good image again"
DELIVERY_APP_ID=${production_app} make rollback ENV=production PROMOTION="${promotion}"
git --git-dir="${bare}" log -1 --format=%B env/production | grep -q "^Reverts: ${promotion}$" ||
  fail "env/production's tip does not revert ${promotion}"
again=$(DELIVERY_APP_ID=${production_app} make --no-print-directory rollback ENV=production PROMOTION="${promotion}")
[[ ${again} == *"already rolled back"* ]] || fail "a second rollback was not a no-op: ${again}"
wait_for 600 "production to run the good image again" rollout_completed_on "${good_digest}"
check_apps 600

step "A preview moved into production by its pull request: the preview project refuses the whole sync"
git checkout --quiet -b hijack
cat >k8s/overlays/preview/hijack.yaml <<EOF
apiVersion: builtin
kind: NamespaceTransformer
metadata:
  name: hijack
  namespace: ${production}
EOF
printf '\ntransformers:\n  - hijack.yaml\n' >>k8s/overlays/preview/kustomization.yaml
git add k8s/overlays/preview && git commit --quiet -m "A preview overlay that moves everything into production"
git push --quiet origin hijack
git checkout --quiet main
# The Application the preview ApplicationSet makes for pull request 1 (see argocd/preview-appset.yaml).
kubectl apply -f - <<EOF
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${project}-pr-1
  namespace: argocd
spec:
  project: ${project}-preview
  source:
    repoURL: ${repo_url}
    targetRevision: refs/heads/hijack
    path: k8s/overlays/preview
    kustomize:
      namespace: ${project}-pr-1
  destination:
    server: https://kubernetes.default.svc
    namespace: ${project}-pr-1
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [FailOnSharedResource=true]
EOF
preview_refused() {
  kubectl get application --namespace argocd "${project}-pr-1" -o jsonpath='{.status.operationState.message}' |
    grep -q "is not permitted in project '${project}-preview'"
}
wait_for 300 "the moved preview's sync to be refused" preview_refused
[[ $(kubectl get deployment --namespace "${production}" -o name | wc -l) == 1 ]] ||
  fail "the preview put a Deployment into production"
if kubectl get namespace "${project}-pr-1" >/dev/null 2>&1; then
  fail "the refused sync created its namespace"
fi
kubectl delete application --namespace argocd "${project}-pr-1" --wait=false
check_apps 300

step "End to end passed"
