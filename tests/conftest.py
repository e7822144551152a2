import os
import sys

sys.path.insert(0, os.path.dirname(__file__))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_cache_unless_asked(monkeypatch):
    """Tests analyse fresh: the on-disk caches (index summaries, per-file
    results) are on only where a test names a cache folder."""
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", "off")
