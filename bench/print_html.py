"""The print HTML (what WeasyPrint is given) of the seed, the 2021 demo report and the demo's
roll-ups, written to OUTDIR, with one fixed print time, so two checkouts can be compared byte for
byte (`cmp`) around a refactor that must not change a printed page.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python manage.py load_demo --password demo12345
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/print_html.py OUTDIR
    for f in BEFORE/*.html; do cmp "$f" "OUTDIR/$(basename "$f")"; done

Each report is printed as a draft (watermark and footer, as `render_report` without --final)
and as final; each roll-up through `annual.rollup.render_rollup_pdf`'s path (the 汇总 PDF).
Prints each file's size and SHA-256.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from annual.cli import load_document_or_exit  # noqa: E402
from annual.management.commands.render_report import FILE_STATE  # noqa: E402
from annual.models import Agency, Report  # noqa: E402
from annual.pdf import DraftMark, render_html  # noqa: E402
from annual.rollup import RollupError, build_rollup, rollup_mark, rollup_title  # noqa: E402

REPORTS = ("cangnan-2020", "cangnan-education-2021")
PRINTED_AT = timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 30))


def pages() -> dict[str, str]:
    found = {}
    for name in REPORTS:
        doc = load_document_or_exit(str(ROOT / "annual" / "demo_data" / f"{name}.json"))
        found[f"{name}.draft.html"] = render_html(
            doc, title=None, draft=DraftMark(state=FILE_STATE, printed_at=PRINTED_AT)
        )
        found[f"{name}.final.html"] = render_html(doc, title=None, draft=None)
    years = sorted(set(Report.objects.values_list("year", flat=True)))
    for agency in Agency.objects.order_by("pk"):
        for year in years:
            try:
                rollup = build_rollup(agency, year, include_unapproved=True, include_invalid=True)
            except RollupError:  # two template versions in one year: no roll-up to print
                continue
            if rollup.parts:
                mark = rollup_mark(rollup, printed_at=PRINTED_AT)
                found[f"rollup-{agency.pk}-{year}.html"] = render_html(
                    rollup.document, title=rollup_title(rollup), draft=mark
                )
    return found


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, html in pages().items():
        data = html.encode("utf-8")
        (out / name).write_bytes(data)
        print(f"{name}  {len(data)} bytes  sha256 {hashlib.sha256(data).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
