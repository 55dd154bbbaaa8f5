"""`make check` and the pre-commit hooks run the same commands, so a commit meets what CI checks."""

import re

import yaml

from . import PROJECT_DIR


def check_recipe() -> list[str]:
    makefile = (PROJECT_DIR / "Makefile").read_text()
    recipe = re.search(r"^check:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe is not None, "the Makefile has no check target"
    return [line.strip() for line in recipe.group(1).splitlines()]


def hook_entries() -> list[str]:
    config = yaml.safe_load((PROJECT_DIR / ".pre-commit-config.yaml").read_text())
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    return [hook["entry"] for repo in config["repos"] for hook in repo["hooks"]]


def test_hooks_run_exactly_the_commands_of_make_check() -> None:
    assert hook_entries() == check_recipe()


def test_hooks_run_the_locked_tools_on_the_whole_tree() -> None:
    config = yaml.safe_load((PROJECT_DIR / ".pre-commit-config.yaml").read_text())
    for hook in config["repos"][0]["hooks"]:
        assert hook["entry"].startswith("uv run --frozen "), hook["id"]
        assert hook["pass_filenames"] is False, hook["id"]
