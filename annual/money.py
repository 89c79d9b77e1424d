"""Money amounts (万元): their one pattern, and their one conversion to and from the database.

The document holds an amount as the decimal string the office wrote ("271.50"); the database
holds a Decimal and how many decimals were written, so "271.50" comes back as "271.50".
Typed input is read by `normalize.parse_money`, printed text made by `formatting.format_money`.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Money in 万元: at most 4 decimal places and 11 integer digits, i.e. 0 to 99 999 999 999.9999
# (about 10^15 元). SQLite keeps 15 significant digits and PostgreSQL numeric(18, 4), so every value
# in range is stored exactly on both; a province-wide 汇总 of thousands of reports stays four orders
# of magnitude below the limit (all of China's yearly government procurement is about 4 × 10^8 万元).
MONEY_MAX = Decimal("99999999999.9999")
MONEY_INTEGER_DIGITS = 11
MONEY_PLACES = 4
# A document's amount: the digits above, no sign.
MONEY_RE = re.compile(rf"^\d{{1,{MONEY_INTEGER_DIGITS}}}(?:\.\d{{1,{MONEY_PLACES}}})?$", re.ASCII)
MONEY_LIMIT_TEXT = f"0 至 {MONEY_MAX} 万元（最多 {MONEY_PLACES} 位小数）"


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
