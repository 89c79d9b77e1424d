"""Tables 二, 三 and 四 of a published report, read by their structure from the template spec.

The PDF and the portal-page readers both hand over grids: rows of `GridCell`s (text, where it was
printed, and its horizontal extent), with a merged cell's text in its first row and None in the
rows it spans. Rows are recognised by their official labels (`template_spec`), tolerant of spacing,
full- and half-width characters and line breaks; value columns by the position of their headers.
Nothing is guessed: a cell that cannot be read is left blank with a warning naming it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .. import template_spec as spec


@dataclass(frozen=True)
class Where:
    """Where a value was printed: the page (1-based) and its box in points (x0, top, x1, bottom);
    for a portal page, the table and cell instead (page 0)."""

    page: int
    box: tuple[float, float, float, float]

    def as_dict(self) -> dict:
        return {"page": self.page, "box": [round(v, 1) for v in self.box]}


@dataclass(frozen=True)
class GridCell:
    text: str
    where: Where

    @property
    def x(self) -> tuple[float, float]:
        return self.where.box[0], self.where.box[2]


Grid = list[list[GridCell | None]]


@dataclass
class TableReading:
    """What the tables gave: values by document path, where each came from, and warnings."""

    values: dict[str, object] = field(default_factory=dict)
    where: dict[str, Where] = field(default_factory=dict)
    warnings: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    # What the printed headers say about the template (2019: 本年新制作数量; 2021: 本年制发件数).
    version_hints: set[str] = field(default_factory=set)

    def warn(self, cells: tuple[str, ...], message: str) -> None:
        self.warnings.append((cells, message))


_KEEP = re.compile(r"[\w“”\"]+")


def norm(text: str | None) -> str:
    """A label as compared: NFKC (full-width to half-width), no spaces, line breaks or
    punctuation, so 「（三） 不予公\n开」 and 「(三)不予公开」 are the same."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(_KEEP.findall(folded)).replace("“", "").replace("”", "").replace('"', "").replace("_", "")


BLANKS = {"", "-", "—", "–", "－", "/", "／", "无", "\\", "——", "--", "…"}
_INT = re.compile(r"^[+\-]?\d+$")
_DEC = re.compile(r"^[+\-]?\d+(\.\d+)?$")


class Unreadable(Exception):
    pass


def parse_value(text: str, kind: str) -> object:
    """The value of a printed cell (None for blank), or Unreadable."""
    folded = unicodedata.normalize("NFKC", text or "")
    squeezed = re.sub(r"\s+", "", folded).replace(",", "").replace("，", "")
    if squeezed in BLANKS or set(squeezed) <= {"-", "—", "－"}:
        return None
    squeezed = squeezed.replace("－", "-").replace("—", "-").replace("−", "-")
    if kind == spec.MONEY:
        squeezed = squeezed.removesuffix("万元").removesuffix("元")
        if not _DEC.match(squeezed) or squeezed.startswith(("-", "+")):
            raise Unreadable(text)
        return squeezed
    if not _INT.match(squeezed):
        raise Unreadable(text)
    number = int(squeezed)
    if kind == spec.COUNT and number < 0:
        raise Unreadable(text)
    return number


def yuan_to_wan(value: str) -> str:
    """元 printed where the format says 万元: divided by 10 000, exactly, at most 4 places."""
    try:
        wan = Decimal(value) / Decimal(10000)
    except InvalidOperation as exc:  # pragma: no cover - parse_value has checked the digits
        raise Unreadable(value) from exc
    text = f"{wan.quantize(Decimal('0.0001')):f}".rstrip("0").rstrip(".")
    return text or "0"


# --- Which table is which ---------------------------------------------------------------------

PROACTIVE, APPLICATIONS, REVIEW = "proactive", "applications", "review_litigation"


def kind_of(grid: Grid) -> str | None:
    text = norm("".join(c.text for row in grid[:4] for c in row if c))
    if "申请人情况" in text or ("自然人" in text and "商业企业" in text):
        return APPLICATIONS
    if "行政复议" in text and "行政诉讼" in text:
        return REVIEW
    everything = norm("".join(c.text for row in grid for c in row if c))
    if "信息内容" in everything or "第二十条" in everything:
        return PROACTIVE
    return None


def _filled(row: list[GridCell | None]) -> list[GridCell]:
    return [c for c in row if c is not None]


def _centre(cell: GridCell) -> float:
    x0, x1 = cell.x
    return (x0 + x1) / 2


def _column_at(columns: list[tuple[str, tuple[float, float]]], cell: GridCell) -> str | None:
    """The header column whose horizontal extent holds the cell's centre."""
    centre = _centre(cell)
    for key, (x0, x1) in columns:
        if x0 - 1 <= centre <= x1 + 1:
            return key
    return None


# --- 三 ----------------------------------------------------------------------------------------


def _application_columns(rows: list[list[GridCell | None]]) -> list[tuple[str, tuple[float, float]]]:
    """(column key, x extent) of the seven value columns, from the header's own cells."""
    wanted = {norm(c.label): c.key for c in spec.APPLICATION_COLUMNS}
    found: dict[str, tuple[float, float]] = {}
    for row in rows:
        for cell in _filled(row):
            key = wanted.get(norm(cell.text))
            if key and key not in found:
                found[key] = cell.x
    return [(c.key, found[c.key]) for c in spec.APPLICATION_COLUMNS if c.key in found]


@dataclass(frozen=True)
class _RowMatch:
    key: str
    single_other: bool = False
    misprinted: bool = False


def _row_candidates(version: str) -> list[tuple[str, spec.Row]]:
    return [(norm(r.numbered_label), r) for r in spec.application_rows(version)]


def match_application_row(version: str, labels: list[str], context: str) -> _RowMatch | None:
    """The row whose label the printed label cells end with. `context` holds the labels of the
    merged cells above (三、本年度办理结果, （三）不予公开…), which tell apart items of the same
    number in different groups."""
    own = norm(labels[-1]) if labels else ""
    whole = norm("".join(labels))
    if not own:
        return None
    candidates = []
    for numbered, row in _row_candidates(version):
        bare = norm(row.label)
        if own in (numbered, bare) or whole.endswith(numbered):
            candidates.append(row)
    if len(candidates) > 1:
        grouped = [r for r in candidates if r.group is not None and norm(r.group.label) in norm(context) + whole]
        candidates = grouped or [r for r in candidates if r.group is None] or candidates
    if len(candidates) == 1:
        return _RowMatch(candidates[0].key)
    # A 2021 table that printed （六）其他处理 as one row, the 2019 way.
    if version == spec.V2021 and own in (norm("（六）其他处理"), norm("其他处理")):
        return _RowMatch("other_misc", single_other=True)
    return _misprinted_row(version, own, context + whole)


# How close a misprinted item label must be to the official one (difflib ratio), its number and
# group matching: 「2.其他法律行政止公开」, printed so by a real 2023 report, is 0.86 of
# 「2.其他法律行政法规禁止公开」; the nearest other label of that group is below 0.5.
MISPRINT_RATIO = 0.75


def _misprinted_row(version: str, own: str, context: str) -> _RowMatch | None:
    """The item of a group whose printed label is a misprint of the official one: the same
    number, inside a group the merged cells above name, and only one label of that group near
    it. Anything less certain stays unrecognised (and warned about)."""
    import difflib

    near = []
    for numbered, row in _row_candidates(version):
        if row.group is None or norm(row.group.label) not in norm(context):
            continue
        if not own.startswith(norm(row.number)):
            continue
        ratio = difflib.SequenceMatcher(a=own, b=numbered, autojunk=False).ratio()
        if ratio >= MISPRINT_RATIO:
            near.append(row)
    if len(near) == 1:
        return _RowMatch(near[0].key, misprinted=True)
    return None


def read_applications(grids: list[Grid], version: str, out: TableReading) -> None:
    seen: set[str] = set()
    last_columns: list[tuple[str, tuple[float, float]]] = []
    for grid in grids:
        columns = _application_columns(grid[:4])
        if not columns and last_columns and _continues(grid, last_columns):
            # The table goes on over the page without repeating its header: the columns stand
            # where the previous page's header put them.
            columns = last_columns
        if len(columns) != len(spec.APPLICATION_COLUMNS):
            out.warn(("applications",), "表三的表头无法识别全部 7 个数据列，该部分未读取")
            continue
        last_columns = columns
        carried: list[str] = []
        for row in grid:
            cells = _filled(row)
            # A cell is a figure when it stands in a value column: a page's table may sit a
            # point off the previous page's, so the columns are matched by their centres.
            values = [c for c in cells if _column_at(columns, c) is not None]
            labels = [c for c in cells if _column_at(columns, c) is None and norm(c.text)]
            if not labels or not values:
                continue
            texts = [c.text for c in labels]
            # Merged label cells (the outcome heading, a group) stand only in their first row.
            if len(texts) > 1:
                carried = texts[:-1]
            if _is_header(texts, values):
                continue
            match = match_application_row(version, texts, "".join(carried))
            if match is None:
                label = re.sub(r"\s+", "", "".join(texts))
                if any(norm(c.text) for c in values) and not any(k in norm(label) for k in ("申请人情况", "自然人")):
                    out.warn(("applications",), f"表三中无法识别的行「{label}」，未读取")
                continue
            if match.key in seen:
                continue  # a repeated row (a header repeated on the next page): the first stays
            seen.add(match.key)
            if match.misprinted:
                printed = re.sub(r"\s+", "", texts[-1])
                official = spec.application_rows_by_key(version)[match.key].display
                out.notes.append(f"表三的行标签印为「{printed}」，按编号和所在分组读作“{official}”")
            if match.single_other:
                out.variants.append("other_single_row")
                out.notes.append("表三“（六）其他处理”按 2019 年版印为一行：其数字记入“3.其他”，另两项留空")
            for cell in values:
                col = _column_at(columns, cell)
                if col is None:
                    continue
                path = f"applications.{match.key}.{col}"
                _store(out, path, cell, spec.COUNT, version)


def _continues(grid: Grid, columns: list[tuple[str, tuple[float, float]]]) -> bool:
    """Whether a grid without a header is the rest of 三: every row that has figures has one in
    each of the seven columns, where the header put them."""
    rows = 0
    for row in grid:
        cells = _filled(row)
        figures = [c for c in cells if norm(c.text) and _column_at(columns, c) is not None]
        if not figures:
            continue
        if {_column_at(columns, c) for c in figures} != {key for key, _ in columns}:
            return False
        rows += 1
    return rows > 0


_HEADER_WORDS = {norm(c.label) for c in spec.APPLICATION_COLUMNS} | {
    norm(spec.APPLICANT_HEADER),
    norm(spec.LEGAL_PERSON_HEADER),
}


def _is_header(labels: list[str], values: list[GridCell]) -> bool:
    """A header row of 三 (also when repeated on the next page): the balance note in the corner,
    or column names where the figures stand."""
    if norm(spec.BALANCE_NOTE)[:12] in norm("".join(labels)):
        return True
    return any(norm(c.text) in _HEADER_WORDS for c in values)


# --- 四 ----------------------------------------------------------------------------------------


def read_review(grids: list[Grid], version: str, out: TableReading) -> None:
    for grid in grids:
        groups: list[tuple[str, tuple[float, float]]] = []
        fields: list[tuple[float, float, str]] = []
        group_labels = {norm(g.heading): g.key for g in spec.REVIEW_GROUPS}
        field_labels = {norm(f.label): f.key for f in spec.REVIEW_FIELDS}
        value_rows = []
        for row in grid:
            cells = _filled(row)
            for cell in cells:
                key = group_labels.get(norm(cell.text))
                if key and key not in dict(groups):
                    groups.append((key, cell.x))
                fkey = field_labels.get(norm(cell.text))
                if fkey:
                    fields.append((cell.x[0], cell.x[1], fkey))
            if cells and not any(norm(c.text) in group_labels or norm(c.text) in field_labels for c in cells):
                if norm(cells[0].text) not in ("行政诉讼",):
                    value_rows.append(cells)
        if len(groups) < len(spec.REVIEW_GROUPS) or not value_rows:
            out.warn(("review_litigation",), "表四的表头无法识别，该表未读取")
            continue
        for cells in value_rows[:1]:
            for cell in cells:
                group = _column_at(groups, cell)
                fkey = next((k for x0, x1, k in fields if x0 - 1 <= _centre(cell) <= x1 + 1), None)
                if group and fkey:
                    _store(out, f"review_litigation.{group}.{fkey}", cell, spec.COUNT, version)
        return


# --- 二 ----------------------------------------------------------------------------------------


def read_proactive(grids: list[Grid], version: str, out: TableReading) -> None:
    items = {norm(item.label): (item, block) for item, block in spec.proactive_items(version)}
    # Item names of the other version too, so a 2019 table under a 2021 title is noticed, not lost.
    other = spec.V2019 if version == spec.V2021 else spec.V2021
    markers = {norm("本年新制作数量"): spec.V2019, norm("上一年项目数量"): spec.V2019, norm("本年制发件数"): spec.V2021}
    # The header carries over to the next grid: 二 split over pages need not repeat it.
    header: list[tuple[GridCell, str | None]] = []
    yuan: set[str] = set()
    for grid in grids:
        for row in grid:
            cells = _filled(row)
            if not cells:
                continue
            first = norm(cells[0].text)
            if first == norm(spec.PROACTIVE_ITEM_HEADER):
                header = [(c, c.text) for c in cells[1:]]
                for c in cells[1:]:
                    if norm(c.text) in markers:
                        out.version_hints.add(markers[norm(c.text)])
                yuan = {norm(c.text) for c in cells[1:] if "元" in c.text and "万元" not in c.text}
                continue
            if first.startswith("第二十条"):
                continue
            match = items.get(first)
            if match is None:
                if first and any(norm(i.label) == first for i, _ in spec.proactive_items(other)):
                    out.warn(("proactive",), f"表二的“{cells[0].text}”不属于 {version} 年版模板，未读取")
                elif first:
                    out.warn(("proactive",), f"表二中无法识别的行「{cells[0].text}」，未读取")
                continue
            item, block = match
            labels = {norm(f.label): f for f in block.fields}
            for value_cell in cells[1:]:
                head = next((h for h, _ in header if h.x[0] - 1 <= _centre(value_cell) <= h.x[1] + 1), None)
                fld = labels.get(norm(head.text)) if head else None
                if fld is None and head is not None:
                    fld = next(
                        (f for f in block.fields if norm(f.label).replace("单位万元", "") in norm(head.text)), None
                    )
                if fld is None:
                    if norm(value_cell.text):
                        out.warn(
                            ("proactive",), f"表二“{item.label}”中无法对应到表头的数字「{value_cell.text}」，未读取"
                        )
                    continue
                path = f"proactive.{item.key}.{fld.key}"
                # 元 in the header (「（单位：元）」) or in the cell itself (「251000元」).
                printed = norm(value_cell.text)
                in_yuan = (head is not None and norm(head.text) in yuan) or (
                    printed.endswith("元") and not printed.endswith("万元")
                )
                _store(out, path, value_cell, fld.kind, version, in_yuan=in_yuan)


def _store(out: TableReading, path: str, cell: GridCell, kind: str, version: str, *, in_yuan: bool = False) -> None:
    if path in out.values:
        return
    try:
        value = parse_value(cell.text, kind)
    except Unreadable:
        out.values[path] = None
        out.where[path] = cell.where
        out.warn((path,), f"{spec.describe_cell(version, path)}印为「{cell.text.strip()}」，无法读取为数字，已留空")
        return
    if in_yuan and isinstance(value, str):
        converted = yuan_to_wan(value)
        out.notes.append(f"{spec.describe_cell(version, path)}印为 {value} 元，已换算为 {converted} 万元")
        value = converted
    out.values[path] = value
    out.where[path] = cell.where


def read_tables(grids: list[Grid], version: str) -> TableReading:
    out = TableReading()
    by_kind: dict[str, list[Grid]] = {PROACTIVE: [], APPLICATIONS: [], REVIEW: []}
    last = None
    for grid in grids:
        kind = kind_of(grid)
        if kind is None and last == APPLICATIONS:
            # Perhaps 三 going on over the page without its header: read_applications checks
            # that its figures stand in the seven columns before it reads any.
            kind = APPLICATIONS
        if kind is not None:
            by_kind[kind].append(grid)
        last = kind
    read_proactive(by_kind[PROACTIVE], version, out)
    read_applications(by_kind[APPLICATIONS], version, out)
    read_review(by_kind[REVIEW], version, out)
    return out
