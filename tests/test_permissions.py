"""Isolation: every URL of the app × every persona × GET and POST, with the exact outcome of each.

The cases are enumerated against `annual.urls.urlpatterns`: `test_matrix_covers_every_url`
fails as soon as a URL (or a step, or a workflow action) exists without expectations here, so
a page added later cannot skip this matrix.

Personas (see tests/personas.py): anonymous; preparer and approver of agency A, whose report
is the target; preparer and approver of agency B (outsiders: 404); the county approver (A's
parent: reads, and reviews (复核) through the county rules); another county's approver (an
outsider: 404); the administrator (read-only everywhere, acts on no report).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, reverse

from annual import county_archives, sections, workflow
from annual.models import Job, JobKind, Report, ReportState, ReviewComment, Role
from annual.urls import urlpatterns
from tests.personas import make_user

S = ReportState
PERSONAS = (
    "anonymous",
    "preparer_a",
    "approver_a",
    "preparer_b",
    "approver_b",
    "county_approver",
    "admin",
    "other_county_approver",
)
STEP_SLUGS = tuple(s.slug for s in sections.STEPS)
EDIT_STEP_SLUGS = tuple(s.slug for s in sections.EDIT_STEPS)
ACTIONS = tuple(workflow.TRANSITIONS)


@dataclass(frozen=True)
class Expect:
    status: int
    location: str | None = None  # the redirect target must contain this
    contains: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    state: str | None = None  # report A's state afterwards
    unchanged: bool = False  # report A's revision and values are as before
    content_type: str | None = None


LOGIN = Expect(302, location="/login/?next=", unchanged=True)
NOT_FOUND = Expect(404, unchanged=True)
FORBIDDEN = Expect(403, unchanged=True)
NOT_ALLOWED = Expect(405, unchanged=True)
READONLY_BADGE = 'data-testid="readonly-badge"'
STEP_EDITABLE = Expect(200, absent=(READONLY_BADGE,), contains=('id="step-form"',))
STEP_READONLY = Expect(200, contains=(READONLY_BADGE,), unchanged=True)
# The review page of a reader shows no workflow form and no action button at all.
BOARD_LINK = 'data-link="county-board"'
APPROVAL_READONLY = Expect(
    200, contains=('data-page="approval"',), absent=("data-form=", "data-action="), unchanged=True
)
PDF = Expect(200, content_type="application/pdf", unchanged=True)
XLSX = Expect(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", unchanged=True)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_MAGIC = {
    "application/pdf": b"%PDF-",
    "application/zip": b"PK",  # an empty archive starts with its end record, PK\x05\x06
    XLSX.content_type: b"PK\x03\x04",
    DOCX_TYPE: b"PK",
    "text/html": b"<!doctype html>",
}
BACK_TO_REVIEW = Expect(302, location="/review/", unchanged=True)
# Any digest that is not a current approved PDF's (here: well formed, and malformed) gets the same page.
VERIFY_UNKNOWN = Expect(404, contains=('data-testid="verify-unknown"',), absent=('data-testid="verify-ok"',))


def everyone(expect: Expect, *, anonymous: Expect = LOGIN) -> dict[str, Expect]:
    return {p: (anonymous if p == "anonymous" else expect) for p in PERSONAS}


def report_page(
    *,
    preparer_a: Expect,
    approver_a: Expect | None = None,
    reader: Expect,
    county: Expect | None = None,
    outsider: Expect = NOT_FOUND,
) -> dict[str, Expect]:
    """Expectations for a URL about report A: own agency, readers (county, admin), outsiders.
    `county` is the county approver where the county review makes them more than a reader."""
    return {
        "anonymous": LOGIN,
        "preparer_a": preparer_a,
        "approver_a": approver_a or preparer_a,
        "preparer_b": outsider,
        "approver_b": outsider,
        "county_approver": county or reader,
        "admin": reader,
        "other_county_approver": outsider,
    }


def county_page(*, county: Expect, admin: Expect, others: Expect = NOT_FOUND) -> dict[str, Expect]:
    """Expectations for a URL of the county's round board: the county approver runs it, the
    administrator reads it, everyone else (agency people, another county) gets 404."""
    return {**everyone(others), "county_approver": county, "admin": admin}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    expect: dict[str, Expect]
    kwargs: dict = field(default_factory=dict)  # besides pk
    state: str = S.DRAFT  # report A's state before the request
    data: dict = field(default_factory=dict)
    query: str = ""

    @property
    def id(self) -> str:
        extra = "-".join(str(v) for v in self.kwargs.values())
        return f"{self.name}{'-' + extra if extra else ''}-{self.method}-{self.state}"


def _transition_posts() -> list[Case]:
    reason = {"reason": "核对后处理", "revision": ""}
    publish = {**reason, "portal_url": "https://www.cangnan.gov.cn/art/1.html", "portal_published_on": "2022-01-20"}
    back = "/reports/"  # every refusal of a state goes back to the report's review page
    cases = [
        # From a draft: submit is the own agency's, and it works.
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=Expect(302, location=back, state=S.SUBMITTED), reader=FORBIDDEN),
            {"action": "submit"},
            data=reason,
        ),
        # Withdrawing a draft: allowed people, wrong state: back with the reason, nothing changes.
        Case(
            "report-transition",
            "POST",
            report_page(
                preparer_a=Expect(302, location=back, state=S.DRAFT, unchanged=True),
                approver_a=FORBIDDEN,
                reader=FORBIDDEN,
            ),
            {"action": "withdraw"},
            data=reason,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=Expect(302, location=back, state=S.DRAFT), approver_a=FORBIDDEN, reader=FORBIDDEN),
            {"action": "withdraw"},
            state=S.SUBMITTED,
            data=reason,
        ),
        # Returning is for the own approver only; a preparer is refused (403).
        Case(
            "report-transition",
            "POST",
            report_page(
                preparer_a=FORBIDDEN, approver_a=Expect(302, location=back, state=S.RETURNED), reader=FORBIDDEN
            ),
            {"action": "return"},
            state=S.SUBMITTED,
            data=reason,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(
                preparer_a=FORBIDDEN,
                approver_a=Expect(302, location=back, state=S.SUBMITTED, unchanged=True),
                reader=FORBIDDEN,
            ),
            {"action": "approve"},
            state=S.SUBMITTED,
            data={"reason": "", "revision": "999"},
        ),  # stale page
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=Expect(302, location=back, state=S.PUBLISHED), reader=FORBIDDEN),
            {"action": "publish"},
            state=S.APPROVED,
            data=publish,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(
                preparer_a=FORBIDDEN, approver_a=Expect(302, location=back, state=S.RETURNED), reader=FORBIDDEN
            ),
            {"action": "reopen"},
            state=S.APPROVED,
            data=reason,
        ),
        # County review: only an approver of an agency above acts; the own agency cannot.
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=FORBIDDEN, reader=FORBIDDEN, county=Expect(302, location=back, state=S.RETURNED)),
            {"action": "county_return"},
            state=S.SUBMITTED,
            data=reason,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=FORBIDDEN, reader=FORBIDDEN, county=Expect(302, location=back, state=S.RETURNED)),
            {"action": "county_return"},
            state=S.APPROVED,
            data=reason,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(
                preparer_a=FORBIDDEN,
                reader=FORBIDDEN,
                county=Expect(302, location=back, state=S.PUBLISHED, unchanged=True),
            ),
            {"action": "county_return"},
            state=S.PUBLISHED,
            data=reason,
        ),
        Case(
            "report-transition",
            "POST",
            report_page(preparer_a=FORBIDDEN, reader=FORBIDDEN, county=Expect(302, location=back, state=S.APPROVED)),
            {"action": "county_approve"},
            state=S.APPROVED,
            data=reason,
        ),
    ]
    # The published-report import's own transition is never a button: no one can post it.
    cases.append(Case("report-transition", "POST", everyone(NOT_FOUND), {"action": "import_published"}, data=reason))
    return cases


def _rollup_cases() -> list[Case]:
    county_only = {**everyone(NOT_FOUND), "county_approver": None, "admin": None}

    def readers(expect: Expect) -> dict[str, Expect]:
        return {p: (expect if e is None else e) for p, e in county_only.items()}

    return [
        Case(
            "county-rollup",
            "GET",
            readers(Expect(200, contains=('data-page="rollup"', "纳入 0 / 2 个下级机关"), unchanged=True)),
        ),
        Case("county-rollup", "POST", everyone(NOT_ALLOWED)),
        Case(
            "county-rollup-cell",
            "GET",
            readers(Expect(200, contains=('data-testid="drill-table"',), unchanged=True)),
            query="?path=applications.received.total",
        ),
        Case("county-rollup-cell", "POST", everyone(NOT_ALLOWED)),
        Case("county-rollup-pdf", "GET", readers(PDF)),
        Case("county-rollup-pdf", "POST", everyone(NOT_ALLOWED)),
        Case("county-rollup-generate", "GET", everyone(NOT_ALLOWED)),
        # Only the county's own approver generates; with every subordinate report a draft there is
        # nothing to sum: back to the page with the reason, nothing written.
        Case(
            "county-rollup-generate",
            "POST",
            {**readers(FORBIDDEN), "county_approver": Expect(302, location="/county/", unchanged=True)},
        ),
    ]


CASES: list[Case] = [
    # --- Sign-in pages ---
    Case("login", "GET", everyone(Expect(302, location="/"), anonymous=Expect(200, contains=('name="password"',)))),
    Case(
        "login",
        "POST",
        everyone(Expect(302, location="/"), anonymous=Expect(200, contains=("请输入一个正确的",))),
        data={"username": "prep_a", "password": "wrong"},
    ),
    Case("logout", "GET", everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED)),
    Case("logout", "POST", everyone(Expect(302, location="/login/"), anonymous=Expect(302, location="/login/"))),
    # --- Own password (an administrator resets others' in the admin) ---
    Case("password-change", "GET", everyone(Expect(200, contains=('data-form="password-change"',)))),
    Case(
        "password-change",
        "POST",
        everyone(Expect(200, contains=("旧密码不正确",), unchanged=True)),
        data={"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    ),
    Case("password-change-done", "GET", everyone(Expect(200, contains=("data-password-changed",)))),
    Case("password-change-done", "POST", everyone(NOT_ALLOWED)),
    # --- Home and new report ---
    # Subordinates' reports are the round board's business; the home page links to it.
    Case(
        "home",
        "GET",
        {
            "anonymous": LOGIN,
            "preparer_a": Expect(200, contains=("{report_a}",), absent=("{report_b}", BOARD_LINK)),
            "approver_a": Expect(200, contains=("{report_a}",), absent=("{report_b}", BOARD_LINK)),
            "preparer_b": Expect(200, contains=("{report_b}",), absent=("{report_a}", BOARD_LINK)),
            "approver_b": Expect(200, contains=("{report_b}",), absent=("{report_a}", BOARD_LINK)),
            "county_approver": Expect(200, contains=(BOARD_LINK,), absent=("{report_a}", "{report_b}")),
            "admin": Expect(200, contains=(BOARD_LINK,), absent=("{report_a}", "{report_b}")),
            "other_county_approver": Expect(200, contains=(BOARD_LINK,), absent=("{report_a}", "{report_b}")),
        },
    ),
    # The home page only reads; a POST is refused and writes nothing.
    Case("home", "POST", everyone(NOT_ALLOWED)),
    Case("report-new", "GET", everyone(NOT_ALLOWED)),
    Case(
        "report-new",
        "POST",
        {
            **everyone(Expect(302, location="/reports/", unchanged=True)),
            "admin": Expect(302, location="/", unchanged=True),  # an administrator has no report of their own
        },
        data={"year": "2030"},
    ),
    # --- The report's entry pages ---
    Case(
        "report",
        "GET",
        report_page(preparer_a=Expect(302, location="/basic/"), reader=Expect(302, location="/review/")),
    ),
    Case(
        "report",
        "POST",
        report_page(preparer_a=Expect(302, location="/basic/"), reader=Expect(302, location="/review/")),
    ),
    Case(
        "report",
        "GET",
        report_page(preparer_a=Expect(302, location="/review/"), reader=Expect(302, location="/review/")),
        state=S.APPROVED,
    ),
    *[
        Case("report-step", "GET", report_page(preparer_a=STEP_EDITABLE, reader=STEP_READONLY), {"step": slug})
        for slug in EDIT_STEP_SLUGS
    ],
    *[
        Case(
            "report-step",
            "GET",
            report_page(preparer_a=STEP_READONLY, reader=STEP_READONLY),
            {"step": slug},
            state=S.APPROVED,
        )
        for slug in EDIT_STEP_SLUGS
    ],
    Case(
        "report-step",
        "GET",
        report_page(
            preparer_a=Expect(
                200, contains=('data-testid="review-doc"', 'data-action="submit"'), absent=(READONLY_BADGE,)
            ),
            reader=Expect(200, contains=('data-testid="review-doc"', READONLY_BADGE), absent=("data-action=",)),
        ),
        {"step": "review"},
    ),
    Case(
        "report-step",
        "GET",
        report_page(
            preparer_a=Expect(
                200,
                contains=('data-testid="review-doc"', READONLY_BADGE, 'data-action="publish"'),
                absent=('data-action="reopen"',),
            ),
            approver_a=Expect(200, contains=('data-testid="review-doc"', READONLY_BADGE, 'data-action="reopen"')),
            reader=Expect(200, contains=('data-testid="review-doc"', READONLY_BADGE), absent=("data-action=",)),
            county=Expect(
                200,
                contains=('data-testid="review-doc"', READONLY_BADGE, 'data-action="county-review"'),
                absent=('data-action="reopen"', 'data-action="publish"'),
                unchanged=True,
            ),
        ),
        {"step": "review"},
        state=S.APPROVED,
    ),
    # A save posted to a step of a report the user may only read changes nothing (here: approved).
    *[
        Case(
            "report-step",
            "POST",
            report_page(
                preparer_a=Expect(302, location=f"/{slug}/", unchanged=True),
                reader=Expect(302, location=f"/{slug}/", unchanged=True),
            ),
            {"step": slug},
            state=S.APPROVED,
            data={"revision": "1", "overview": "改掉", "applications.received.natural_person": "999"},
        )
        for slug in EDIT_STEP_SLUGS
    ],
    # A draft: a post of only the revision is not the page (which submits every input of its
    # section): own people get 422 and nothing is written, never blanked cells; readers are
    # sent back unchanged.
    *[
        Case(
            "report-step",
            "POST",
            report_page(
                preparer_a=Expect(422, contains=("提交的内容不完整",), unchanged=True),
                reader=Expect(302, location=f"/{slug}/", unchanged=True),
            ),
            {"step": slug},
            data={"revision": "{section_revision:" + slug + "}"},
        )
        for slug in EDIT_STEP_SLUGS
    ],
    # The review step has nothing to save: a POST is not allowed, whoever sends it.
    Case("report-step", "POST", everyone(NOT_ALLOWED), {"step": "review"}),
    # --- PDF ---
    Case("report-pdf", "GET", report_page(preparer_a=PDF, reader=PDF)),
    Case("report-pdf", "POST", everyone(NOT_ALLOWED)),
    # --- Excel: export, blank template, import with preview ---
    Case("report-xlsx", "GET", report_page(preparer_a=XLSX, reader=XLSX)),
    Case("report-xlsx", "POST", everyone(NOT_ALLOWED)),
    Case("blank-xlsx", "GET", everyone(XLSX), {"version": "2021"}),
    Case("blank-xlsx", "POST", everyone(NOT_ALLOWED), {"version": "2019"}),
    Case(
        "report-import",
        "GET",
        report_page(
            preparer_a=Expect(
                200, contains=('data-page="workbook-import"', 'data-form="workbook-upload"'), unchanged=True
            ),
            reader=FORBIDDEN,
        ),
    ),
    Case(
        "report-import",
        "GET",
        report_page(preparer_a=Expect(302, location="/review/", unchanged=True), reader=FORBIDDEN),
        state=S.APPROVED,
    ),
    # An upload without a file: the form again with its error, nothing staged or written.
    Case(
        "report-import",
        "POST",
        report_page(preparer_a=Expect(422, contains=("请选择要上传的 .xlsx 文件",), unchanged=True), reader=FORBIDDEN),
    ),
    Case(
        "report-import",
        "POST",
        report_page(preparer_a=Expect(302, location="/review/", unchanged=True), reader=FORBIDDEN),
        state=S.APPROVED,
    ),
    # Nothing uploaded yet: the preview sends its own people to the upload page.
    Case(
        "report-import-preview",
        "GET",
        report_page(preparer_a=Expect(302, location="/import/", unchanged=True), reader=FORBIDDEN),
    ),
    Case(
        "report-import-preview",
        "POST",
        report_page(preparer_a=Expect(302, location="/import/", unchanged=True), reader=FORBIDDEN),
        data={"upload": "999", "action": "apply"},
    ),
    Case(
        "report-import-preview",
        "POST",
        report_page(preparer_a=Expect(302, location="/review/", unchanged=True), reader=FORBIDDEN),
        state=S.SUBMITTED,
        data={"upload": "999", "action": "apply"},
    ),
    # --- Office exports, publication package, 图解, 盖章页, public verification ---
    Case(
        "report-export",
        "GET",
        report_page(
            preparer_a=Expect(200, content_type=DOCX_TYPE, unchanged=True),
            reader=Expect(200, content_type=DOCX_TYPE, unchanged=True),
        ),
        {"fmt": "docx"},
    ),
    Case(
        "report-export",
        "GET",
        report_page(
            preparer_a=Expect(200, content_type="text/html", unchanged=True),
            reader=Expect(200, content_type="text/html", unchanged=True),
        ),
        {"fmt": "html"},
    ),
    # The package exists only for an approved report; a draft goes back to its review page.
    Case("report-export", "GET", report_page(preparer_a=BACK_TO_REVIEW, reader=BACK_TO_REVIEW), {"fmt": "zip"}),
    Case("report-export", "GET", report_page(preparer_a=NOT_FOUND, reader=NOT_FOUND), {"fmt": "exe"}),
    Case("report-export", "POST", everyone(NOT_ALLOWED), {"fmt": "docx"}),
    Case("report-stamp", "GET", report_page(preparer_a=BACK_TO_REVIEW, reader=BACK_TO_REVIEW)),
    Case("report-stamp", "POST", everyone(NOT_ALLOWED)),
    Case(
        "report-charts",
        "GET",
        report_page(
            preparer_a=Expect(200, contains=('data-page="charts"',), unchanged=True),
            reader=Expect(200, contains=('data-page="charts"',), unchanged=True),
        ),
    ),
    Case("report-charts", "POST", everyone(NOT_ALLOWED)),
    Case("report-charts-pdf", "GET", report_page(preparer_a=PDF, reader=PDF)),
    Case("report-charts-pdf", "POST", everyone(NOT_ALLOWED)),
    # --- Comparison with last year (or any visible report) ---
    Case(
        "report-compare",
        "GET",
        report_page(
            preparer_a=Expect(200, contains=('data-page="compare"',), unchanged=True),
            reader=Expect(200, contains=('data-page="compare"',), unchanged=True),
        ),
    ),
    Case("report-compare", "POST", everyone(NOT_ALLOWED)),
    # --- Published reports read in: the upload is the agency's and the county's above it ---
    Case(
        "published-upload",
        "GET",
        report_page(
            preparer_a=Expect(200, contains=('name="file"',), unchanged=True),
            reader=FORBIDDEN,
            county=Expect(200, contains=('name="file"',), unchanged=True),
            outsider=FORBIDDEN,
        ),
    ),
    Case(
        "published-upload",
        "POST",
        report_page(
            preparer_a=Expect(422, unchanged=True),
            reader=FORBIDDEN,
            county=Expect(422, unchanged=True),
            outsider=FORBIDDEN,
        ),
    ),
    # Nothing is staged: no preview or page image for anyone; report A was not read from a file.
    Case("published-preview", "GET", everyone(NOT_FOUND)),
    Case("published-preview", "POST", everyone(NOT_FOUND)),
    Case("published-page", "GET", everyone(NOT_FOUND), {"page": 1}),
    Case("published-page", "POST", everyone(NOT_ALLOWED), {"page": 1}),
    Case("published-source", "GET", everyone(NOT_FOUND)),
    Case("published-source", "POST", everyone(NOT_ALLOWED)),
    Case("verify", "GET", everyone(VERIFY_UNKNOWN, anonymous=VERIFY_UNKNOWN), {"digest": "0" * 64}),
    Case("verify", "GET", everyone(VERIFY_UNKNOWN, anonymous=VERIFY_UNKNOWN), {"digest": "not-a-hash"}),
    Case("verify", "POST", everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED), {"digest": "0" * 64}),
    # --- Workflow pages ---
    Case(
        "report-approval",
        "GET",
        report_page(
            preparer_a=Expect(
                200, contains=('data-action="submit"',), absent=('data-form="return"', 'data-form="comment"')
            ),
            reader=APPROVAL_READONLY,
        ),
    ),
    Case(
        "report-approval",
        "GET",
        report_page(
            preparer_a=Expect(
                200,
                absent=('data-form="return"', 'data-form="approve"', 'data-form="comment"', 'data-action="submit"'),
                contains=('data-action="withdraw"',),
            ),
            approver_a=Expect(
                200,
                contains=('data-form="return"', 'data-form="approve"', 'data-form="comment"'),
                absent=('data-form="county_return"',),
            ),
            reader=APPROVAL_READONLY,
            county=Expect(
                200,
                contains=('data-form="county_return"', 'data-form="comment"'),
                absent=('data-form="return"', 'data-form="approve"', 'data-form="county_approve"'),
                unchanged=True,
            ),
        ),
        state=S.SUBMITTED,
    ),
    Case(
        "report-approval",
        "GET",
        report_page(
            preparer_a=Expect(200, contains=('data-form="publish"',), absent=('data-form="reopen"',)),
            approver_a=Expect(
                200, contains=('data-form="publish"', 'data-form="reopen"'), absent=('data-form="county_approve"',)
            ),
            reader=APPROVAL_READONLY,
            county=Expect(
                200,
                contains=('data-form="county_return"', 'data-form="county_approve"', 'data-form="comment"'),
                absent=('data-form="publish"', 'data-form="reopen"'),
                unchanged=True,
            ),
        ),
        state=S.APPROVED,
    ),
    Case("report-approval", "POST", everyone(NOT_ALLOWED)),
    Case(
        "report-history",
        "GET",
        report_page(
            preparer_a=Expect(200, contains=('data-page="history"', "填写数据")),
            reader=Expect(200, contains=("填写数据",)),
        ),
    ),
    Case("report-history", "POST", everyone(NOT_ALLOWED)),
    *[Case("report-transition", "GET", everyone(NOT_ALLOWED), {"action": a}) for a in ACTIONS],
    *_transition_posts(),
    Case("report-explanations", "GET", everyone(NOT_ALLOWED)),
    Case(
        "report-explanations",
        "POST",
        report_page(preparer_a=Expect(302, location="/approval/", state=S.SUBMITTED), reader=FORBIDDEN),
        data={"submit": "1"},
    ),
    Case("report-comment", "GET", everyone(NOT_ALLOWED)),
    Case(
        "report-comment",
        "POST",
        report_page(
            preparer_a=FORBIDDEN,
            approver_a=Expect(302, location="/approval/"),
            reader=FORBIDDEN,
            county=Expect(302, location="/approval/", unchanged=True),
        ),
        state=S.SUBMITTED,
        data={"target": "applications.received.total", "text": "请核对"},
    ),
    # --- The county's 汇总 (about the county, A's parent, for 2021): its approver and admins read it ---
    *_rollup_cases(),
    # --- The county's round board ---
    Case(
        "county-home",
        "GET",
        county_page(county=Expect(302, location="/county/"), admin=Expect(302, location="/county/"))
        | {"other_county_approver": Expect(302, location="/county/"), "anonymous": LOGIN},
    ),
    Case("county-home", "POST", everyone(NOT_ALLOWED)),
    Case(
        "county-board",
        "GET",
        county_page(
            county=Expect(200, contains=("{report_a}", "{report_b}", 'data-form="remind"', 'data-form="deadlines"')),
            admin=Expect(200, contains=("{report_a}", "{report_b}"), absent=('data-form="remind"',)),
        )
        | {"anonymous": LOGIN},
        {"year": 2021},
    ),
    Case("county-board", "POST", everyone(NOT_ALLOWED), {"year": 2021}),
    Case("county-deadlines", "GET", everyone(NOT_ALLOWED), {"year": 2021}),
    Case(
        "county-deadlines",
        "POST",
        county_page(county=Expect(302, location="/county/"), admin=FORBIDDEN) | {"anonymous": LOGIN},
        {"year": 2021},
        data={"subordinates_due": "2022-01-20", "own_due": "2022-03-20"},
    ),
    Case(
        "county-board-xlsx",
        "GET",
        county_page(
            county=Expect(200, content_type=XLSX.content_type), admin=Expect(200, content_type=XLSX.content_type)
        )
        | {"anonymous": LOGIN},
        {"year": 2021},
    ),
    Case("county-board-xlsx", "POST", everyone(NOT_ALLOWED), {"year": 2021}),
    Case("county-bulk-start", "GET", everyone(NOT_ALLOWED), {"year": 2021, "kind": JobKind.COUNTY_PDFS.value}),
    Case(
        "county-bulk-start",
        "POST",
        county_page(county=Expect(302, location="/county/"), admin=FORBIDDEN) | {"anonymous": LOGIN},
        {"year": 2021, "kind": JobKind.COUNTY_PDFS.value},
    ),
    Case(
        "county-bulk-status",
        "GET",
        county_page(county=Expect(200, contains=('"progress"',)), admin=Expect(200, contains=('"progress"',)))
        | {"anonymous": LOGIN},
        {"year": 2021},
    ),
    Case("county-bulk-status", "POST", everyone(NOT_ALLOWED), {"year": 2021}),
    Case(
        "county-bulk-download",
        "GET",
        county_page(county=Expect(200, content_type="application/zip"), admin=Expect(200)) | {"anonymous": LOGIN},
        {"year": 2021},
    ),
    Case("county-bulk-download", "POST", everyone(NOT_ALLOWED), {"year": 2021}),
    Case("county-remind", "GET", everyone(NOT_ALLOWED), {"year": 2021}),
    Case(
        "county-remind",
        "POST",
        county_page(county=Expect(302, location="/county/"), admin=FORBIDDEN) | {"anonymous": LOGIN},
        {"year": 2021},
        data={"agency": "{agency_a}"},
    ),
    # --- Background jobs (here: a draft-PDF job of report A) and the health check ---
    Case(
        "job-status",
        "GET",
        report_page(preparer_a=Expect(200, contains=('"status"',)), reader=Expect(200, contains=('"status"',))),
    ),
    Case("job-status", "POST", everyone(NOT_ALLOWED)),
    Case(
        "healthz",
        "GET",
        everyone(Expect(200, contains=('"database": "ok"',)), anonymous=Expect(200, contains=('"database": "ok"',))),
    ),
    Case("healthz", "POST", everyone(NOT_ALLOWED, anonymous=NOT_ALLOWED)),
]


def _patterns(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p


def test_matrix_covers_every_url():
    """Every named URL has GET and POST cases; every step and every action is exercised."""
    names = {p.name for p in _patterns(urlpatterns)}
    assert None not in names, "every URL of the app must be named"
    covered = {(c.name, c.method) for c in CASES}
    missing = sorted((n, m) for n in names for m in ("GET", "POST") if (n, m) not in covered)
    assert missing == [], f"URLs without expectations in the persona matrix: {missing}"
    assert {c.name for c in CASES} <= names, "the matrix expects URLs the app does not have"
    assert {c.kwargs["step"] for c in CASES if "step" in c.kwargs} == set(STEP_SLUGS)
    assert {c.kwargs["action"] for c in CASES if "action" in c.kwargs and c.method == "POST"} == set(ACTIONS)
    assert all(set(c.expect) == set(PERSONAS) for c in CASES)


ABOUT_THE_COUNTY = {"county-rollup", "county-rollup-cell", "county-rollup-pdf", "county-rollup-generate"}
BULK_JOB_URLS = {"county-bulk-status", "county-bulk-download"}
COUNTY_URLS = {
    "county-board",
    "county-deadlines",
    "county-remind",
    "county-board-xlsx",
    "county-bulk-start",
} | BULK_JOB_URLS
NOT_ABOUT_A_REPORT = {
    "home",
    "login",
    "logout",
    "report-new",
    "blank-xlsx",
    "password-change",
    "password-change-done",
    "county-home",
    "verify",
    "healthz",
    *COUNTY_URLS,
} | ABOUT_THE_COUNTY
ABOUT_A_JOB = {"job-status"}
ABOUT_THE_AGENCY = {"published-upload"}


def _url(case: Case, report: Report) -> str:
    if case.name in ABOUT_THE_COUNTY:
        return reverse(case.name, kwargs={"agency_id": report.agency.parent_id, "year": report.year}) + case.query
    if case.name in BULK_JOB_URLS:  # a finished bulk job of report A's county
        county = report.agency.parent
        job = Job.objects.filter(kind=JobKind.COUNTY_PDFS, agency=county).first() or county_archives.start_county_job(
            JobKind.COUNTY_PDFS, county, case.kwargs["year"]
        )
        return reverse(case.name, kwargs={"agency_id": county.pk, "pk": job.pk, **case.kwargs})
    if case.name in COUNTY_URLS:  # the board of report A's county
        return reverse(case.name, kwargs={"agency_id": report.agency.parent_id, **case.kwargs})
    if case.name in ABOUT_THE_AGENCY:  # report A's own agency
        return reverse(case.name, kwargs={"agency_id": report.agency_id, **case.kwargs}) + case.query
    pk = {} if case.name in NOT_ABOUT_A_REPORT else {"pk": report.pk}
    if case.name in ABOUT_A_JOB:
        pk = {"pk": Job.objects.get_or_create(kind=JobKind.DRAFT_PDF, report=report, key="matrix")[0].pk}
    return reverse(case.name, kwargs={**pk, **case.kwargs}) + case.query


def _values(report: Report):
    report.refresh_from_db()
    rows = sorted(report.application_rows.values_list("key", "natural_person", "total"))
    return report.revision, report.overview, report.section_revisions, rows


def _fill(value: str, report: Report) -> str:
    if value == "{agency_a}":
        return str(report.agency_id)
    if value.startswith("{section_revision:"):
        key = sections.STEPS_BY_SLUG[value.removeprefix("{section_revision:").rstrip("}")].key
        return str(sections.section_revision(report, key))
    return value


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_persona_url_outcome(client, personas, case, persona):
    report = personas.report_a
    Report.objects.filter(pk=report.pk).update(state=case.state)  # arrangement only
    before = _values(report)
    if persona != "anonymous":
        client.force_login(personas.user(persona))
    data = {k: _fill(v, report) for k, v in case.data.items()}
    url = _url(case, report)
    response = client.post(url, data) if case.method == "POST" else client.get(url)
    expect = case.expect[persona]

    assert response.status_code == expect.status, (url, persona, response.content[:500])
    if expect.location is not None:
        assert expect.location in response["Location"], (url, persona, response["Location"])
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if expect.content_type:
        assert response["Content-Type"].startswith(expect.content_type)
        assert body.startswith(FILE_MAGIC[expect.content_type.split(";")[0]])
    text = body.decode("utf-8", errors="replace")
    marks = {"{report_a}": f'data-report="{report.pk}"', "{report_b}": f'data-report="{personas.report_b.pk}"'}
    for needle in expect.contains:
        assert marks.get(needle, needle) in text, (url, persona, needle)
    for needle in expect.absent:
        assert marks.get(needle, needle) not in text, (url, persona, needle)
    report.refresh_from_db()
    if expect.state is not None:
        assert report.state == expect.state
    if expect.unchanged or expect.status in (403, 404, 405):
        assert _values(report) == before, "a refused request changed the report"
        assert report.state == case.state


def test_guessed_ids_of_another_agency_are_404(client, personas):
    """Every report URL with B's report id (or an id that does not exist) answers 404 to A's people."""
    client.force_login(personas.preparer_a)
    missing = Report.objects.order_by("-pk").first().pk + 1000
    for case in CASES:
        if (
            case.method != "GET"
            or case.name in NOT_ABOUT_A_REPORT | ABOUT_A_JOB | ABOUT_THE_AGENCY
            or case.expect["preparer_a"] == NOT_ALLOWED
        ):
            continue
        for pk in (personas.report_b.pk, missing):
            url = reverse(case.name, kwargs={"pk": pk, **case.kwargs})
            assert client.get(url).status_code == 404, url
    for action in ACTIONS:
        url = reverse("report-transition", kwargs={"pk": personas.report_b.pk, "action": action})
        assert client.post(url, {"reason": "x"}).status_code == 404
    assert client.post(reverse("report-comment", args=[personas.report_b.pk]), {"text": "x"}).status_code == 404
    job_b = Job.objects.create(kind=JobKind.DRAFT_PDF, report=personas.report_b, key="b")
    assert client.get(reverse("job-status", args=[job_b.pk])).status_code == 404
    assert not ReviewComment.objects.exists()


def test_county_approver_reads_subordinates_but_not_siblings(client, personas):
    """The county approver sees A and B; A's approver does not see the county's own report."""
    county_report = Report.objects.create(
        agency=personas.county, year=2021, template="2021", agency_label="苍南县人民政府"
    )
    client.force_login(personas.county_approver)
    assert client.get(reverse("report-history", args=[personas.report_b.pk])).status_code == 200
    client.force_login(personas.approver_a)
    assert client.get(reverse("report-approval", args=[county_report.pk])).status_code == 404
    # A user without any membership sees nothing at all.
    loner = make_user("loner", None, None)
    client.force_login(loner)
    assert client.get(reverse("report-approval", args=[personas.report_a.pk])).status_code == 404
    assert f'data-report="{personas.report_a.pk}"' not in client.get(reverse("home")).content.decode()


def test_unknown_action_is_404(client, personas):
    client.force_login(personas.approver_a)
    response = client.post(f"/reports/{personas.report_a.pk}/transition/delete/", {"reason": "x"})
    assert response.status_code == 404


def test_approver_role_in_table_matches_permissions(personas):
    """The roles the transition table names are the only ones that act: a preparer never returns."""
    for rule in workflow.TRANSITIONS.values():
        assert set(rule.roles) <= {Role.PREPARER, Role.APPROVER}
