"""Money amounts (万元): their one pattern, and their one conversion to and from the database.

The document holds an amount as the decimal string the office wrote ("271.50"); the database
holds a Decimal and how many decimals were written, so "271.50" comes back as "271.50".
Typed input is read by `normalize.parse_money`, printed text made by `formatting.format_money`.
"""

from __future__ import annotations

import re
from decimal import Decimal

# A document's amount: up to 14 whole digits and 4 decimals, no sign.
MONEY_RE = re.compile(r"^\d{1,14}(?:\.\d{1,4})?$")


def to_stored(text: str | None) -> tuple[Decimal | None, int | None]:
    """A document's amount as the database stores it: (amount, decimals written)."""
    if text is None:
        return None, None
    places = len(text.split(".", 1)[1]) if "." in text else 0
    return Decimal(text), places


def from_stored(amount: Decimal | None, places: int | None) -> str | None:
    """A stored amount as the document's string, with the decimals the office wrote."""
    if amount is None:
        return None
    if places is None:
        return f"{amount.normalize():f}"
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"
