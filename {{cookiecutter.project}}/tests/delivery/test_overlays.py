"""The overlays' image entries: one server image, its -batch and -train images, each pinned to nothing."""

from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package }}.delivery.overlays import ImageNames, check_digest, image_names
from {{ cookiecutter.package }}.errors import Failure

from .. import PROJECT_DIR

ZERO_DIGEST = "sha256:" + "0" * 64
OVERLAY = f"""\
images:
  - name: ghcr.io/acme/ml-service
    digest: {ZERO_DIGEST}
  - name: ghcr.io/acme/ml-service-batch
    newName: registry.local/ml-service-batch
    digest: {ZERO_DIGEST}
"""
REAL_OVERLAYS = sorted(path.name for path in (PROJECT_DIR / "k8s" / "overlays").iterdir() if path.is_dir())


def write_overlay(root: Path, text: str) -> Path:
    path = root / "k8s" / "overlays" / "staging" / "kustomization.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return root


def test_image_names_are_the_names_kustomize_outputs(tmp_path: Path) -> None:
    assert image_names(write_overlay(tmp_path, OVERLAY), "staging") == ImageNames(
        "ghcr.io/acme/ml-service", "registry.local/ml-service-batch"
    )


@pytest.mark.parametrize(
    "text",
    [
        "images: []\n",
        OVERLAY + "  - name: busybox\n",
        "images:\n  - name: ghcr.io/acme/ml-service-batch\n",
        "images:\n  - name: ghcr.io/acme/ml-service-train\n",
    ],
    ids=["none", "another-image", "only-batch", "only-train"],
)
def test_an_overlay_must_name_the_server_once_and_at_most_its_batch_and_training_images(
    tmp_path: Path, text: str
) -> None:
    with pytest.raises(Failure, match="images:"):
        image_names(write_overlay(tmp_path, text), "staging")


@pytest.mark.parametrize(
    "digest",
    ["a" * 64, "sha256:" + "A" * 64, "sha256:" + "a" * 63, "sha512:" + "a" * 64, f"{ZERO_DIGEST} "],
    ids=["no-algorithm", "uppercase", "short", "sha512", "trailing-space"],
)
def test_a_malformed_digest_is_refused(digest: str) -> None:
    with pytest.raises(Failure, match="malformed digest"):
        check_digest(digest)


def test_an_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Failure, match="unknown environment 'prod'"):
        image_names(tmp_path, "prod")


@pytest.mark.parametrize("env", REAL_OVERLAYS)
def test_each_overlay_pins_both_images_to_nothing_that_exists(env: str) -> None:
    """main's overlays run no real image until `render` pins one: all-zero digests (tags for previews)."""
    names = image_names(PROJECT_DIR, env)
    assert names.batch == names.server + "-batch"
    assert names.train == names.server + "-train"
    entries = yaml.safe_load((PROJECT_DIR / "k8s" / "overlays" / env / "kustomization.yaml").read_text())
    assert {
        entry.get("digest", entry.get("newTag", "")).removeprefix("sha256:") for entry in entries["images"]
    } <= {
        "0" * 64,
        "0" * 40,
    }
