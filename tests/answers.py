"""Hypothesis strategies for cookiecutter answers: valid ones around every edge, and invalid ones."""

import ast
import re
import string
import sys
from typing import Any, NamedTuple

from baking import CHOICES, PROJECT_TEMPLATE, TOGGLES, load_hook
from hypothesis import strategies as st

HOOK = load_hook("pre_gen_project")
MAX_PROJECT = HOOK.MAX_PROJECT_LENGTH
LOWER_ALNUM = string.ascii_lowercase + string.digits
# Text the formats treat specially, drawn often: quotes, escapes, expansion, markup, comments, braces.
SPECIAL = [*"\"'\\$`#&<>{}[]()*_~!|-+=.:;%@^", "${HOME}", "&amp;", "<b>", "1. ", "# ", "---", "{}"]
CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))
FREE_TEXT = (
    st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(CHARACTERS, max_size=6)), min_size=1, max_size=12)
    .map(lambda parts: "".join(parts).strip())
    .filter(lambda text: bool(text) and not HOOK.JINJA_DELIMITERS.search(text))
)


def bake_module_names() -> list[str]:
    """Every top-level module a bake's Python files import, and the bake's own modules, sorted."""
    names = set()
    for path in PROJECT_TEMPLATE.rglob("*.py"):
        source = path.read_text().replace("{{ cookiecutter.package }}", "package")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        names.add(path.stem)
    return sorted(name for name in names if re.fullmatch(r"[a-z][a-z0-9_]*", name))


def near(module: str, side: str, tail: str) -> str:
    """A name sorting just before `module` (a prefix, or its last character lowered, then `tail`) or just
    after it (its last character raised, or `module` extended with `tail`)."""
    stem = module.replace("_", "-")
    if side == "prefix":
        return stem[: max(1, len(stem) - 1)]
    if side == "below" and stem[-1] not in "a0-":
        return stem[:-1] + chr(ord(stem[-1]) - 1) + tail
    if side == "above" and stem[-1] not in "z9-":
        return stem[:-1] + chr(ord(stem[-1]) + 1) + tail
    return f"{stem}-{tail}" if tail else stem + "0"


def as_project(name: str, length: int) -> str:
    """Fit a candidate to the project rules: letters first, no '-' at the end, at most `length` long."""
    name = re.sub(r"[^a-z0-9-]", "", name.lower()).lstrip("-0123456789") or "p"
    return name[:length].rstrip("-") or "p"


def is_valid_project(project: str) -> bool:
    return HOOK.check_project(project) is None and HOOK.check_package(project.replace("-", "_")) is None


AROUND_MODULES = st.builds(
    near,
    st.sampled_from(bake_module_names()),
    st.sampled_from(["prefix", "below", "above", "after"]),
    st.from_regex(r"[a-z0-9-]{0,40}", fullmatch=True),
)
PROJECTS = st.one_of(
    st.builds(as_project, AROUND_MODULES, st.integers(1, MAX_PROJECT)),
    st.from_regex(r"[a-z]([a-z0-9-]{0,38}[a-z0-9])?", fullmatch=True),
    st.from_regex(rf"[a-z][a-z0-9-]{{{MAX_PROJECT - 2}}}[a-z0-9]", fullmatch=True),
).filter(is_valid_project)

OWNERS = st.one_of(
    st.lists(st.text(LOWER_ALNUM, min_size=1, max_size=12), min_size=1, max_size=6)
    .map("-".join)
    .map(lambda owner: owner[:39].rstrip("-")),
    st.text(LOWER_ALNUM, min_size=39, max_size=39),
).filter(lambda owner: HOOK.check_owner(owner) is None)
LABELS = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)
KUBERNETES_NAMES = LABELS.filter(lambda name: HOOK.check_name(name) is None)
TOP_LEVEL_LABELS = st.from_regex(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)


def host_of_length(length: int, fill: str) -> str:
    """A host of exactly `length` characters made of 63-character labels and a shorter last one."""
    labels = []
    while length > 64:
        labels.append(fill * 63)
        length -= 64
    return ".".join([*labels, "x" * max(length, 2)])


def hosts(max_length: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda labels, last: ".".join([*labels, last]),
            st.lists(LABELS, min_size=1, max_size=4),
            TOP_LEVEL_LABELS,
        ),
        st.builds(host_of_length, st.sampled_from([max_length, max_length - 1]), st.sampled_from("ab9")),
    ).filter(lambda host: HOOK.check_host(host, max_length) is None)


@st.composite
def valid_answers(draw: st.DrawFn) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "project": draw(PROJECTS),
        "description": draw(FREE_TEXT),
        "author": draw(FREE_TEXT),
        "github_owner": draw(OWNERS),
        "staging_host": draw(hosts(HOOK.MAX_STAGING_HOST_LENGTH)),
        "production_host": draw(hosts(HOOK.MAX_HOST_LENGTH)),
        "gateway_name": draw(KUBERNETES_NAMES),
        "gateway_namespace": draw(KUBERNETES_NAMES),
        "gateway_proxy_namespace": draw(KUBERNETES_NAMES),
    }
    answers |= {key: draw(st.sampled_from(values)) for key, values in CHOICES.items()}
    answers |= {key: draw(st.booleans()) for key in TOGGLES}
    answers["package"] = answers["project"].replace("-", "_")
    if answers["staging_host"] == answers["production_host"]:
        answers["production_host"] = "x" + answers["production_host"][1:]
    return answers


def shadowing_names() -> list[str]:
    """Package names the hook must refuse that are valid project names once '_' becomes '-'."""
    names = {
        *sys.stdlib_module_names,
        *HOOK.UNLISTED_STDLIB_MODULES.split(),
        *HOOK.PROJECT_MODULES.split(),
        *HOOK.dependency_modules(),
    }
    return sorted(name for name in names if HOOK.check_project(name.replace("_", "-")) is None)


class Breakage(NamedTuple):
    """Valid answers but one, and the field that the hook's message must name."""

    field: str
    answers: dict[str, Any]


@st.composite
def broken_answers(draw: st.DrawFn) -> Breakage:
    """Valid answers with one of them broken: too long, uppercase, shadowing, not one line, padded."""
    answers = draw(valid_answers())
    project, owner, text = answers["project"], answers["github_owner"], draw(FREE_TEXT)
    over = draw(st.integers(1, 20))
    shadowing = draw(st.sampled_from(shadowing_names())).replace("_", "-")
    breakages: dict[str, tuple[str, Any]] = {
        "long project": ("project", project + "-" + "a" * (MAX_PROJECT + over - len(project))),
        "uppercase project": ("project", project.capitalize() + "X"),
        "shadowing package": ("package", shadowing),
        "uppercase owner": ("github_owner", (owner + "X")[-39:]),
        "long owner": ("github_owner", owner + "a" * (39 + over - len(owner))),
        "long staging host": ("staging_host", host_of_length(HOOK.MAX_STAGING_HOST_LENGTH + over, "s")),
        "long host label": ("production_host", "a" * (63 + over) + ".example.com"),
        "two-line description": ("description", f"{text}\n{text}"),
        "control character in author": ("author", f"{text}\x07"),
        "padded author": ("author", f" {text}"),
    }
    field, value = breakages[draw(st.sampled_from(sorted(breakages)))]
    if field == "package":
        return Breakage(field, {**answers, "project": value, "package": value.replace("-", "_")})
    return Breakage(field, {**answers, field: value})
