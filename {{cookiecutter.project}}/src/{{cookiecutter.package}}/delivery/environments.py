"""The environments delivery knows, in one list: each has an overlay under k8s/overlays; staging and
production are rendered onto an env/ branch of their own, and a preview is rendered by Argo CD from its
pull request. Every other delivery module reads the names from here."""

from ..errors import Failure

STAGING = "staging"
PRODUCTION = "production"
PREVIEW = "preview"
# Every environment with an overlay (a project baked without previews has no preview overlay).
ENVIRONMENTS = (STAGING, PRODUCTION, PREVIEW)
# What deliver renders and publishes, in order: each has its env/ branch, its GitHub App and its
# registry alias of the same name.
DELIVERED = (STAGING, PRODUCTION)
# Production takes only what staging carried: the same source commit with the same image digests.
PRECEDED_BY = {PRODUCTION: STAGING}
# A preview lives under this environment's host, one sub-domain per pull request.
PREVIEW_HOST_OF = STAGING


def check_environment(env: str) -> str:
    if env not in ENVIRONMENTS:
        raise Failure(f"unknown environment {env!r}; expected one of {', '.join(ENVIRONMENTS)}")
    return env


def check_delivered(env: str) -> str:
    if env not in DELIVERED:
        raise Failure(f"cannot render {env!r}; deliver renders {' and '.join(DELIVERED)}")
    return env


def env_branch(env: str) -> str:
    """The branch an environment's Argo CD Application syncs; nothing else is ever pushed."""
    return f"env/{check_delivered(env)}"
