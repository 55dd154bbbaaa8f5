"""Read and pin the image digest in one overlay's `images:` block; render pins it in a scratch copy only."""

import re
from pathlib import Path

from ..errors import CliError

ENVIRONMENTS = ("staging", "production", "preview")
OVERLAYS_DIR = Path("k8s/overlays")
DIGEST_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")
# A top-level key ends the images block; entries are indented or start with "- " at column 0.
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*:")
_ENTRY_FIELD = re.compile(r"^(?P<indent>\s*(?:-\s+)?)(?P<key>name|newName|newTag|digest):\s*(?P<value>.*)$")


def overlay_file(root: Path, env: str) -> Path:
    if env not in ENVIRONMENTS:
        raise CliError(f"unknown environment {env!r}; expected one of {', '.join(ENVIRONMENTS)}")
    path = root / OVERLAYS_DIR / env / "kustomization.yaml"
    if not path.is_file():
        raise CliError(f"{path} does not exist: this project has no {env} overlay")
    return path


def check_digest(digest: str) -> str:
    if not DIGEST_PATTERN.fullmatch(digest):
        raise CliError(f"malformed digest {digest!r}; expected sha256: followed by 64 lowercase hex digits")
    return digest


def images_block(lines: list[str]) -> tuple[int, int]:
    """Return the [start, end) line range of the entries under the top-level `images:` key."""
    starts = [index for index, line in enumerate(lines) if line.rstrip() == "images:"]
    if len(starts) != 1:
        raise CliError("the overlay must have exactly one top-level `images:` block")
    end = starts[0] + 1
    while end < len(lines) and not _TOP_LEVEL_KEY.match(lines[end]):
        end += 1
    return starts[0] + 1, end


def _entry_fields(lines: list[str], start: int, end: int) -> dict[str, tuple[int, str]]:
    """Map each field of the single images entry to its (line index, value)."""
    fields: dict[str, tuple[int, str]] = {}
    entries = 0
    for index in range(start, end):
        match = _ENTRY_FIELD.match(lines[index])
        if match is None:
            continue
        entries += "-" in match["indent"]
        fields[match["key"]] = (index, match["value"].split(" #")[0].strip().strip("\"'"))
    if entries != 1 or "name" not in fields:
        raise CliError("the overlay's `images:` block must hold exactly one entry with a name")
    return fields


def pin_digest(text: str, digest: str) -> str:
    """Return `text` with the images entry pinned to `digest`; lines outside that entry stay verbatim."""
    lines = text.splitlines(keepends=True)
    fields = _entry_fields(lines, *images_block(lines))
    # A tag beside a digest is ignored when pulling yet shown in every listing, so the digest replaces it.
    replaced = [fields[key][0] for key in ("digest", "newTag") if key in fields]
    if not replaced:
        name_index = fields["name"][0]
        lines[name_index] = lines[name_index].rstrip("\n") + "\n"
        # Align the new field with `name`, whether `name` sits after "- " or on its own line.
        lines.insert(name_index + 1, " " * lines[name_index].index("name:") + f"digest: {digest}\n")
        return "".join(lines)
    line = lines[replaced[0]]
    key = "digest:" if "digest" in fields else "newTag:"
    lines[replaced[0]] = f"{line[: line.index(key)]}digest: {digest}\n"
    for index in replaced[1:]:
        del lines[index]
    return "".join(lines)


def set_image(root: Path, env: str, digest: str) -> bool:
    """Pin `digest` in the `env` overlay; return whether the file changed (False: already pinned)."""
    path = overlay_file(root, env)
    text = path.read_text()
    updated = pin_digest(text, check_digest(digest))
    if updated == text:
        return False
    path.write_text(updated)
    return True
