"""The official report template, per version: the one source of truth.

Two versions exist: 国办公开办函〔2019〕60号 (reports for 2019–2020) and 国办公开办函〔2021〕30号
(reports for 2021 onward). Every row and column key, its exact Chinese label and numbering, which
rows exist in which version, and the header merges of the printed tables live here. Models, the
JSON interchange format, the rule engine, forms, the entry grid and the PDF all read this module;
nothing else spells a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

FORMAT_ID = "gov-info-annual-report/1"

V2019 = "2019"
V2021 = "2021"
VERSIONS = (V2019, V2021)
VERSION_CHOICES = [
    (V2019, "2019年版（国办公开办函〔2019〕60号）"),
    (V2021, "2021年版（国办公开办函〔2021〕30号）"),
]


def version_for_year(year: int) -> str:
    """The template a report for `year` uses unless set explicitly."""
    return V2019 if year <= 2020 else V2021


TEMPLATE_RULE = "2019年版用于 2019–2020 年度的报告，2021年版用于 2021 年度起的报告"


def template_year_mismatch(year: int, version: str) -> str | None:
    """Why `version` is the wrong template for a report on `year`, in Chinese; None if right."""
    expected = version_for_year(year)
    if version == expected:
        return None
    labels = dict(VERSION_CHOICES)
    return f"{year} 年度的报告应使用{labels[expected]}，文档使用的是{labels[version]}（{TEMPLATE_RULE}）"


# --- Sections of the report, in official order -------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str  # the key in the JSON document
    number: str
    title: str
    kind: str  # "text" or "table"

    @property
    def heading(self) -> str:
        return f"{self.number}、{self.title}"


SECTIONS = (
    Section("overview", "一", "总体情况", "text"),
    Section("proactive", "二", "主动公开政府信息情况", "table"),
    Section("applications", "三", "收到和处理政府信息公开申请情况", "table"),
    Section("review_litigation", "四", "政府信息公开行政复议、行政诉讼情况", "table"),
    Section("problems", "五", "存在的主要问题及改进情况", "text"),
    Section("other_matters", "六", "其他需要报告的事项", "text"),
)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}
TEXT_FIELDS = ("intro", "overview", "problems", "other_matters")
INTRO_LABEL = "开头段落"  # the unnumbered paragraphs before 一
# Every text field's name, for forms, messages and the admin.
TEXT_LABELS = {"intro": INTRO_LABEL, **{s.key: s.heading for s in SECTIONS if s.kind == "text"}}

# The five aspects 一、总体情况 is expected to cover in the 2021 format.
OVERVIEW_ASPECTS_2021 = ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障")

# --- Header facts (meta) ------------------------------------------------------------------

META_FIELDS = (
    ("index_number", "索引号"),
    ("category", "组配分类"),
    ("disclosure", "公开方式"),
    ("published_on", "发布日期"),
    ("signed_by", "落款单位"),
    ("signed_on", "成文日期"),
    ("website", "网站"),
)
META_DATE_FIELDS = ("published_on", "signed_on")
# Where a published report departed from its template's printed form (meta.printed_variants): a
# fact about the source, kept for the record; renderings print the template's own form.
PRINTED_VARIANTS = {
    "other_single_row": "表三“（六）其他处理”按 2019 年版印为一行，数字记入“3.其他”",
}
CONTACT_FIELDS = (
    ("address", "联系地址"),
    ("postcode", "邮编"),
    ("phone", "电话"),
    ("fax", "传真"),
    ("email", "电子邮箱"),
)

# --- 二 主动公开 ------------------------------------------------------------------------------

COUNT = "count"  # a non-negative integer or blank
SIGNED = "signed"  # an integer that may be negative (2019 本年增/减) or blank
MONEY = "money"  # 万元, a decimal with up to 4 places, or blank


@dataclass(frozen=True)
class ProactiveField:
    key: str
    label: str
    kind: str = COUNT


@dataclass(frozen=True)
class ProactiveItem:
    key: str
    label: str


@dataclass(frozen=True)
class ProactiveBlock:
    """One small table of 二: a legal basis, a header row and its items."""

    basis: str  # 第二十条第（一）项
    fields: tuple[ProactiveField, ...]
    items: tuple[ProactiveItem, ...]


_MADE = (
    ProactiveField("made", "本年新制作数量"),
    ProactiveField("published", "本年新公开数量"),
    ProactiveField("total_published", "对外公开总数量"),
)
_PROJECTS = (
    ProactiveField("previous", "上一年项目数量"),
    ProactiveField("change", "本年增/减", SIGNED),
    ProactiveField("decisions", "处理决定数量"),
)
_ISSUED = (
    ProactiveField("issued", "本年制发件数"),
    ProactiveField("repealed", "本年废止件数"),
    ProactiveField("in_force", "现行有效件数"),
)
_DECISIONS = (ProactiveField("decisions", "本年处理决定数量"),)

PROACTIVE_BLOCKS = {
    V2019: (
        ProactiveBlock(
            "第二十条第（一）项",
            _MADE,
            (
                ProactiveItem("rules", "规章"),
                ProactiveItem("normative_documents", "规范性文件"),
            ),
        ),
        ProactiveBlock(
            "第二十条第（五）项",
            _PROJECTS,
            (
                ProactiveItem("licensing", "行政许可"),
                ProactiveItem("other_services", "其他对外管理服务事项"),
            ),
        ),
        ProactiveBlock(
            "第二十条第（六）项",
            _PROJECTS,
            (
                ProactiveItem("penalty", "行政处罚"),
                ProactiveItem("coercion", "行政强制"),
            ),
        ),
        ProactiveBlock("第二十条第（八）项", _PROJECTS[:2], (ProactiveItem("fees", "行政事业性收费"),)),
        ProactiveBlock(
            "第二十条第（九）项",
            (
                ProactiveField("projects", "采购项目数量"),
                ProactiveField("amount_wan_yuan", "采购总金额", MONEY),
            ),
            (ProactiveItem("procurement", "政府集中采购"),),
        ),
    ),
    V2021: (
        ProactiveBlock(
            "第二十条第（一）项",
            _ISSUED,
            (
                ProactiveItem("rules", "规章"),
                ProactiveItem("normative_documents", "行政规范性文件"),
            ),
        ),
        ProactiveBlock("第二十条第（五）项", _DECISIONS, (ProactiveItem("licensing", "行政许可"),)),
        ProactiveBlock(
            "第二十条第（六）项",
            _DECISIONS,
            (
                ProactiveItem("penalty", "行政处罚"),
                ProactiveItem("coercion", "行政强制"),
            ),
        ),
        ProactiveBlock(
            "第二十条第（八）项",
            (ProactiveField("amount_wan_yuan", "本年收费金额（单位：万元）", MONEY),),
            (ProactiveItem("fees", "行政事业性收费"),),
        ),
    ),
}

# The header of 二's first column, over the item names.
PROACTIVE_ITEM_HEADER = "信息内容"

# Every field a proactive item can have in any version (the model has a column for each).
PROACTIVE_FIELD_KEYS = (
    "made",
    "published",
    "total_published",
    "issued",
    "repealed",
    "in_force",
    "previous",
    "change",
    "decisions",
    "projects",
    "amount_wan_yuan",
)


# The first label each field has, 2019 first: how the model's columns are named in the admin.
PROACTIVE_FIELD_LABELS: dict[str, str] = {}
for _version in VERSIONS:
    for _block in PROACTIVE_BLOCKS[_version]:
        for _field in _block.fields:
            PROACTIVE_FIELD_LABELS.setdefault(_field.key, _field.label)


@cache
def proactive_items(version: str) -> tuple[tuple[ProactiveItem, ProactiveBlock], ...]:
    """(item, its block) pairs in official order."""
    return tuple((item, block) for block in PROACTIVE_BLOCKS[version] for item in block.items)


@cache
def proactive_fields(version: str) -> dict[str, tuple[ProactiveField, ...]]:
    """Item key -> the fields that item has in `version`."""
    return {item.key: block.fields for item, block in proactive_items(version)}


# --- 三 收到和处理政府信息公开申请情况 ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    legal_person: bool = False  # one of the five 法人或其他组织 columns


APPLICANT_COLUMNS = (
    Column("natural_person", "自然人"),
    Column("commercial", "商业企业", True),
    Column("research", "科研机构", True),
    Column("social_welfare", "社会公益组织", True),
    Column("legal_service", "法律服务机构", True),
    Column("other_org", "其他", True),
)
TOTAL_COLUMN = Column("total", "总计")
APPLICATION_COLUMNS = APPLICANT_COLUMNS + (TOTAL_COLUMN,)
COLUMNS_BY_KEY = {c.key: c for c in APPLICATION_COLUMNS}

APPLICANT_HEADER = "申请人情况"
LEGAL_PERSON_HEADER = "法人或其他组织"
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
OUTCOMES_HEADING = "三、本年度办理结果"


@dataclass(frozen=True)
class Group:
    """A numbered group of outcome rows, e.g. （三）不予公开."""

    key: str
    number: str
    label: str


@dataclass(frozen=True)
class Row:
    key: str
    number: str  # "一、", "（一）", "1."
    label: str
    level: int  # 1: 一、/二、/四、; 2: a (n) row of 三; 3: an item inside a group
    outcome: bool = False  # counts towards （七）总计
    group: Group | None = None
    versions: frozenset[str] = frozenset(VERSIONS)
    short: str = ""  # a short name for compact messages: 本年新收

    @property
    def reference(self) -> str:
        """How a compact message refers to the row: 一（本年新收）, 三（七）总计."""
        if self.level == 1 and self.short:
            return f"{self.number.rstrip('、')}（{self.short}）"
        return self.display

    @property
    def numbered_label(self) -> str:
        return f"{self.number}{self.label}"

    @property
    def display(self) -> str:
        """How messages name this row: the full official numbering path and label."""
        if self.level == 1:
            return self.numbered_label
        if self.group is None:
            return f"三{self.numbered_label}"
        return f"三{self.group.number}{self.group.label}·{self.numbered_label}"


WITHHELD = Group("withheld", "（三）", "不予公开")
UNAVAILABLE = Group("unavailable", "（四）", "无法提供")
NOT_PROCESSED = Group("not_processed", "（五）", "不予处理")
OTHER_HANDLING = Group("other_handling", "（六）", "其他处理")
_ONLY_2019 = frozenset({V2019})
_ONLY_2021 = frozenset({V2021})

APPLICATION_ROWS_ALL = (
    Row("received", "一、", "本年新收政府信息公开申请数量", 1, short="本年新收"),
    Row("carried_over", "二、", "上年结转政府信息公开申请数量", 1, short="上年结转"),
    Row("granted", "（一）", "予以公开", 2, True),
    Row("partially_granted", "（二）", "部分公开（区分处理的，只计这一情形，不计其他情形）", 2, True),
    Row("withheld_state_secret", "1.", "属于国家秘密", 3, True, WITHHELD),
    Row("withheld_prohibited_by_law", "2.", "其他法律行政法规禁止公开", 3, True, WITHHELD),
    Row("withheld_three_safeties_one_stability", "3.", "危及“三安全一稳定”", 3, True, WITHHELD),
    Row("withheld_third_party_rights", "4.", "保护第三方合法权益", 3, True, WITHHELD),
    Row("withheld_internal_affairs", "5.", "属于三类内部事务信息", 3, True, WITHHELD),
    Row("withheld_process_information", "6.", "属于四类过程性信息", 3, True, WITHHELD),
    Row("withheld_enforcement_case_file", "7.", "属于行政执法案卷", 3, True, WITHHELD),
    Row("withheld_query_matter", "8.", "属于行政查询事项", 3, True, WITHHELD),
    Row("unavailable_not_held", "1.", "本机关不掌握相关政府信息", 3, True, UNAVAILABLE),
    Row("unavailable_needs_creation", "2.", "没有现成信息需要另行制作", 3, True, UNAVAILABLE),
    Row("unavailable_unclear_after_correction", "3.", "补正后申请内容仍不明确", 3, True, UNAVAILABLE),
    Row("not_processed_petition_complaint", "1.", "信访举报投诉类申请", 3, True, NOT_PROCESSED),
    Row("not_processed_duplicate", "2.", "重复申请", 3, True, NOT_PROCESSED),
    Row("not_processed_publication", "3.", "要求提供公开出版物", 3, True, NOT_PROCESSED),
    Row("not_processed_mass_repetitive", "4.", "无正当理由大量反复申请", 3, True, NOT_PROCESSED),
    Row("not_processed_confirm_or_reissue", "5.", "要求行政机关确认或重新出具已获取信息", 3, True, NOT_PROCESSED),
    Row("other", "（六）", "其他处理", 2, True, versions=_ONLY_2019),
    Row(
        "other_no_correction",
        "1.",
        "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        3,
        True,
        OTHER_HANDLING,
        _ONLY_2021,
    ),
    Row(
        "other_unpaid_fee",
        "2.",
        "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        3,
        True,
        OTHER_HANDLING,
        _ONLY_2021,
    ),
    Row("other_misc", "3.", "其他", 3, True, OTHER_HANDLING, _ONLY_2021),
    Row("handled_total", "（七）", "总计", 2),
    Row("carried_forward", "四、", "结转下年度继续办理", 1, short="结转下年度"),
)
ALL_ROW_KEYS = tuple(r.key for r in APPLICATION_ROWS_ALL)


@cache
def application_rows(version: str) -> tuple[Row, ...]:
    """The rows of table 三 in `version`, in official order (23 for 2019, 25 for 2021)."""
    return tuple(r for r in APPLICATION_ROWS_ALL if version in r.versions)


@cache
def application_rows_by_key(version: str) -> dict[str, Row]:
    return {r.key: r for r in application_rows(version)}


@cache
def outcome_rows(version: str) -> tuple[Row, ...]:
    return tuple(r for r in application_rows(version) if r.outcome)


@dataclass(frozen=True)
class LabelCell:
    """One cell of the label columns of table 三 (three columns wide in the official form)."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@cache
def application_label_cells(version: str) -> tuple[tuple[LabelCell, ...], ...]:
    """For each row of table 三, the label cells that start on that row.

    The official form has three label columns: 三、本年度办理结果 spans all outcome rows in the
    first, a group such as （三）不予公开 spans its items in the second, and a row's own label
    fills what is left. Entry grid and PDF both draw their merges from this.
    """
    rows = application_rows(version)
    outcome_span = sum(1 for r in rows if r.level > 1)
    group_sizes: dict[str, int] = {}
    for r in rows:
        if r.group is not None:
            group_sizes[r.group.key] = group_sizes.get(r.group.key, 0) + 1
    result = []
    seen_outcomes = False
    seen_groups: set[str] = set()
    for r in rows:
        cells: list[LabelCell] = []
        if r.level == 1:
            cells.append(LabelCell(r.numbered_label, colspan=3))
        else:
            if not seen_outcomes:
                cells.append(LabelCell(OUTCOMES_HEADING, rowspan=outcome_span))
                seen_outcomes = True
            if r.group is None:
                cells.append(LabelCell(r.numbered_label, colspan=2))
            else:
                if r.group.key not in seen_groups:
                    cells.append(LabelCell(r.group.number + r.group.label, rowspan=group_sizes[r.group.key]))
                    seen_groups.add(r.group.key)
                cells.append(LabelCell(r.numbered_label))
        result.append(tuple(cells))
    return tuple(result)


@cache
def application_header_rows() -> tuple[tuple[LabelCell, ...], ...]:
    """The three header rows of table 三, merges included, as on the official form.

    The 3×3 corner holds the balance sentence; 申请人情况 spans the seven figure columns, and
    法人或其他组织 the five legal-person ones.
    """
    legal = [c for c in APPLICANT_COLUMNS if c.legal_person]
    second: list[LabelCell] = []
    for c in APPLICATION_COLUMNS:
        if not c.legal_person:
            second.append(LabelCell(c.label, rowspan=2))
        elif c is legal[0]:
            second.append(LabelCell(LEGAL_PERSON_HEADER, colspan=len(legal)))
    return (
        (LabelCell(BALANCE_NOTE, rowspan=3, colspan=3), LabelCell(APPLICANT_HEADER, colspan=len(APPLICATION_COLUMNS))),
        tuple(second),
        tuple(LabelCell(c.label) for c in legal),
    )


# --- 四 行政复议、行政诉讼 ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewGroup:
    key: str
    label: str  # how messages name it
    heading: str  # the group's own header cell
    parent: str  # 行政复议 or 行政诉讼


REVIEW_FIELDS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)
REVIEW_PART_KEYS = ("upheld", "corrected", "other", "pending")
REVIEW_GROUPS = (
    ReviewGroup("review", "行政复议", "行政复议", "行政复议"),
    ReviewGroup("litigation_direct", "行政诉讼·未经复议直接起诉", "未经复议直接起诉", "行政诉讼"),
    ReviewGroup("litigation_after_review", "行政诉讼·复议后起诉", "复议后起诉", "行政诉讼"),
)
REVIEW_GROUPS_BY_KEY = {g.key: g for g in REVIEW_GROUPS}
REVIEW_FIELDS_BY_KEY = {f.key: f for f in REVIEW_FIELDS}


# --- Cell addressing ------------------------------------------------------------------------


@cache
def value_cells(version: str) -> tuple[tuple[str, str], ...]:
    """(dotted path, kind) of every value cell of tables 二, 三 and 四 in `version`, in order."""
    paths = []
    for item, fields in proactive_fields(version).items():
        paths += [(f"proactive.{item}.{f.key}", f.kind) for f in fields]
    for row in application_rows(version):
        paths += [(f"applications.{row.key}.{c.key}", COUNT) for c in APPLICATION_COLUMNS]
    for group in REVIEW_GROUPS:
        paths += [(f"review_litigation.{group.key}.{f.key}", COUNT) for f in REVIEW_FIELDS]
    return tuple(paths)


def cell_path(*parts: str) -> str:
    """The dotted path of a cell, as in findings: applications.received.natural_person."""
    return ".".join(parts)


def describe_cell(version: str, path: str) -> str:
    """The official Chinese name of a cell given its dotted path, for messages."""
    parts = path.split(".")
    if parts[0] == "applications" and len(parts) == 3:
        row = application_rows_by_key(version)[parts[1]]
        return f"{row.display}·{COLUMNS_BY_KEY[parts[2]].label}"
    if parts[0] == "review_litigation" and len(parts) == 3:
        return f"{REVIEW_GROUPS_BY_KEY[parts[1]].label}·{REVIEW_FIELDS_BY_KEY[parts[2]].label}"
    if parts[0] == "proactive" and len(parts) == 3:
        fields = {f.key: f for f in proactive_fields(version)[parts[1]]}
        label = dict((i.key, i.label) for i, _ in proactive_items(version))[parts[1]]
        return f"{label}·{fields[parts[2]].label}"
    return path


@cache
def review_header_rows() -> tuple[tuple[LabelCell, ...], ...]:
    """The two-level header of table 四: 行政复议 (five columns) and 行政诉讼 (two groups of five)."""
    review, *litigation = REVIEW_GROUPS
    n = len(REVIEW_FIELDS)
    return (
        (LabelCell(review.parent, colspan=n), LabelCell(litigation[0].parent, colspan=n * len(litigation))),
        tuple(LabelCell(f.label, rowspan=2) for f in REVIEW_FIELDS)
        + tuple(LabelCell(g.heading, colspan=n) for g in litigation),
        tuple(LabelCell(f.label) for _ in litigation for f in REVIEW_FIELDS),
    )
