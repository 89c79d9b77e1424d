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


def test_libraries_are_found_where_the_loader_looks_without_running_gcc(monkeypatch, tmp_path):
    import ctypes.util

    # The names WeasyPrint 70 finds on Linux, as ctypes finds them.
    present = ["gobject-2.0", "pango-1.0", "harfbuzz", "harfbuzz-subset", "fontconfig", "pangoft2-1.0"]
    expected = {name: ctypes.util.find_library(name) for name in present}
    assert all(expected.values())
    (tmp_path / "libreportfake.so.1").write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", f"/nonexistent:{tmp_path}")
    original = ctypes.util.find_library

    def searched(*args):
        raise AssertionError("gcc or ld was run")

    monkeypatch.setattr(ctypes.util, "_findLib_gcc", searched, raising=False)
    monkeypatch.setattr(ctypes.util, "_findLib_ld", searched, raising=False)
    with speedups.quick_library_lookup():
        assert {name: ctypes.util.find_library(name) for name in present} == expected
        # The Windows and macOS spellings WeasyPrint tries first, and a library not installed.
        assert ctypes.util.find_library("libgobject-2.0-0") is None
        assert ctypes.util.find_library("harfbuzz-vector-0.dll") is None
        assert ctypes.util.find_library("reportfake") == "libreportfake.so.1"
    assert ctypes.util.find_library is original
