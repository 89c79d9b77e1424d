"""The fixtures every test module may name as a parameter. Test modules never import fixtures
(nor anything else) from another test module: shared fixtures live here, shared helpers in the
plain modules beside it (personas.py, entry_fixtures.py, county_fixtures.py, rollup_fixtures.py,
documents.py, pdf_cases.py, jobs_stack.py)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.db import transaction
from pytest_django.fixtures import validate_django_db

from annual.interchange import write_document
from tests.documents import ARCHIVAL_MOMENT, EDUCATION_2021_FILE, SEED_FILE, demo_doc
from tests.personas import Personas, build_personas


def pytest_configure(config):
    # The production hasher (PBKDF2, a million rounds) is slow on purpose: 1–2 s a password on
    # these cores, and `load_demo` alone sets eight. Tests check what a password does, not how
    # slowly it is hashed; production keeps its setting (reportsite/settings.py).
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Modules whose tests run for minutes in all: the demo crawls and the axe pass walk every page
# as every person; the layout tests render the worst cases for real.
LONG_MODULES = frozenset({"test_demo_crawl.py", "test_axe_pages.py", "test_pdf_layout.py"})


def pytest_collection_modifyitems(config, items):
    # Long modules first, then those with a browser or real PDFs, then the rest, each module kept
    # whole (its module-scoped world is built once): two xdist workers otherwise finish together
    # except for a crawl that one of them starts last, alone.
    def heft(module) -> int:
        if module.path.name in LONG_MODULES:
            return 0
        heavy = {"browser", "pdf"}
        return 1 if any(heavy & {m.name for m in item.iter_markers()} for item in by_module[module]) else 2

    by_module: dict = {}
    for item in items:
        by_module.setdefault(item.getparent(pytest.Module), []).append(item)
    items[:] = [item for module in sorted(by_module, key=heft) for item in by_module[module]]


@pytest.fixture
def seed_doc() -> dict:
    """The seed report (苍南县人民政府办公室 2020) exactly as published, four errors included."""
    return demo_doc(SEED_FILE)


@pytest.fixture
def doc_2021() -> dict:
    """A 2021-format report that passes every rule."""
    return demo_doc(EDUCATION_2021_FILE)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Stored files (approved PDFs, cached drafts) go to a fresh directory per test, never the repo."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory) -> Path:
    """The state directory of a test session: the deployment's signing key is made once in it,
    not per approval, and never in the repository."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="session")
def archival_pdfs(state_dir) -> dict[str, tuple[dict, bytes]]:
    """Both template versions' approved PDF/A-3a, rendered once a session by the real WeasyPrint
    at ARCHIVAL_MOMENT, unsigned: {template: (document, pdf bytes)}, the seed for 2019 and the
    2021 demo report. Shared: copy the document before changing it."""
    from django.test import override_settings

    from annual.pdf import render_archival_pdf

    with override_settings(STATE_DIR=state_dir):
        docs = (demo_doc(SEED_FILE), demo_doc(EDUCATION_2021_FILE))
        return {doc["template"]: (doc, render_archival_pdf(doc, moment=ARCHIVAL_MOMENT)) for doc in docs}


@pytest.fixture(autouse=True)
def _state_dir(settings, state_dir):
    settings.STATE_DIR = state_dir


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a rolled-back test's report may share an id, a
    revision and (under a frozen clock) a time with the next one's."""
    from django.core.cache import cache

    cache.clear()


def _stand_in_pdf(doc: dict, *, title: str | None, draft, **options) -> bytes:
    """What a test that never opens the PDF needs of one: a valid one-page PDF (the approval signs
    it), whose bytes differ with the document, the title and the draft mark (so hashes, caches
    and downloads behave)."""
    from pypdf import PdfWriter

    key = json.dumps([doc, title, repr(draft)], ensure_ascii=False, sort_keys=True, default=str)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title or "", "/Subject": "stand-in " + hashlib.sha256(key.encode()).hexdigest()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stand_in_print(html: str, **options) -> bytes:
    """`_stand_in_pdf` for a print made from HTML: its bytes differ with the HTML."""
    return _stand_in_pdf({"html": html}, title=None, draft=None)


@pytest.fixture(autouse=True)
def _pdf_renderer(request, monkeypatch):
    """Real WeasyPrint only for the tests marked `pdf` (they look at the PDF); every other test
    (an approval renders the final PDF inline without a broker) gets `_stand_in_pdf`, in this
    process: subprocesses (the CLI, a Celery worker) always render for real. `_write` is the one
    place both `render_pdf` and `render_archival_pdf` hand a document to WeasyPrint, and
    `html_to_pdf` the one for every other print."""
    if request.node.get_closest_marker("pdf") is None:
        monkeypatch.setattr("annual.pdf.render._write", _stand_in_pdf)
        # The other prints (a comparison, the 盖章页, the report with its 图解) go through html_to_pdf.
        monkeypatch.setattr("annual.pdf.render.html_to_pdf", _stand_in_print)
        # The DOCX cuts its tables where the PDF's pages break, which takes a real page layout;
        # without it the tables stay whole, as a test that never reads the pages needs.
        monkeypatch.setattr("annual.exports.docx.pdf_page_breaks", lambda doc, title: {})


def _transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs `item` as a TransactionTestCase (committed data, flushed after)."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction_, reset_sequences, *_ = validate_django_db(marker)
        if transaction_ or reset_sequences:
            return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.fixture(scope="module")
def _personas_world(request, django_db_setup, django_db_blocker):
    """The personas, built once per test module inside a transaction that stays open for the
    module: each test's own transaction (pytest-django's `db`) is then a savepoint inside it, so a
    test's writes are rolled back and the next test finds the world as built, as with Django's
    `TestCase.setUpTestData`. A module with any transactional test gets None: its tests commit,
    which an open outer transaction would hide from other connections, so `personas` builds per
    test there."""
    module = request.node
    if any(_transactional(item) for item in request.session.items if item.getparent(pytest.Module) is module):
        yield None
        return
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_personas(demo_doc(EDUCATION_2021_FILE))
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def personas(_personas_world, db, doc_2021) -> Personas:
    """Five agencies, eight people and reports A and B (tests/personas.py). A fresh copy of the
    module's objects per test (as `setUpTestData` gives), so what a test changes in memory, like
    what it writes, does not reach the next. `db` comes after the module's world (pytest sets
    up wider-scoped fixtures first), so the test's transaction nests inside the world's."""
    if _personas_world is None:
        return build_personas(doc_2021)
    return copy.deepcopy(_personas_world)


@pytest.fixture
def seed_report(personas, seed_doc):
    """Agency A's 2020 report, figures exactly as published (the year before personas.report_a)."""
    return write_document(copy.deepcopy(seed_doc), personas.agency_a)
