"""The Dockerfile's base image is one Dependabot can read and update: a tag to compare, a digest to pin."""

import re

import yaml

from .. import PROJECT_DIR

# dependabot-core (54c10285) docker/lib/dependabot/docker/file_parser.rb:13-21, with REGISTRY, IMAGE and
# NAME from docker/lib/dependabot/shared/shared_file_parser.rb:21-31. A line it does not match, or
# matches with neither tag nor digest, is skipped: its image is never updated.
DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
REGISTRY = rf"(?P<registry>{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})+(?::\d+)?)"
NAME_COMPONENT = r"(?:[a-z\d]+(?:(?:[._]|__|[-]*)[a-z\d]+)*)"
IMAGE = rf"(?P<image>{NAME_COMPONENT}(?:/{NAME_COMPONENT})*)"
TAG = r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
DIGEST = r"(?:@sha256:(?P<digest>[0-9a-f]{64}))?"
FROM_LINE = re.compile(
    rf"^FROM\s+(?:--platform=\S+\s+)?(?:{REGISTRY}/)?{IMAGE}{TAG}{DIGEST}(?:\s+AS\s+(?P<name>[\w-]+))?", re.I
)


def test_every_from_line_names_the_base_image_by_tag_and_digest() -> None:
    lines = [
        line
        for line in (PROJECT_DIR / "Dockerfile").read_text().splitlines()
        if line.upper().startswith("FROM")
    ]
    assert lines
    # A stage that starts from an earlier stage (FROM build AS build-batch) names no image.
    stages = {line.split()[-1] for line in lines if len(line.split()) == 4}
    parsed = [FROM_LINE.match(line) for line in lines if line.split()[1] not in stages]
    assert all(parsed), lines
    python = (PROJECT_DIR / ".python-version").read_text().strip()
    for match in parsed:
        assert match is not None
        assert match["image"] == "python"
        assert match["tag"] == f"{python}-slim"
        assert match["digest"]
    # Every stage starts from the same image, so one update moves them together.
    assert len({(match["tag"], match["digest"]) for match in parsed if match}) == 1


def test_dependabot_watches_the_dockerfile() -> None:
    config = yaml.safe_load((PROJECT_DIR / ".github" / "dependabot.yml").read_text())
    [docker] = [update for update in config["updates"] if update["package-ecosystem"] == "docker"]
    assert docker["directory"] == "/"
