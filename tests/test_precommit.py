"""The template's pre-commit hooks run exactly the commands of `make check`, in the same order."""

import re
import shlex

import yaml
from baking import TEMPLATE_DIR


def make_check_commands() -> list[list[str]]:
    makefile = (TEMPLATE_DIR / "Makefile").read_text()
    recipe = re.search(r"^check:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "no check target in the Makefile"
    return [shlex.split(line) for line in recipe[1].splitlines()]


def hook_commands() -> list[list[str]]:
    """Each local hook's command; one run through `bash -c` counts as the command it passes."""
    config = yaml.safe_load((TEMPLATE_DIR / ".pre-commit-config.yaml").read_text())
    commands = []
    for repo in config["repos"]:
        assert repo["repo"] == "local", "remote hook repositories cannot be fetched here"
        for hook in repo["hooks"]:
            assert hook["language"] == "system"
            assert hook["pass_filenames"] is False, "hooks check the whole tree, as `make check` does"
            command = shlex.split(hook["entry"])
            commands.append(shlex.split(command[2]) if command[:2] == ["bash", "-c"] else command)
    return commands


def test_hooks_run_the_commands_of_make_check() -> None:
    assert hook_commands() == make_check_commands()


def test_every_hook_runs_a_locked_tool() -> None:
    assert all(command[:3] == ["uv", "run", "--frozen"] for command in hook_commands())
