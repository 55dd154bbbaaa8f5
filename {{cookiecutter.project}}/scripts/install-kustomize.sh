#!/usr/bin/env bash
# Install the one kustomize release every render uses, checked against its published sha256, into
# DIR: production, rendered weeks after staging, then renders the same way. Linux x86-64 (CI's
# runners); elsewhere, install kustomize yourself, or render with the copy inside kubectl.
#
# Usage: scripts/install-kustomize.sh DIR
set -euo pipefail

version=5.7.1
sha256=ea375e7372f9aa029129d4b2d16c66b7750b7f1213c4f66f910d981c895818d8
url="https://github.com/kubernetes-sigs/kustomize/releases/download/kustomize%2Fv${version}/kustomize_v${version}_linux_amd64.tar.gz"

dir=${1:?usage: scripts/install-kustomize.sh DIR}
if [[ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]]; then
  echo "install-kustomize: the pinned archive is for Linux x86-64; install kustomize ${version} yourself" >&2
  exit 1
fi
archive=$(mktemp)
trap 'rm -f "${archive}"' EXIT
curl -fsSL --retry 3 -o "${archive}" "${url}"
echo "${sha256}  ${archive}" | sha256sum --check --strict --quiet
mkdir -p "${dir}"
tar -xzf "${archive}" -C "${dir}" kustomize
"${dir}/kustomize" version
