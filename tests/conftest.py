import json
from pathlib import Path

import pytest

DEMO_DIR = Path(__file__).resolve().parent.parent / "annual" / "demo_data"


@pytest.fixture
def seed_doc() -> dict:
    """The seed report (苍南县人民政府办公室 2020) exactly as published, four errors included."""
    return json.loads((DEMO_DIR / "cangnan-2020.json").read_text(encoding="utf-8"))


@pytest.fixture
def doc_2021() -> dict:
    """A 2021-format report that passes every rule."""
    return json.loads((DEMO_DIR / "cangnan-education-2021.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Stored files (approved PDFs, cached drafts) go to a fresh directory per test, never the repo."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory) -> Path:
    """The state directory of a test session: the deployment's signing key is made once in it,
    not per approval, and never in the repository."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture(autouse=True)
def _state_dir(settings, state_dir):
    settings.STATE_DIR = state_dir


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a rolled-back test's report may share an id, a
    revision and (under a frozen clock) a time with the next one's."""
    from django.core.cache import cache

    cache.clear()
