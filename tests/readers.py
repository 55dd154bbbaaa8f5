"""Read a bake's output back as the tools that consume it do: kustomize, BuildKit, a Markdown renderer."""

import itertools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt


def kustomize(overlay: Path) -> list[dict[str, Any]]:
    """Render with `kustomize build`, or `kubectl kustomize`; neither on PATH is a failure."""
    if shutil.which("kustomize"):
        command = ["kustomize", "build", str(overlay)]
    else:
        assert shutil.which("kubectl"), "neither kustomize nor kubectl is on PATH"
        command = ["kubectl", "kustomize", str(overlay)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def unquote_dockerfile(word: str) -> str:
    """A double-quoted word as BuildKit reads it (frontend/dockerfile/shell/lex.go, processDoubleQuote).

    Inside double quotes a backslash escapes `"`, `$` and itself and stays before anything else; an
    unescaped `$` would expand a variable, which free text must never do.
    """
    assert word.startswith('"')
    assert word.endswith('"')
    body, out, index = word[1:-1], [], 0
    while index < len(body):
        char = body[index]
        assert char not in '"$', f"unescaped {char!r} in {word!r}"
        if char == "\\" and index + 1 < len(body) and body[index + 1] in '"$\\':
            index += 1
            char = body[index]
        out.append(char)
        index += 1
    return "".join(out)


def paragraphs(markdown: str) -> list[str]:
    """The text of each paragraph as CommonMark renders it; a paragraph holding any markup fails."""
    tokens = MarkdownIt("commonmark").enable("strikethrough").parse(markdown)
    texts = []
    for opening, inline in itertools.pairwise(tokens):
        if opening.type != "paragraph_open":
            continue
        children = inline.children or []
        if all(child.type == "text" for child in children):
            texts.append("".join(child.content for child in children))
    return texts
