"""Shorter text-showing arrays in WeasyPrint's content streams, positions unchanged.

WeasyPrint 70 writes each glyph of a letter-spaced line as `<glyph> kerning <> spacing`: an
integer adjustment, an empty string and a second adjustment printed with Python's full float
repr, `[<0690>-8<>-8.765758754863814<065c>-8<>…] TJ`. Justified Chinese is letter-spaced on
every line, so most of the seed's 45 KB of content streams (compressed) were these runs.

In a TJ array consecutive numbers are applied one after the other, so `-8 <> -8.7657…` moves
the pen exactly as `-16.766` does: `tighten` sums each such sequence, rounds it to a thousandth
of a thousandth of an em (a hundred-millionth of a point at the seed's 16 pt), drops zeros and
joins strings that become adjacent. Every glyph lands where it did; the text and its order are
untouched, so extraction and the tag tree's marked content are the same.

Applied by glyphs.py to every content stream WeasyPrint drew, in the pass that renumbers the
glyphs, before pydyf compresses them.
"""

from __future__ import annotations

import re
from functools import partial

# One TJ array operation as WeasyPrint's pydyf stream holds it: `[` … `] TJ`, strings in hex.
_TJ = re.compile(rb"\[((?:<[0-9a-fA-F]*>|-?[0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)*)\] TJ")
_TOKEN = re.compile(rb"<([0-9a-fA-F]*)>|(-?[0-9]*\.?[0-9]+(?:[eE]-?[0-9]+)?)")
DIGITS = 3


def _number(value: float) -> bytes:
    text = f"{value:.{DIGITS}f}".rstrip("0").rstrip(".")
    return text.encode() if text not in ("-0", "") else b"0"


def tighten_array(body: bytes, mapping: dict[int, int] | None = None) -> bytes:
    """The inside of one TJ array with each run of adjustments summed, adjacent strings joined
    and, with `mapping` (old glyph id → new), its two-byte glyph codes renumbered."""
    out: list[bytes] = []
    pending = 0.0
    hex_run: list[bytes] = []

    def flush_string() -> None:
        if hex_run:
            out.append(b"<" + b"".join(hex_run) + b">")
            hex_run.clear()

    for match in _TOKEN.finditer(body):
        string, number = match.groups()
        if number is not None:
            pending += float(number)
            continue
        if not string:
            continue  # an empty string moves nothing
        adjustment = round(pending, DIGITS)
        pending = 0.0
        if adjustment:
            flush_string()
            out.append(_number(adjustment))
        if mapping is not None:
            string = b"".join(b"%04x" % mapping[int(string[i : i + 4], 16)] for i in range(0, len(string), 4))
        hex_run.append(string)
    flush_string()
    if round(pending, DIGITS):
        out.append(_number(pending))
    return b" ".join(out)


def _tightened(match: re.Match[bytes], mapping: dict[int, int] | None) -> bytes:
    return b"[" + tighten_array(match[1], mapping) + b"] TJ"


def rewrite(operations: list, numbering: dict[str, dict[int, int]]) -> list:
    """A content stream's operations (WeasyPrint's pydyf list) with every TJ array tightened and
    its glyph codes renumbered as `numbering` says for the font in use (font resource name →
    old id → new). WeasyPrint sets the font (`/NAME size Tf`) at the start of every text run."""
    result = []
    mapping = None
    for operation in operations:
        if isinstance(operation, bytes):
            if operation.endswith(b" Tf"):
                mapping = numbering.get(operation[1:].split(b" ", 1)[0].decode("ascii", "replace"))
            elif b"TJ" in operation:
                operation = _TJ.sub(partial(_tightened, mapping=mapping), operation)
        result.append(operation)
    return result
