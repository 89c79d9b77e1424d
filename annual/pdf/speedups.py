"""Three upstream inefficiencies worked around, output bytes unchanged.

1. tinyhtml5 2.1.0, `HTMLUnicodeInputStream.chars_until`: its regex cache never hits. The
   statement `characters = characters_until_regex[(characters, opposite)] = regex` assigns
   left to right, so the entry is stored under (regex, opposite), never under the characters
   looked up. Every call rebuilds the pattern string (a list comprehension over the characters)
   and goes through `re.compile`'s cache: some 2 400 times for the seed report. Here the cache
   is filled under the right key before the original runs, which then finds it.
   Write-up: docs/upstream/tinyhtml5-chars-until-cache.md.

2. WeasyPrint 70, `pdf.fonts.Font._harfbuzz_subset`: `ffi.new(f'hb_codepoint_t[{n}]', …)`
   spells a new C type for each font's glyph count, and cffi parses each new type string
   (about 13 ms on this machine, five fonts a report). `hb_codepoint_t[]` with the same
   initialiser builds the same array from one cached type. Here the module's `ffi` is wrapped
   so that a sized array type with an initialiser is asked for unsized.
   Write-up: docs/upstream/weasyprint-subset-array-type.md.

3. Loading WeasyPrint: `weasyprint.text.ffi` tries six names for each of seven libraries
   (`libgobject-2.0-0`, `gobject-2.0-0`, … for Windows and macOS too), and cffi hands each name
   it cannot load to `ctypes.util.find_library`, which on Linux, after the loader's cache,
   runs gcc and ld to search for it: 15–30 ms a name that is not there, 0.2–0.4 s of every
   process that prints (six misses for the optional harfbuzz-vector alone). While WeasyPrint
   loads (`quick_library_lookup`), a name is looked up where the dynamic loader itself looks:
   its cache (`ldconfig -p`, as ctypes does first) and LD_LIBRARY_PATH. A library found
   elsewhere by gcc could not be loaded by that name anyway.
   Write-up: docs/upstream/weasyprint-library-lookup.md.

Patches 1 and 2 apply only to the version they were checked against; tests/test_pdf_speedups.py
checks that a render is byte-identical with and without them, and that patch 3 finds the
libraries ctypes finds.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager

TINYHTML5_VERSIONS = ("2.1.0",)
WEASYPRINT_VERSIONS = ("70.0",)

_SIZED_ARRAY = re.compile(r"(\w+)\[\d+\]")
_originals: dict[str, object] = {}


class _UnsizedArrays:
    """WeasyPrint's cffi FFI, asking for `T[]` where it asked for `T[n]` with an initialiser."""

    def __init__(self, ffi):
        self._ffi = ffi

    def new(self, cdecl, init=None):
        match = _SIZED_ARRAY.fullmatch(cdecl) if init is not None else None
        return self._ffi.new(f"{match[1]}[]" if match else cdecl, init)

    def __getattr__(self, name):
        return getattr(self._ffi, name)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def install() -> list[str]:
    """Apply the patches that fit the installed versions; returns their names."""
    if "tinyhtml5" not in _originals and _package_version("tinyhtml5") in TINYHTML5_VERSIONS:
        from tinyhtml5 import inputstream

        original = inputstream.HTMLUnicodeInputStream.chars_until
        cache = inputstream.characters_until_regex

        def chars_until(self, characters, opposite=False):
            key = (characters, opposite)
            if key not in cache:
                # The pattern exactly as tinyhtml5 2.1.0 builds it.
                regex = "".join([f"\\x{ord(character):02x}" for character in characters])
                if not opposite:
                    regex = f"^{regex}"
                cache[key] = re.compile(f"[{regex}]+")
            return original(self, characters, opposite)

        inputstream.HTMLUnicodeInputStream.chars_until = chars_until
        _originals["tinyhtml5"] = original
    if "weasyprint" in _originals or _package_version("weasyprint") in WEASYPRINT_VERSIONS:
        from weasyprint.pdf import fonts

        if "weasyprint" not in _originals:
            _originals["weasyprint"] = fonts.ffi
            fonts.ffi = _UnsizedArrays(fonts.ffi)
    return sorted(_originals)


def uninstall() -> None:
    """Restore the upstream code (for the byte-identity test)."""
    if "tinyhtml5" in _originals:
        from tinyhtml5 import inputstream

        inputstream.HTMLUnicodeInputStream.chars_until = _originals.pop("tinyhtml5")
    if "weasyprint" in _originals:
        from weasyprint.pdf import fonts

        fonts.ffi = _originals.pop("weasyprint")


def _in_library_path(name: str) -> str | None:
    prefix = f"lib{name}.so"
    for folder in filter(None, os.environ.get("LD_LIBRARY_PATH", "").split(":")):
        try:
            found = sorted(entry for entry in os.listdir(folder) if entry.startswith(prefix))
        except OSError:
            continue
        if found:
            return found[0]
    return None


@contextmanager
def quick_library_lookup():
    """`ctypes.util.find_library` without the gcc and ld searches, inside (see patch 3)."""
    import ctypes.util

    from_cache = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if from_cache is None or os.name != "posix":
        yield
        return
    original = ctypes.util.find_library

    def find_library(name):
        return from_cache(name) or _in_library_path(name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original
