#!/usr/bin/env bash
# End to end on a throwaway kind cluster, the way a user's cluster runs the baked project, with the
# promotion model of docs/delivery.md: bake with the defaults, build images into a local registry,
# install the Gateway API CRDs, Envoy Gateway with a Gateway for every environment's HTTPRoute, Argo
# CD, Argo Rollouts with its Gateway API plugin and a Prometheus (Prometheus Operator), and serve the
# baked repo from a local git server. Then, with the project's own `make render` / `make publish` /
# `make rollback`:
#   1. the first image goes to env/staging and env/production (revision 1: no canary); both sync, and
#      each answers through the Gateway for its own host name;
#   2. a good image goes through staging and then production's canary: a shadow fed by the HTTPRoute's
#      mirror is judged, then the plugin moves the HTTPRoute's weights to 5, 25 and 50% under load
#      (checked against the live route at every analysis step, across an Argo CD sync), a header
#      reaches the canary, and the Rollout completes with the route back at 0% and no header rule;
#   3. a bad image (every inference fails, probes stay green) aborts at the shadow's analysis or the
#      first weight's, the route goes back to the stable pods; the rollback commit returns production
#      to the good image;
#   4. a preview whose pull request moved it into production (a NamespaceTransformer in its overlay)
#      fails its whole sync in the preview project, and production keeps its own objects.
# The local remote enforces the rulesets `make rulesets` writes (scripts/e2e-rulesets-hook.py, a
# pre-receive hook), so each environment's branch takes pushes from its own App only: the staging
# App's id cannot push env/production. Argo CD's sync and health are checked at each step; the load
# and the runner's requests by host name go through the Gateway. Runs on GitHub's
# ubuntu runners (docker, kind, kubectl, helm, jq, gh, git, uv); it needs the network for the
# manifests, the charts, the kind node image and curl's image.
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
metrics_server_version=v0.7.2
# The standard channel of the Gateway API, the CRDs the baked project's HTTPRoutes are written for.
gateway_api_version=v1.6.1
# Envoy Gateway v1.9.0 is built against Gateway API v1.6.1 (its go.mod), supports RequestMirror with
# a percent, and is installed here without its own Gateway API CRDs (see below).
envoy_gateway_version=v1.9.0

# The Gateway every environment's HTTPRoute names (the bake's gateway_name and gateway_namespace).
# Envoy Gateway runs the Gateway's proxy pods in its own namespace (its default ControllerNamespace
# mode), which is the namespace the NetworkPolicy must admit: the bake's gateway_proxy_namespace.
gateway_name=public
gateway_namespace="gateway-system"
eg_namespace="envoy-gateway-system"
gateway_proxy_namespace=${eg_namespace}
gateway_class="envoy-gateway"
# The Argo Rollouts plugin that moves the HTTPRoute's weights and header routes. Its project publishes
# no checksum file; GitHub records each release asset's sha256 (the API's `digest`), which the
# download must match before the controller is told to run it.
gatewayapi_plugin_version=v0.15.0
gatewayapi_plugin_repo=argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi
gatewayapi_plugin_asset=gatewayapi-plugin-linux-amd64
gatewayapi_plugin_url="https://github.com/${gatewayapi_plugin_repo}/releases/download/${gatewayapi_plugin_version}/${gatewayapi_plugin_asset}"
# The runner reaches the Gateway through a port-forward to its Envoy Service, naming each host.
gateway_port=18081

project=ml-service
package=ml_service
image="localhost:${registry_port}/${project}"
ghcr_image="ghcr.io/my-org/${project}"
production="${project}-production"
rollout="${project}-server"
# The HTTPRoute of every environment, and the host names of the default bake.
route="${project}-server"
staging_host="${project}.staging.example.com"
production_host="${project}.example.com"

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
  [[ -n ${gateway_forward_pid:-} ]] && kill "${gateway_forward_pid}" 2>/dev/null || true
  if [[ -z ${KEEP_CLUSTER:-} ]]; then
    kind delete cluster --name "${cluster}" >/dev/null 2>&1 || true
    docker rm -f "${registry}" >/dev/null 2>&1 || true
  fi
}

for tool in docker kind kubectl helm jq gh git uv make curl sha256sum; do
  command -v "${tool}" >/dev/null || fail "${tool} is not installed"
done
trap cleanup EXIT

step "Checking the Gateway API plugin ${gatewayapi_plugin_version} against the sha256 GitHub records for it"
# Before anything else, so that a missing token (GH_TOKEN) fails in seconds. kind's node is the
# runner's architecture: the linux-amd64 build.
[[ $(uname -m) == x86_64 ]] || fail "the plugin asset ${gatewayapi_plugin_asset} is for x86_64, not $(uname -m)"
plugin_file=$(mktemp)
curl -fsSL --retry 3 -o "${plugin_file}" "${gatewayapi_plugin_url}"
gatewayapi_plugin_sha256=$(sha256sum "${plugin_file}" | cut -d' ' -f1)
rm -f "${plugin_file}"
published=$(gh api "repos/${gatewayapi_plugin_repo}/releases/tags/${gatewayapi_plugin_version}" \
  --jq ".assets[] | select(.name == \"${gatewayapi_plugin_asset}\") | .digest") ||
  fail "GitHub's API did not answer for release ${gatewayapi_plugin_version} of ${gatewayapi_plugin_repo} (is GH_TOKEN set?)"
[[ ${published} =~ ^sha256:[0-9a-f]{64}$ ]] ||
  fail "GitHub records no sha256 for ${gatewayapi_plugin_asset} of ${gatewayapi_plugin_version}: '${published}'"
[[ ${published} == "sha256:${gatewayapi_plugin_sha256}" ]] ||
  fail "${gatewayapi_plugin_url} has sha256 ${gatewayapi_plugin_sha256}; GitHub records ${published}"
echo "${gatewayapi_plugin_asset} ${gatewayapi_plugin_version}: sha256 ${gatewayapi_plugin_sha256}"
# Nothing after this reads GitHub's API: the baked project's builds and hooks do not get the token.
unset GH_TOKEN GITHUB_TOKEN

step "Baking the template with its defaults into ${work_dir}, for a Gateway ${gateway_namespace}/${gateway_name} whose proxies run in ${gateway_proxy_namespace}"
rm -rf "${work_dir}"
mkdir -p "${work_dir}/git"
# The defaults, but for the proxies' namespace: Envoy Gateway's, not the Gateway's own.
uv run --frozen cookiecutter --no-input --output-dir "${work_dir}" "${template_dir}" \
  traffic=gateway-api "gateway_name=${gateway_name}" "gateway_namespace=${gateway_namespace}" \
  "gateway_proxy_namespace=${gateway_proxy_namespace}"
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

step "Installing metrics-server: Argo CD reports an autoscaler without metrics as unhealthy"
kubectl apply -f "https://github.com/kubernetes-sigs/metrics-server/releases/download/${metrics_server_version}/components.yaml"
# kind's kubelets serve self-signed certificates.
kubectl patch deployment metrics-server --namespace kube-system --type=json \
  -p '[{"op": "add", "path": "/spec/template/spec/containers/0/args/-", "value": "--kubelet-insecure-tls"}]'

step "Installing the Gateway API ${gateway_api_version} CRDs (standard channel) and Envoy Gateway ${envoy_gateway_version}"
# The standard channel, as a user's cluster has it and as the baked tests validate against. Envoy
# Gateway's charts bundle Gateway API CRDs too (the experimental channel by default); they are left
# out (crds.gatewayAPI.enabled=false, crds.enabled=false), so no second owner rewrites these, and
# nothing of the experimental channel can make the e2e pass where a standard cluster would not (the
# safe-upgrades ValidatingAdmissionPolicy of v1.6.1 would refuse experimental CRDs over them anyway).
kubectl apply --server-side \
  -f "https://github.com/kubernetes-sigs/gateway-api/releases/download/${gateway_api_version}/standard-install.yaml"
kubectl wait --for=condition=Established --timeout=120s crd/gatewayclasses.gateway.networking.k8s.io \
  crd/gateways.gateway.networking.k8s.io crd/httproutes.gateway.networking.k8s.io
# Envoy Gateway's own CRDs (EnvoyProxy and its policies), then the controller without any CRDs: the
# documented way to install it next to Gateway API CRDs managed separately.
helm template eg-crds oci://docker.io/envoyproxy/gateway-crds-helm --version "${envoy_gateway_version}" \
  --set crds.gatewayAPI.enabled=false --set crds.envoyGateway.enabled=true |
  kubectl apply --server-side -f -
helm install eg oci://docker.io/envoyproxy/gateway-helm --version "${envoy_gateway_version}" \
  --namespace "${eg_namespace}" --create-namespace --set crds.enabled=false --skip-crds
kubectl wait --namespace "${eg_namespace}" --for=condition=Available deployment/envoy-gateway --timeout=300s
# A ClusterIP proxy Service: kind has no load balancer, and Envoy Gateway reports a Gateway behind a
# LoadBalancer Service without an address as not Programmed. The Gateway takes routes from every
# namespace, as a shared Gateway does.
kubectl apply -f - <<EOF
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata:
  name: e2e
  namespace: ${eg_namespace}
spec:
  provider:
    type: Kubernetes
    kubernetes:
      envoyService:
        type: ClusterIP
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: ${gateway_class}
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
  parametersRef:
    group: gateway.envoyproxy.io
    kind: EnvoyProxy
    name: e2e
    namespace: ${eg_namespace}
---
apiVersion: v1
kind: Namespace
metadata:
  name: ${gateway_namespace}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${gateway_name}
  namespace: ${gateway_namespace}
spec:
  gatewayClassName: ${gateway_class}
  listeners:
    - name: http
      protocol: HTTP
      port: 80
      allowedRoutes:
        namespaces:
          from: All
EOF
kubectl wait "gatewayclass/${gateway_class}" --for=condition=Accepted --timeout=120s
kubectl wait --namespace "${gateway_namespace}" "gateway/${gateway_name}" --for=condition=Programmed --timeout=300s
# The Envoy Service of the Gateway, labelled with the Gateway it serves (in the proxies' namespace).
envoy_service_name() {
  kubectl get service --namespace "${gateway_proxy_namespace}" \
    -l "gateway.envoyproxy.io/owning-gateway-name=${gateway_name},gateway.envoyproxy.io/owning-gateway-namespace=${gateway_namespace}" \
    -o jsonpath='{.items[0].metadata.name}'
}
wait_for 120 "the Envoy Service of the Gateway" envoy_service_name
envoy_service=$(envoy_service_name)
echo "Gateway ${gateway_namespace}/${gateway_name}: service/${envoy_service} in ${gateway_proxy_namespace}"

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

step "Registering the Gateway API plugin ${gatewayapi_plugin_version} with Argo Rollouts, pinned by its sha256"
# The controller downloads the plugin when it starts and refuses one whose sha256 differs. The plugin
# runs with the controller's ServiceAccount, which needs the routes and Services it reads and edits.
# The baked project's own file, as docs/deploy.md has users apply it: its pinned sha256 must be the one
# GitHub records for the asset, which the download above matched.
platform="${repo}/k8s/platform/argo-rollouts-gateway-api.yaml"
grep -q "sha256: \"${gatewayapi_plugin_sha256}\"" "${platform}" ||
  fail "${platform} does not pin sha256 ${gatewayapi_plugin_sha256} of ${gatewayapi_plugin_url}"
grep -q "location: \"${gatewayapi_plugin_url}\"" "${platform}" ||
  fail "${platform} does not name ${gatewayapi_plugin_url}"
kubectl apply -f "${platform}"
kubectl rollout restart deployment/argo-rollouts --namespace argo-rollouts
kubectl rollout status deployment/argo-rollouts --namespace argo-rollouts --timeout=300s
# Argo Rollouts logs each download; a sha256 mismatch stops the controller, and the wait above fails.
plugin_downloaded() {
  [[ $(kubectl logs --namespace argo-rollouts deployment/argo-rollouts) == *"Downloading plugin argoproj-labs/gatewayAPI from: ${gatewayapi_plugin_url}"* ]]
}
wait_for 120 "Argo Rollouts to load the Gateway API plugin" plugin_downloaded

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

# The environment's HTTPRoute is Accepted by the Gateway, with every backend resolved, at its current
# generation. Argo CD v3 has a health check for HTTPRoutes (resource_customizations) that reads the
# same conditions, but Ingress health was built into its code; the script checks the route itself, so
# that a route no Gateway serves cannot pass as healthy.
route_accepted() {
  kubectl get httproute --namespace "$1" "${route}" -o json |
    jq -e --arg name "${gateway_name}" --arg namespace "${gateway_namespace}" '
      .metadata.generation as $generation
      | [.status.parents[]? | select(.parentRef.name == $name and .parentRef.namespace == $namespace)
         | [.conditions[] | select(.status == "True" and .observedGeneration == $generation) | .type]
         | index("Accepted") != null and index("ResolvedRefs") != null]
      | any' >/dev/null
}
check_apps() {
  for env in staging production; do
    wait_for "$1" "${project}-${env} to be synced and healthy" synced_and_healthy "${project}-${env}"
    wait_for 120 "the HTTPRoute of ${project}-${env} to be accepted by the Gateway" route_accepted "${project}-${env}"
    echo "${project}-${env}: $(app_state "${project}-${env}"), HTTPRoute accepted by ${gateway_namespace}/${gateway_name}"
  done
}

# A port-forward from the runner to the Gateway's Envoy Service; started again if it died (it ends
# when its pod goes). Call it in the script's own shell, not in $( ).
forward_gateway() {
  if [[ -z ${gateway_forward_pid:-} ]] || ! kill -0 "${gateway_forward_pid}" 2>/dev/null; then
    kubectl port-forward --namespace "${gateway_proxy_namespace}" "service/${envoy_service}" "${gateway_port}:80" >/dev/null 2>&1 &
    gateway_forward_pid=$!
    # Envoy answers any request; one for no known host is a 404.
    wait_for 60 "the port-forward to the Gateway" curl -sS -o /dev/null "http://127.0.0.1:${gateway_port}/"
  fi
}
# GET (or what curl's extra arguments say) http://HOST/PATH through the Gateway, with Host: HOST.
via_gateway() {
  local host=$1 path=$2
  shift 2
  curl -fsS --max-time 10 --connect-to "${host}:80:127.0.0.1:${gateway_port}" "$@" "http://${host}${path}"
}
# What HOST's /model answers through the Gateway: "<image digest> <model sha256>".
served_via_gateway() {
  local host=$1
  shift
  via_gateway "${host}" /model "$@" | jq -r '"\(.image_digest) \(.onnx.sha256)"'
}
# Every one of $1 answers in a row of HOST ($2; curl's extra arguments after $3) through the Gateway
# reports image digest $3 (and the model's sha256). expect_served_now fails at once on another
# answer; expect_served gives Envoy Gateway up to a minute to program a route that just changed.
served_all() {
  local count=$1 host=$2 digest=$3 i
  shift 3
  for ((i = 0; i < count; i++)); do
    [[ $(served_via_gateway "${host}" "$@") == "${digest} ${model_sha256}" ]] || return 1
  done
}
expect_served() {
  wait_for 60 "$1 answers in a row of $2/model through the Gateway (${*:4}) to report $3" served_all "$@"
}
expect_served_now() {
  local count=$1 host=$2 digest=$3 seen i
  shift 3
  for ((i = 0; i < count; i++)); do
    seen=$(served_via_gateway "${host}" "$@") || fail "${host}/model did not answer through the Gateway"
    [[ ${seen} == "${digest} ${model_sha256}" ]] ||
      fail "${host}/model through the Gateway ($*) reports '${seen}', expected '${digest} ${model_sha256}'"
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

step "Checking both environments through the Gateway, by host name"
for env in staging production; do
  host=${staging_host}
  [[ ${env} == production ]] && host=${production_host}
  hostnames=$(kubectl get httproute --namespace "${project}-${env}" "${route}" -o jsonpath='{.spec.hostnames[*]}')
  [[ ${hostnames} == "${host}" ]] || fail "the HTTPRoute of ${env} is for '${hostnames}', expected ${host}"
done
[[ -z $(kubectl get ingress --namespace "${production}" -o name) ]] ||
  fail "a gateway-api bake deployed an Ingress to production"
forward_gateway
expect_served 5 "${staging_host}" "${first_digest}"
expect_served 5 "${production_host}" "${first_digest}"
via_gateway "${production_host}" /predict -H 'Content-Type: application/json' --data "${row}" >/dev/null ||
  fail "POST /predict through the Gateway failed"
# Only the API is public, as the Ingress had it: /metrics stays inside the cluster.
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
  --connect-to "${production_host}:80:127.0.0.1:${gateway_port}" "http://${production_host}/metrics")
[[ ${code} == 404 ]] || fail "/metrics answered ${code} through the Gateway, expected 404 (no route)"
# A host no HTTPRoute names gets nothing.
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
  --connect-to "unknown.example.com:80:127.0.0.1:${gateway_port}" http://unknown.example.com/model)
[[ ${code} == 404 ]] || fail "an unknown host answered ${code} through the Gateway, expected 404"

step "Loading production through the Gateway from inside the cluster, so every canary has traffic to be judged on"
# Through the Gateway, as users come: a canary gets its share only by the HTTPRoute's weights, and
# the shadow only by its mirror. Two clients, so that 5% of the requests still make the analysis's
# minimum of inference requests in its window.
kubectl create namespace load
kubectl create configmap predict-body --namespace load --from-literal=body.json="${row}"
kubectl apply --namespace load -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: load
spec:
  replicas: 2
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
          # A block scalar: in a plain one, the ": " of the headers would start a mapping.
          args:
            - >-
              while true; do curl -s -o /dev/null --max-time 5 -H 'Host: ${production_host}'
              -H 'Content-Type: application/json' --data @/body/body.json
              http://${envoy_service}.${gateway_proxy_namespace}.svc/predict; sleep 0.05; done
          volumeMounts:
            - {name: body, mountPath: /body}
      volumes:
        - name: body
          configMap: {name: predict-body}
EOF
kubectl wait --namespace load --for=condition=Available deployment/load --timeout=300s

# The canary as the Rollout and production's HTTPRoute show it. The Rollout's stableService and
# canaryService are the HTTPRoute's backends; the shadow Service, which the inference rule mirrors
# to, selects the canary's pods by their ephemeral label.
stable_service="${project}-server-stable"
canary_service="${project}-server-canary"
shadow_service="${project}-server-shadow"
production_application="${project}-production"

production_route() { kubectl get httproute --namespace "${production}" "${route}" -o json; }
# "<canary weight>/<stable weight>" of each rule of the HTTPRoute JSON $1 that the plugin weights (all
# but its header rules), each distinct pair once: a single pair when every rule agrees. A backendRef
# without a weight has weight 1 (Gateway API).
route_weights() {
  jq -r --arg canary "${canary_service}" --arg stable "${stable_service}" '
    [.spec.rules[] | select(.name // "" | startswith("canary-header") | not)
     | [(.backendRefs[]? | select(.name == $canary) | .weight // 1),
        (.backendRefs[]? | select(.name == $stable) | .weight // 1)]
     | map(tostring) | join("/")]
    | unique | join(" ")' <<<"$1"
}
# The rules the plugin added for the managed route canary-header, one for each rule it copies
# (canary-header, canary-header-1, ...), by name.
header_rules() {
  jq -r '[.spec.rules[] | .name // empty | select(startswith("canary-header"))] | join(" ")' <<<"$1"
}
# All of the traffic to the stable Service and no header rule: the route as git has it.
route_at_rest() {
  local json
  json=$(production_route)
  [[ $(route_weights "${json}") == 0/100 && -z $(header_rules "${json}") ]]
}

# One line about the Rollout: the current step's index, its kind, its analysis template (or -), the
# weight the steps before it set, the canary weight in the Rollout's status, the canary's pod-template
# hash, and whether the canary of a new revision is running (not aborted).
# shellcheck disable=SC2016 # a jq program: its $names are jq's
rollout_view='
  (.status.currentStepIndex // -1) as $i
  | (.spec.strategy.canary.steps // []) as $steps
  | (if $i >= 0 and $i < ($steps | length) then $steps[$i] else {} end) as $step
  | [$i,
     ($step | keys | first // "none"),
     ($step | .analysis.templates[0].templateName // "-"),
     ([(if $i > 0 then $steps[:$i] else [] end)[] | .setWeight // empty] | last // 0),
     (.status.canary.weights.canary.weight // 0),
     (.status.currentPodHash // "-"),
     ((.status.stableRS // "") != (.status.currentPodHash // "") and (.status.abort // false | not))]
  | map(tostring) | join(" ")'
# Reads the Rollout, the HTTPRoute and the Rollout again into the look_* variables; false when no
# canary runs, or when the Rollout moved between the reads (the next look will tell).
canary_look() {
  local before after
  before=$(kubectl get rollout --namespace "${production}" "${rollout}" -o json | jq -r "${rollout_view}") || return 1
  look_route=$(production_route) || return 1
  after=$(kubectl get rollout --namespace "${production}" "${rollout}" -o json | jq -r "${rollout_view}") || return 1
  [[ ${before} == "${after}" ]] || return 1
  read -r look_index look_kind look_template look_weight look_status_weight look_hash look_running <<<"${before}"
  [[ ${look_running} == true ]]
}
# At a step of the canary: the HTTPRoute's weights are the steps' weight w (canary w, stable 100 - w
# on every rule), the Rollout's status says w, and the header rule is there.
check_canary_look() {
  local want="${look_weight}/$((100 - look_weight))" got headers
  got=$(route_weights "${look_route}")
  headers=$(header_rules "${look_route}")
  [[ ${got} == "${want}" ]] ||
    fail "at step ${look_index} (${look_template}) the HTTPRoute's canary/stable weights are '${got}', expected ${want}"
  [[ ${look_status_weight} == "${look_weight}" ]] ||
    fail "at step ${look_index} (${look_template}) the Rollout's status has canary weight ${look_status_weight}, expected ${look_weight}"
  [[ " ${headers} " == *" canary-header "* ]] ||
    fail "at step ${look_index} (${look_template}) the HTTPRoute has no canary-header rule (header rules: '${headers}')"
}
# The shadow Service has ready endpoints, and every one is a pod of the canary; false when it has none.
check_shadow() {
  local pods pod canary_pods
  pods=$(kubectl get endpointslices --namespace "${production}" -l "kubernetes.io/service-name=${shadow_service}" -o json |
    jq -r '.items[].endpoints[]? | select(.conditions.ready != false) | .targetRef.name // empty')
  [[ -n ${pods} ]] || return 1
  canary_pods=" $(kubectl get pods --namespace "${production}" -l "rollouts-pod-template-hash=${look_hash}" -o jsonpath='{.items[*].metadata.name}') "
  for pod in ${pods}; do
    [[ ${canary_pods} == *" ${pod} "* ]] || fail "the shadow Service sends to ${pod}, not a pod of the canary (${look_hash})"
  done
  echo "shadow Service ${shadow_service}: canary pods ${pods//$'\n'/ }"
}
# The e2e's own sync of production succeeded, and started after $1.
synced_by_e2e() {
  local state
  state=$(kubectl get application --namespace argocd "${production_application}" \
    -o jsonpath='{.status.operationState.operation.initiatedBy.username}/{.status.operationState.phase}/{.status.operationState.startedAt}')
  [[ ${state} == e2e/Succeeded/* && ${state##*/} != "$1" ]]
}
app_synced() { [[ $(kubectl get application --namespace argocd "$1" -o jsonpath='{.status.sync.status}') == Synced ]]; }
# An Argo CD sync in the middle of the canary keeps the plugin's weights and header rules: the
# Application ignores them (ignoreDifferences) and its syncs apply only what differs once they are
# ignored (ApplyOutOfSyncOnly=true). A hard refresh, then the sync `argocd app sync` would ask for (an
# operation with the Application's own sync options), then the route again.
sync_mid_canary() {
  local application before weights headers step generation tries=0
  application=$(kubectl get application --namespace argocd "${production_application}" -o json)
  jq -e '.spec.syncPolicy.syncOptions // [] | index("ApplyOutOfSyncOnly=true") != null' <<<"${application}" >/dev/null ||
    fail "${production_application} syncs without ApplyOutOfSyncOnly=true, so a sync resets the canary's weights"
  jq -e '[.spec.ignoreDifferences[]? | select(.group == "gateway.networking.k8s.io" and .kind == "HTTPRoute")] | length > 0' \
    <<<"${application}" >/dev/null || fail "${production_application} ignores no difference of the HTTPRoute"
  before=$(jq -r '.status.operationState.startedAt // ""' <<<"${application}")
  weights=$(route_weights "${look_route}")
  headers=$(header_rules "${look_route}")
  step=${look_index}
  generation=$(jq -r .metadata.generation <<<"${look_route}")
  echo "syncing ${production_application} at step ${step}, HTTPRoute generation ${generation}, canary/stable ${weights}, header rules ${headers}"
  kubectl annotate application --namespace argocd "${production_application}" argocd.argoproj.io/refresh=hard --overwrite >/dev/null
  kubectl patch application --namespace argocd "${production_application}" --type merge \
    -p "$(jq -c '{operation: {initiatedBy: {username: "e2e"}, sync: {syncOptions: (.spec.syncPolicy.syncOptions // [])}}}' <<<"${application}")"
  wait_for 180 "the sync of ${production_application} asked for by the e2e to succeed" synced_by_e2e "${before}"
  # Synced too, when the Application ignores the header rules the plugin adds as well as the weights;
  # otherwise it stays OutOfSync for the whole canary (selfHeal syncing to no effect), which is worth
  # a warning, not a failure: the route is what counts.
  for ((tries = 0; tries < 12; tries++)); do
    app_synced "${production_application}" && break
    sleep 5
  done
  app_synced "${production_application}" ||
    echo "::warning title=e2e-kind::${production_application} is $(kubectl get application --namespace argocd "${production_application}" -o jsonpath='{.status.sync.status}') in the middle of the canary: its ignoreDifferences do not cover all the plugin changes in the HTTPRoute"
  tries=0
  until canary_look; do
    ((++tries < 60)) || fail "no step of the canary to look at after the sync of ${production_application}"
    sleep 2
  done
  check_canary_look
  echo "after the sync: step ${look_index}, HTTPRoute generation $(jq -r .metadata.generation <<<"${look_route}"), canary/stable $(route_weights "${look_route}"), header rules $(header_rules "${look_route}")"
  # At the same step nothing may have rewritten the route's spec, not even for a moment: the plugin
  # writes the same weights and rules again without a new generation, a reset and its repair would
  # make two.
  if [[ ${look_index} == "${step}" ]]; then
    [[ $(jq -r .metadata.generation <<<"${look_route}") == "${generation}" ]] ||
      fail "the sync of ${production_application} rewrote the HTTPRoute's spec (generation ${generation} before it)"
    [[ $(route_weights "${look_route}") == "${weights}" && $(header_rules "${look_route}") == "${headers}" ]] ||
      fail "the sync of ${production_application} changed the HTTPRoute's weights or header rules"
  fi
}

step "Production at rest: the first image, all of the traffic to the stable Service, no header rule"
wait_for 120 "production's HTTPRoute to be at rest (canary/stable 0/100, no header rule)" route_at_rest

step "Good image ${good_digest}: staging, then production's canary, through the Gateway at every step"
deliver staging "${good_digest}" >/dev/null
wait_for 600 "staging to run the good image" synced_and_healthy "${project}-staging"
deliver production "${good_digest}" >/dev/null
# The shadow's analysis, then three weights, each judged for about five minutes. Every 5 s, at each
# analysis step: the HTTPRoute's weights are the steps' (0 while the shadow is judged, then 5, 25,
# 50), the Rollout's status says the same, and the header rule is there. Once while the shadow is
# judged: the shadow Service has the canary's pods, and a request with the header reaches the canary
# while one without reaches the stable pods. Once at the first weight: the header again, and an
# Argo CD sync that must leave the route alone.
canary_deadline=$((SECONDS + 2400))
weights_checked=" "
shadow_checked="" header_checked="" sync_checked=""
forward_gateway
until rollout_completed_on "${good_digest}"; do
  ((SECONDS < canary_deadline)) || fail "timed out after 2400s waiting for the canary of the good image to complete"
  ! rollout_aborted || fail "the canary of the good image aborted"
  if canary_look && [[ ${look_kind} == analysis ]]; then
    check_canary_look
    [[ ${weights_checked} == *" ${look_weight} "* ]] || {
      weights_checked+="${look_weight} "
      echo "step ${look_index} (${look_template}): canary/stable ${look_weight}/$((100 - look_weight)) in the HTTPRoute and the Rollout's status, header rules $(header_rules "${look_route}")"
    }
    if [[ ${look_template} == shadow-agreement && -z ${shadow_checked} ]] && check_shadow; then
      forward_gateway
      expect_served 5 "${production_host}" "${good_digest}" -H 'X-Model-Variant: canary'
      # The header rule is programmed now; at weight 0 no request without the header may reach the canary.
      expect_served_now 20 "${production_host}" "${first_digest}"
      shadow_checked=yes
    elif [[ ${look_template} == canary-health && ${look_weight} != 0 && -z ${sync_checked} ]]; then
      forward_gateway
      expect_served 5 "${production_host}" "${good_digest}" -H 'X-Model-Variant: canary'
      header_checked=yes
      sync_mid_canary
      sync_checked=yes
    fi
  fi
  sleep 5
done
[[ ${weights_checked} == " 0 5 25 50 " ]] ||
  fail "the canary was seen at the weights${weights_checked}at its analysis steps, expected 0 (the shadow's) 5 25 50"
[[ -n ${shadow_checked} ]] || fail "the shadow Service never had the canary's pods while the shadow was judged"
[[ -n ${header_checked} && -n ${sync_checked} ]] || fail "the canary ended before the header and the sync were checked at its first weight"
passed=$(kubectl get analysisrun --namespace "${production}" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -c '^Successful$' || true)
((passed >= 4)) || fail "expected four successful analysis runs (the shadow's and three weights'), saw ${passed}"
wait_for 120 "production's HTTPRoute to be at rest again (canary/stable 0/100, no header rule)" route_at_rest
forward_gateway
expect_served 10 "${production_host}" "${good_digest}"
check_apps 300

step "Bad image ${bad_digest}: an analysis must fail and abort the canary (the shadow's, or the first weight's)"
deliver staging "${bad_digest}" >/dev/null
promotion=$(deliver production "${bad_digest}")
wait_for 1200 "the canary of the bad image to abort" rollout_aborted
kubectl get analysisrun --namespace "${production}" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}' | grep -q '^Failed$' ||
  fail "the canary aborted without a failed analysis run"
wait_for 120 "production's HTTPRoute to be back at rest after the abort (canary/stable 0/100, no header rule)" route_at_rest
forward_gateway
expect_served 10 "${production_host}" "${good_digest}"

step "Rolling back ${promotion}: a revert commit on env/production, then the good image again"
DELIVERY_APP_ID=${production_app} make rollback ENV=production PROMOTION="${promotion}"
git --git-dir="${bare}" log -1 --format=%B env/production | grep -q "^Reverts: ${promotion}$" ||
  fail "env/production's tip does not revert ${promotion}"
again=$(DELIVERY_APP_ID=${production_app} make --no-print-directory rollback ENV=production PROMOTION="${promotion}")
[[ ${again} == *"already rolled back"* ]] || fail "a second rollback was not a no-op: ${again}"
wait_for 600 "production to run the good image again" rollout_completed_on "${good_digest}"
wait_for 120 "production's HTTPRoute to be at rest (canary/stable 0/100, no header rule)" route_at_rest
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
[[ $(kubectl get httproute --namespace "${production}" -o name) == "httproute.gateway.networking.k8s.io/${route}" ]] ||
  fail "the preview put an HTTPRoute into production"
if kubectl get namespace "${project}-pr-1" >/dev/null 2>&1; then
  fail "the refused sync created its namespace"
fi
kubectl delete application --namespace argocd "${project}-pr-1" --wait=false
check_apps 300

step "End to end passed"
