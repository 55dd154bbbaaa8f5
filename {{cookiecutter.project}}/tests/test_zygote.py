"""The zygote the tests' servers fork from (tests/zygote.py)."""

import importlib.util

from .zygote import PRELOAD


def test_every_module_the_zygote_preloads_exists() -> None:
    """multiprocessing's forkserver skips a preload that fails to import, without a word: every server
    would then import it again, and start a second later."""
    assert [name for name in PRELOAD if importlib.util.find_spec(name) is None] == []
