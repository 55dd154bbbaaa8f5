#!/usr/bin/env bash
# Build the serving image (or, with TARGET=batch, the batch image) from the model artifacts in $1
# (default: artifacts) with docker or podman; TARGET=train builds the training image, which has no model.
#
# Environment:
#   CONTAINER_ENGINE  docker or podman (default: the first one that answers)
#   IMAGE             image name (default: the project name from pyproject.toml); the batch image is
#                     tagged IMAGE-batch, the repository delivery pushes and pins it under
#   TAG               image tag (default: the short commit, or "dev" outside git)
#   TARGET            serving (default), batch or train: the Dockerfile stage to build
#   BUILD_FLAGS       extra flags for the engine's build command, e.g. "--pull=never --network=host"
set -euo pipefail

artifacts="${1:-artifacts}"

fail() {
    echo "build-image: $*" >&2
    exit 1
}

detect_engine() {
    if [[ -n "${CONTAINER_ENGINE:-}" ]]; then
        command -v "$CONTAINER_ENGINE" >/dev/null || fail "CONTAINER_ENGINE=$CONTAINER_ENGINE is not installed"
        echo "$CONTAINER_ENGINE"
        return
    fi
    # `info` rather than `command -v`: a docker client without a reachable daemon cannot build.
    for engine in docker podman; do
        if command -v "$engine" >/dev/null && "$engine" info >/dev/null 2>&1; then
            echo "$engine"
            return
        fi
    done
    fail "no working container engine: install docker or podman, or set CONTAINER_ENGINE"
}

sha256_of() {
    if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

cd "$(dirname "$0")/.."

image="${IMAGE:-$(sed -n 's/^name = "\(.*\)"/\1/p' pyproject.toml | head -n 1)}"
target="${TARGET:-serving}"
case "$target" in
    serving) ;;
    batch) image="$image-batch" ;;
    train) image="$image-train" ;;
    *) fail "TARGET=$target: expected serving, batch or train" ;;
esac
[[ -f uv.lock ]] || fail "uv.lock is missing: run \`make lock\` and commit it"

# The serving and batch images carry the model of this commit; the training image makes models.
model_args=()
if [[ "$target" != train ]]; then
    for file in model.onnx manifest.json; do
        [[ -f "$artifacts/$file" ]] || fail "$artifacts/$file is missing: run \`make model\` (train, export, validate) first"
    done
    root="$(pwd -P)"
    model_dir="$(cd "$artifacts" && pwd -P)"
    [[ "$model_dir" == "$root"/* ]] || fail "$artifacts must be inside the repository, the image build context"
    model_args=(--build-arg "MODEL_DIR=${model_dir#"$root"/}" --build-arg "MODEL_SHA256=$(sha256_of "$artifacts/model.onnx")")
fi

engine="$(detect_engine)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
tag="${TAG:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo dev)}"
source_url="$(git remote get-url origin 2>/dev/null | sed -e 's#^git@github.com:#https://github.com/#' -e 's#\.git$##' || true)"

# BUILD_FLAGS is a list of flags, split on purpose.
# shellcheck disable=SC2086
"$engine" build ${BUILD_FLAGS:-} \
    ${model_args[@]+"${model_args[@]}"} \
    --build-arg "GIT_REVISION=$revision" \
    --build-arg "SOURCE_URL=$source_url" \
    --target "$target" \
    --tag "$image:$tag" \
    .
echo "build-image: built $image:$tag with $engine"
