#!/usr/bin/env bash
# Bake the template with its defaults, then run the generated service end to end on the bundled data:
# install, train, export, validate, serve, send predictions over HTTP, load-test, stop.
set -euo pipefail

demo_dir=${1:-build/demo}
port=${DEMO_PORT:-8765}
url="http://127.0.0.1:${port}"
template_dir=$(cd "$(dirname "$0")/.." && pwd)

step() { printf '\n==> %s\n' "$*"; }

step "Baking the template with its defaults into ${demo_dir}"
rm -rf "${demo_dir}"
mkdir -p "${demo_dir}"
uv run --frozen cookiecutter --no-input --output-dir "${demo_dir}" "${template_dir}"
cd "${demo_dir}/ml-service"

step "Installing, training, exporting, validating"
make install model

step "Starting the server on ${url}"
APP_MODEL_DIR=artifacts APP_PORT="${port}" APP_WORKERS=1 APP_LOG_JSON=false \
  .venv/bin/python -m ml_service serve &
server_pid=$!
trap 'kill -TERM "${server_pid}" 2>/dev/null; wait "${server_pid}" || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "${url}/readyz" >/dev/null 2>&1 && break
  kill -0 "${server_pid}" 2>/dev/null || { echo "the server exited before it became ready" >&2; exit 1; }
  sleep 0.1
done
curl -fsS "${url}/readyz" >/dev/null

step "Sending real predictions over HTTP"
make smoke URL="${url}"

step "Load-testing for 10 seconds with locust"
make loadtest HOST="${url}" USERS=8 DURATION=10s

step "Stopping the server"
