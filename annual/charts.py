"""图解: the year's figures as bar charts, one data model drawn two ways.

`report_charts(doc)` gives the charts of one report (applications by applicant type, outcomes,
review and litigation results); `agency_chart(docs)` and `year_chart(docs)` those of a 汇总
(by agency, year over year). A `Chart` is plain data: the app's 图解 page hands it to ECharts
(`Chart.as_echarts()`, static/annual/charts.js), and the publication package and the PDF's 图解
page draw the same data as vector SVG (`svg(chart)`) in the same colours. A chart whose
values are all blank is not drawn at all (the functions leave it out / return None).

Labels come from `annual.template_spec`; nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from . import template_spec as spec

# ECharts' default palette, written out so the SVG and the app draw the same colours; every
# one of them has a 3:1 contrast against white (bars are graphics, WCAG 1.4.11).
PALETTE = ("#5470c6", "#3ba272", "#ee6666", "#fc8452", "#9a60b4", "#73c0de", "#fac858")
FONT_FAMILY = '"Report Sans SC", "黑体", "SimHei", "Noto Sans CJK SC", sans-serif'
TEXT_COLOUR = "#222"
AXIS_COLOUR = "#666"

APPLICANTS_TITLE = "依申请公开：本年新收申请按申请人类型"
OUTCOMES_TITLE = "依申请公开：本年度办理结果"
REVIEW_TITLE = "行政复议、行政诉讼：结果"
AGENCY_TITLE = "各机关本年新收政府信息公开申请数量"
YEAR_TITLE = "历年本年新收政府信息公开申请数量"
UNIT = "件"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int | None, ...]  # one per category; None is blank (drawn as no bar)
    colour: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...] = field(default_factory=tuple)
    unit: str = UNIT

    @property
    def blank(self) -> bool:
        return all(v is None for s in self.series for v in s.values)

    @property
    def maximum(self) -> int:
        return max((v for s in self.series for v in s.values if v is not None), default=0)

    def as_echarts(self) -> dict:
        """The JSON the app's ECharts page draws (static/annual/charts.js)."""
        return {
            "key": self.key,
            "title": self.title,
            "unit": self.unit,
            "categories": list(self.categories),
            "series": [{"name": s.name, "values": list(s.values), "colour": s.colour} for s in self.series],
        }

    @property
    def rows(self) -> list[tuple[str, tuple[int | None, ...]]]:
        """Per category, its values in series order (the data table under a chart)."""
        return [(c, tuple(s.values[i] for s in self.series)) for i, c in enumerate(self.categories)]

    def description(self) -> str:
        """The figures in words, for screen readers and the plain-text package."""
        parts = []
        for s in self.series:
            values = "，".join(
                f"{c} {'空白' if v is None else v}" for c, v in zip(self.categories, s.values, strict=True)
            )
            parts.append(f"{s.name}：{values}" if len(self.series) > 1 else values)
        return "；".join(parts)


def _sum(values) -> int | None:
    """Blank when every part is blank, else the sum of what is there (blank counts as 0)."""
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def applicants_chart(doc: dict) -> Chart:
    received = doc.get("applications", {}).get("received", {})
    return Chart(
        "applicants",
        APPLICANTS_TITLE,
        tuple(c.label for c in spec.APPLICANT_COLUMNS),
        (Series("本年新收", tuple(received.get(c.key) for c in spec.APPLICANT_COLUMNS), PALETTE[0]),),
    )


def outcomes_chart(doc: dict) -> Chart:
    """（一）…（六） of 三, the items of a group summed, in the 总计 column."""
    values = doc.get("applications", {})
    order: list[str] = []
    sums: dict[str, list] = {}
    for row in spec.outcome_rows(doc["template"]):
        label = f"{row.group.number}{row.group.label}" if row.group else row.numbered_label
        label = label.split("（区分")[0]  # 部分公开's long parenthesis is a counting rule, not a name
        if label not in sums:
            order.append(label)
            sums[label] = []
        sums[label].append(values.get(row.key, {}).get(spec.TOTAL_COLUMN.key))
    return Chart(
        "outcomes",
        OUTCOMES_TITLE,
        tuple(order),
        (Series("办理结果（总计）", tuple(_sum(sums[k]) for k in order), PALETTE[1]),),
    )


def review_chart(doc: dict) -> Chart:
    values = doc.get("review_litigation", {})
    parts = [f for f in spec.REVIEW_FIELDS if f.key in spec.REVIEW_PART_KEYS]
    series = tuple(
        Series(g.label, tuple(values.get(g.key, {}).get(f.key) for f in parts), PALETTE[2 + i])
        for i, g in enumerate(spec.REVIEW_GROUPS)
    )
    return Chart("review", REVIEW_TITLE, tuple(f.label for f in parts), series)


def report_charts(doc: dict) -> list[Chart]:
    """The 图解 of one report (a valid document): the charts that have at least one figure."""
    charts = [applicants_chart(doc), outcomes_chart(doc), review_chart(doc)]
    return [c for c in charts if not c.blank]


def _received_total(doc: dict) -> int | None:
    return doc.get("applications", {}).get("received", {}).get(spec.TOTAL_COLUMN.key)


def agency_chart(docs: list[dict]) -> Chart | None:
    """本年新收 (总计) per agency, in the order given (a 汇总's agencies); None if all blank."""
    chart = Chart(
        "by_agency",
        AGENCY_TITLE,
        tuple(d["agency"] for d in docs),
        (Series("本年新收", tuple(_received_total(d) for d in docs), PALETTE[0]),),
    )
    return None if chart.blank else chart


def year_chart(docs: list[dict]) -> Chart | None:
    """本年新收 (总计) per year, oldest first, from one agency's (or one 汇总's) documents."""
    ordered = sorted(docs, key=lambda d: d["year"])
    chart = Chart(
        "by_year",
        YEAR_TITLE,
        tuple(f"{d['year']}年" for d in ordered),
        (Series("本年新收", tuple(_received_total(d) for d in ordered), PALETTE[0]),),
    )
    return None if chart.blank else chart


# --- SVG -------------------------------------------------------------------------------------

WIDTH = 640
LABEL_WIDTH = 190
VALUE_GAP = 60  # room right of the longest bar for its figure
BAR = 16
BAR_GAP = 4
GROUP_GAP = 12
TITLE_HEIGHT = 34
LEGEND_HEIGHT = 24
FONT_SIZE = 13


def _label_lines(text: str, per_line: int = 13) -> list[str]:
    return [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]


def svg(chart: Chart, *, element_id: str | None = None, width_mm: float | None = None) -> str:
    """A horizontal bar chart as standalone SVG markup, with Chinese labels and a text alternative.

    Bars are drawn to scale from zero; a blank value draws no bar and prints 「空白」, a zero
    prints 0. The text uses the print fonts' family names, so WeasyPrint embeds the same faces
    as in the report; a browser falls back to the system's 黑体. `width_mm` sizes it for print
    (the drawing scales, its proportions kept); otherwise it is WIDTH pixels wide.
    """
    ident = element_id or f"chart-{chart.key}"
    n_series = len(chart.series)
    legend = LEGEND_HEIGHT if n_series > 1 else 0
    group_height = n_series * BAR + (n_series - 1) * BAR_GAP
    top = TITLE_HEIGHT + legend
    height = top + len(chart.categories) * (group_height + GROUP_GAP) + 24
    plot = WIDTH - LABEL_WIDTH - VALUE_GAP
    scale = plot / chart.maximum if chart.maximum else 0
    size = (
        f'width="{WIDTH}" height="{height}"'
        if width_mm is None
        else f'width="{width_mm}mm" height="{width_mm * height / WIDTH:.1f}mm"'
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{ident}" class="chart" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" {size} '
        f'viewBox="0 0 {WIDTH} {height}" font-family=\'{FONT_FAMILY}\' font-size="{FONT_SIZE}">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description())}（单位：{chart.unit}）</desc>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="16" fill="{TEXT_COLOUR}">'
        f"{escape(chart.title)}（单位：{chart.unit}）</text>",
    ]
    if n_series > 1:
        x = 20
        for s in chart.series:
            out.append(f'<rect x="{x}" y="{TITLE_HEIGHT + 2}" width="12" height="12" fill="{s.colour}"/>')
            out.append(f'<text x="{x + 16}" y="{TITLE_HEIGHT + 13}" fill="{TEXT_COLOUR}">{escape(s.name)}</text>')
            x += 16 + FONT_SIZE * len(s.name) + 20
    for i, category in enumerate(chart.categories):
        y0 = top + i * (group_height + GROUP_GAP)
        lines = _label_lines(category)
        first = y0 + group_height / 2 - (len(lines) - 1) * (FONT_SIZE + 2) / 2 + FONT_SIZE / 2 - 1
        for k, line in enumerate(lines):
            out.append(
                f'<text x="{LABEL_WIDTH - 8}" y="{first + k * (FONT_SIZE + 2):.1f}" text-anchor="end" '
                f'fill="{TEXT_COLOUR}">{escape(line)}</text>'
            )
        for j, s in enumerate(chart.series):
            value = s.values[i]
            y = y0 + j * (BAR + BAR_GAP)
            length = (value or 0) * scale
            if value:
                out.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.2f}" height="{BAR}" fill="{s.colour}"/>')
            text = "空白" if value is None else str(value)
            out.append(f'<text x="{LABEL_WIDTH + length + 6:.2f}" y="{y + BAR - 3}" fill="{TEXT_COLOUR}">{text}</text>')
    bottom = height - 20
    out.append(f'<line x1="{LABEL_WIDTH}" y1="{top - 4}" x2="{LABEL_WIDTH}" y2="{bottom}" stroke="{AXIS_COLOUR}"/>')
    out.append("</svg>")
    return "\n".join(out)
