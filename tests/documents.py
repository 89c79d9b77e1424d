"""Documents the tests start from: the demo reports as published, and the largest document the
format allows."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from annual import template_spec as spec
from annual.document import MAX_COUNT, blank_document, validate

DEMO_DIR = Path(__file__).resolve().parent.parent / "annual" / "demo_data"
SEED_FILE = "cangnan-2020.json"
EDUCATION_2021_FILE = "cangnan-education-2021.json"


# The approval time every archival PDF of the tests carries, so renders compare byte for byte.
ARCHIVAL_MOMENT = datetime.datetime(2021, 1, 29, 10, 0, tzinfo=datetime.UTC)


def demo_doc(name: str) -> dict:
    """A demo report (`annual/demo_data/<name>`) exactly as stored."""
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def largest_document(version: str) -> dict:
    """Every count at MAX_COUNT, every 本年增/减 at -MAX_COUNT, money with four decimals, and texts
    that open like formulas."""
    doc = blank_document(agency="=最大值测试局", year=2019 if version == spec.V2019 else 2021, version=version)
    for item, fields in spec.proactive_fields(version).items():
        for f in fields:
            if f.kind == spec.MONEY:
                doc["proactive"][item][f.key] = "99999999999.9999"
            else:
                doc["proactive"][item][f.key] = -MAX_COUNT if f.kind == spec.SIGNED else MAX_COUNT
    for section in ("applications", "review_litigation"):
        for row in doc[section].values():
            for key in row:
                row[key] = MAX_COUNT
    doc["overview"] = "=SUM(A1:A9)\n\n+1 条\n\n-（一）减少\n\n@提及"
    doc["problems"] = "  前后有空格的段落  \n\n第二段"
    doc["meta"] = {"published_on": "2022-01-30", "contact": {"postcode": "000001", "phone": "-"}}
    return validate(doc)
