"""Environment branches on a local bare remote: main holds four merges in order, a CI clone publishes
stand-in renders of them, and the remote shows what Argo CD would sync."""

from dataclasses import dataclass
from pathlib import Path

from {{ cookiecutter.package }}.delivery.promotions import Promotion, publish

from .repos import bare_remote, clone, git, history


def no_sleep(_seconds: float) -> None:
    """Pushes to a local remote race only where a test makes them."""


@dataclass
class Branches:
    remote: Path
    repo: Path
    # One delivery per merge of main, oldest first, each with its own images.
    promotions: list[Promotion]

    def render(self, promotion: Promotion, manifests: str | None = None, batch: str | None = None) -> Path:
        """A stand-in for `render`'s directory: manifests.yaml (and batch.yaml) naming the images."""
        directory = self.repo.parent / f"render-{promotion.source[:7]}-{promotion.digest[7:14]}"
        directory.mkdir(exist_ok=True)
        image = f"image: ghcr.io/acme/ml-service@{promotion.digest}\n"
        (directory / "manifests.yaml").write_text(manifests if manifests is not None else image)
        (directory / "batch.yaml").unlink(missing_ok=True)
        if batch is not None:
            (directory / "batch.yaml").write_text(batch)
        return directory

    def publish(self, env: str, promotion: Promotion, rendered: Path | None = None, **options: bool) -> str:
        rendered = rendered or self.render(promotion)
        return publish(self.repo, env, rendered, promotion, sleep=no_sleep, **options)

    def deployed(self, env: str, name: str = "manifests.yaml") -> str:
        """A file of the environment's branch on the remote, as Argo CD reads it ("" when absent)."""
        listed = git(self.remote, "ls-tree", "--name-only", f"env/{env}").split()
        return git(self.remote, "show", f"env/{env}:{name}") if name in listed else ""

    def trailer(self, env: str, key: str) -> str:
        message = git(self.remote, "log", "-1", "--format=%B", f"env/{env}")
        return next(
            (line.split(": ", 1)[1] for line in message.splitlines() if line.startswith(f"{key}: ")), ""
        )


def make_branches(tmp_path: Path) -> Branches:
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "README.md").write_text("the source branch; environments live on env/*\n")
    remote = bare_remote(seed, tmp_path / "remote.git", later_commits=3)
    repo = clone(remote, tmp_path / "ci")
    promotions = [
        Promotion(source, "sha256:" + digit * 64, digit * 64, "sha256:" + digit * 63 + "0")
        for source, digit in zip(history(repo), "abcd", strict=True)
    ]
    return Branches(remote, repo, promotions)
