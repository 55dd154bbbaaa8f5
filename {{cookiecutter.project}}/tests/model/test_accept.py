"""Only a model that passed the gate reaches the served directory, and it replaces the old one whole."""

from pathlib import Path

from {{ cookiecutter.package }}.manifest import MANIFEST_FILE, ModelManifest, write_manifest
from {{ cookiecutter.package }}.model.accept import accept, served_version


def candidate(directory: Path, manifest: ModelManifest, version: str) -> Path:
    directory.mkdir()
    write_manifest(directory, manifest.model_copy(update={"version": version}))
    (directory / f"{version}.txt").write_text(version)
    return directory


def test_an_accepted_candidate_replaces_the_served_model(manifest: ModelManifest, tmp_path: Path) -> None:
    served = tmp_path / "artifacts"
    assert served_version(served) is None
    accept(candidate(tmp_path / "first", manifest, "1"), served)
    assert served_version(served) == "1"
    accept(candidate(tmp_path / "second", manifest, "2"), served)
    assert served_version(served) == "2"
    assert sorted(path.name for path in served.iterdir()) == ["2.txt", MANIFEST_FILE]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["artifacts", "first", "second"]


def test_leftovers_of_an_interrupted_accept_are_cleared(manifest: ModelManifest, tmp_path: Path) -> None:
    served = tmp_path / "artifacts"
    (tmp_path / ".artifacts.incoming").mkdir()
    (tmp_path / ".artifacts.incoming" / "stale").write_text("")
    accept(candidate(tmp_path / "new", manifest, "3"), served)
    assert not (served / "stale").exists()
    assert not (tmp_path / ".artifacts.incoming").exists()


def test_accepting_the_served_directory_itself_changes_nothing(
    manifest: ModelManifest, tmp_path: Path
) -> None:
    served = candidate(tmp_path / "artifacts", manifest, "4")
    accept(served, served)
    assert served_version(served) == "4"
