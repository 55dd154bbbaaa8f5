"""Pinning image digests in overlays: only the images block changes, bad input is refused."""

import shutil
from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.overlays import pin_digest, set_image
from {{ cookiecutter.package }}.errors import CliError

from .. import PROJECT_DIR
from .k8s import deployment_images

DIGEST = "sha256:" + "a" * 64
OTHER_DIGEST = "sha256:" + "b" * 64
OVERLAY = """\
# Staging: what differs from the base.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  # CI pins each build's digest here.
  - name: ghcr.io/acme/ml-service
    newTag: latest  # until the first delivery
labels:
  - pairs:
      env: staging
"""


def write_overlay(root: Path, env: str = "staging", text: str = OVERLAY) -> Path:
    path = root / "k8s" / "overlays" / env / "kustomization.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pin_digest_replaces_the_tag_and_keeps_every_other_line() -> None:
    pinned = pin_digest(OVERLAY, DIGEST)
    assert pinned.splitlines() == [
        *OVERLAY.splitlines()[:8],
        f"    digest: {DIGEST}",
        *OVERLAY.splitlines()[9:],
    ]
    assert yaml.safe_load(pinned)["images"] == [{"name": "ghcr.io/acme/ml-service", "digest": DIGEST}]


def test_pin_digest_adds_a_digest_to_an_entry_with_only_a_name() -> None:
    text = "images:\n  - name: ghcr.io/acme/ml-service\nlabels: []\n"
    assert (
        pin_digest(text, DIGEST)
        == f"images:\n  - name: ghcr.io/acme/ml-service\n    digest: {DIGEST}\nlabels: []\n"
    )


def test_pin_digest_drops_a_tag_left_beside_a_digest() -> None:
    text = "images:\n  - name: ghcr.io/acme/ml-service\n    digest: sha256:old\n    newTag: v1\n"
    assert pin_digest(text, DIGEST) == f"images:\n  - name: ghcr.io/acme/ml-service\n    digest: {DIGEST}\n"


def test_pin_digest_replaces_a_pinned_digest() -> None:
    # The second pin leaves the text exactly as one pin of the new digest would.
    assert pin_digest(pin_digest(OVERLAY, DIGEST), OTHER_DIGEST) == pin_digest(OVERLAY, OTHER_DIGEST)


def test_pin_digest_handles_entries_at_column_zero() -> None:
    text = "images:\n- name: ghcr.io/acme/ml-service\n  digest: sha256:old\nnamespace: x\n"
    assert (
        pin_digest(text, DIGEST)
        == f"images:\n- name: ghcr.io/acme/ml-service\n  digest: {DIGEST}\nnamespace: x\n"
    )


def test_set_image_is_idempotent(tmp_path: Path) -> None:
    path = write_overlay(tmp_path)
    assert set_image(tmp_path, "staging", DIGEST) is True
    once = path.read_text()
    assert set_image(tmp_path, "staging", DIGEST) is False
    assert path.read_text() == once


@pytest.mark.parametrize(
    "digest",
    ["a" * 64, "sha256:" + "A" * 64, "sha256:" + "a" * 63, "sha512:" + "a" * 64, f"{DIGEST} "],
    ids=["no-algorithm", "uppercase", "short", "sha512", "trailing-space"],
)
def test_set_image_rejects_malformed_digest(tmp_path: Path, digest: str) -> None:
    path = write_overlay(tmp_path)
    with pytest.raises(CliError, match="malformed digest"):
        set_image(tmp_path, "staging", digest)
    assert path.read_text() == OVERLAY


def test_set_image_rejects_unknown_environment(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="unknown environment 'prod'"):
        set_image(tmp_path, "prod", DIGEST)


def test_set_image_rejects_an_overlay_with_two_images(tmp_path: Path) -> None:
    write_overlay(tmp_path, text=OVERLAY.replace("labels:", "  - name: busybox\nlabels:"))
    with pytest.raises(CliError, match="exactly one entry"):
        set_image(tmp_path, "staging", DIGEST)


REAL_OVERLAYS = sorted(
    path.parent.name for path in (PROJECT_DIR / "k8s" / "overlays").glob("*/kustomization.yaml")
)


@pytest.mark.slow
@pytest.mark.parametrize("env", REAL_OVERLAYS)
def test_real_overlay_renders_the_pinned_digest(tmp_path: Path, env: str) -> None:
    shutil.copytree(PROJECT_DIR / "k8s", tmp_path / "k8s")
    set_image(tmp_path, env, DIGEST)
    images = deployment_images(tmp_path / "k8s" / "overlays" / env)
    assert images == {f"{read_image_name(tmp_path, env)}@{DIGEST}"}


def read_image_name(root: Path, env: str) -> str:
    text = (root / "k8s" / "overlays" / env / "kustomization.yaml").read_text()
    return str(yaml.safe_load(text)["images"][0]["name"])
