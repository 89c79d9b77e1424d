"""Every step at 1366×768: no sideways scrolling, and the save buttons always in view.

Set ENTRY_SCREENSHOTS=/some/dir to also keep a screenshot of each page for a human to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annual.sections import STEPS

pytestmark = pytest.mark.browser


def test_every_step_fits_1366x768_with_actions_in_view(office, open_page, live_server):
    shots = os.environ.get("ENTRY_SCREENSHOTS")
    page = open_page(office.users["tianbao"], "/")
    pages = [("home", "/")] + [(s.slug, f"/reports/{office.seed.pk}/{s.slug}/") for s in STEPS]
    for name, path in pages:
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: {overflow}px wider than the window"
        save = page.get_by_test_id("save")
        if save.count():
            box = save.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 768, f"{name}: 保存 is below the fold"
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{STEPS_INDEX.get(name, 0):02d}-{name}.png"))


STEPS_INDEX = {"home": 0, **{s.slug: i + 1 for i, s in enumerate(STEPS)}}
