"""The upstream work-arounds in annual/pdf/speedups.py change no byte of the output."""

import pytest

from annual.pdf import render_pdf, speedups

pytestmark = pytest.mark.pdf


def test_speedups_apply_to_the_pinned_versions_and_leave_the_pdf_byte_identical(seed_doc, doc_2021, monkeypatch):
    assert speedups.install() == ["tinyhtml5", "weasyprint"]
    patched = [render_pdf(seed_doc), render_pdf(doc_2021)]
    install = speedups.install
    speedups.uninstall()
    try:
        # Every layout installs the patches; here it must not, or both sides would be patched.
        monkeypatch.setattr(speedups, "install", list)
        assert "tinyhtml5" not in speedups._originals
        upstream = [render_pdf(seed_doc), render_pdf(doc_2021)]
        assert "tinyhtml5" not in speedups._originals
    finally:
        monkeypatch.undo()
        install()
    assert patched == upstream


def test_chars_until_cache_is_keyed_by_the_characters_looked_up():
    import re

    import tinyhtml5
    from tinyhtml5 import inputstream

    speedups.install()
    tinyhtml5.parse("<p>一</p>" * 50)
    # Upstream stores each pattern under (pattern, opposite), a key no lookup ever uses.
    keys = [key for key, _ in inputstream.characters_until_regex.items() if not isinstance(key[0], re.Pattern)]
    assert (("<", "\u0000"), False) in keys or (("&", "<", "\u0000"), False) in keys
