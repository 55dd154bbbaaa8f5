"""The hooks as units, and as cookiecutter runs them: bad answers stop generation and leave nothing."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from baking import INVALID, PROJECT_TEMPLATE, TEMPLATE_DIR, VALID_ANSWERS, Invalid, combination_id, load_hook
from lock_generated import BLOCK_END, BLOCK_START, project_modules

pre_gen = load_hook("pre_gen_project")
post_gen = load_hook("post_gen_project")


def test_valid_answers_pass() -> None:
    assert pre_gen.find_error(VALID_ANSWERS) is None


@pytest.mark.parametrize(
    "case",
    # Choices are refused by cookiecutter before the hook runs: only the end-to-end test sees those.
    [case for case in INVALID if set(case.answers) <= set(pre_gen.CHECKS)],
    ids=lambda case: combination_id(case.answers),
)
def test_find_error_names_field_value_and_rule(case: Invalid) -> None:
    answers = {**VALID_ANSWERS, **case.answers}
    if "project" in case.answers and "package" not in case.answers:
        answers["package"] = case.answers["project"].replace("-", "_")
    assert case.message in pre_gen.find_error(answers)


@pytest.mark.parametrize(
    ("package", "distribution"),
    [
        ("numpy", "numpy"),
        ("onnx", "onnx"),
        ("fastapi", "fastapi"),
        ("yaml", "pyyaml"),
        ("sklearn", "scikit-learn"),
        ("dateutil", "python-dateutil"),
        ("zmq", "pyzmq"),
    ],
)
def test_package_shadowing_a_dependency_names_the_distribution(package: str, distribution: str) -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, "package": package}) == (
        f"invalid package={package!r}: must not shadow a module of the dependency {distribution}"
    )


@pytest.mark.parametrize("package", ["google", "test", "os", "tests", "benchmarks", "locustfile"])
def test_package_shadowing_a_namespace_stdlib_or_project_module_is_refused(package: str) -> None:
    assert "must not shadow" in pre_gen.find_error({**VALID_ANSWERS, "package": package})


def test_generated_names_are_derived_from_the_current_lock_and_tree() -> None:
    """`make lock` (or `make names`) rewrites the block; a lock or tree changed without it fails here."""
    hook = (TEMPLATE_DIR / "hooks/pre_gen_project.py").read_text()
    block = hook[hook.index(BLOCK_START) : hook.index(BLOCK_END)]
    lock_sha256 = hashlib.sha256((PROJECT_TEMPLATE / "uv.lock").read_bytes()).hexdigest()
    assert f"sha256 {lock_sha256}" in block, "uv.lock changed: run `make names` (or `make lock`)"
    assert set(pre_gen.PROJECT_MODULES.split()) == project_modules(PROJECT_TEMPLATE), "run `make names`"


@pytest.mark.parametrize(
    "text", ['Say "hi" & <b>it\'s</b> $HOME \\back # {x} — ünï', "émoji 👩‍💻 and a\u00a0no-break space"]
)
def test_free_text_with_quotes_markup_and_unicode_is_accepted(text: str) -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, "description": text, "author": text}) is None


@pytest.mark.parametrize(
    "text", ["two\nlines", "nul\x00", "line\u2028separator", "a {{ b }}", "a {% b", "{# c"]
)
def test_free_text_that_no_format_can_show_as_typed_is_refused(text: str) -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, "description": text}).startswith("invalid description=")


def test_project_of_maximum_length_is_accepted() -> None:
    assert pre_gen.find_error({**VALID_ANSWERS, "project": "a" * pre_gen.MAX_PROJECT_LENGTH}) is None


def test_staging_host_leaves_room_for_the_preview_prefix() -> None:
    labels = ["a" * 63, "b" * 63, "c" * 63]
    host = ".".join([*labels, "d" * (pre_gen.MAX_STAGING_HOST_LENGTH - 3 * 64)])
    assert len(host) == pre_gen.MAX_STAGING_HOST_LENGTH
    assert pre_gen.find_error({**VALID_ANSWERS, "staging_host": host}) is None
    assert "staging_host" in pre_gen.find_error({**VALID_ANSWERS, "staging_host": "e" + host})


def test_post_gen_prunes_only_paths_of_disabled_options(tmp_path: Path) -> None:
    (tmp_path / "k8s/overlays/preview").mkdir(parents=True)
    (tmp_path / "argocd").mkdir()
    (tmp_path / "argocd/preview-appset.yaml").write_text("kind: ApplicationSet\n")
    (tmp_path / "argocd/preview-project.yaml").write_text("kind: AppProject\n")
    (tmp_path / "argocd/staging.yaml").write_text("kind: Application\n")
    assert post_gen.paths_to_prune({"include_preview": True}) == []
    post_gen.prune(tmp_path, post_gen.paths_to_prune({"include_preview": False}))
    remaining = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert remaining == {"k8s", "k8s/overlays", "argocd", "argocd/staging.yaml"}


def test_every_path_an_option_owns_is_in_the_template() -> None:
    """A renamed file would otherwise survive every bake whose option is off."""
    owned = [path for paths in post_gen.OWNED_PATHS.values() for path in paths]
    assert [path for path in owned if not (PROJECT_TEMPLATE / path).exists()] == []


def test_invalid_answer_stops_generation_with_message_and_no_output(tmp_path: Path, invalid: Invalid) -> None:
    extra = [f"{key}={value}" for key, value in invalid.answers.items()]
    result = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(tmp_path), str(TEMPLATE_DIR), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert invalid.message in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []
