import decimal
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .. import formatting
from .. import template_spec as spec
from ..money import MONEY_LIMIT_TEXT, MONEY_MAX
from .agency import Agency


class MoneyAmountField(models.DecimalField):
    """A money column (numeric(18, 4)) that reads every stored value without failing.

    Django's SQLite reader rounds to 15 significant digits and raises on anything wider, so a
    value stored before the range existed (or by hand) made every page of its report, and the
    home page, fail. This field reads the raw value itself: in range it is the exact decimal;
    out of range it is the nearest decimal SQLite kept, shown as typed, and refused by the
    validators on the next save. The column is an ordinary decimal on every database.
    """

    def get_internal_type(self) -> str:
        # Not "DecimalField": that name is what makes the backend add its raising converter.
        return "MoneyAmountField"

    def db_type(self, connection):
        return connection.data_types["DecimalField"] % self.db_type_parameters(connection)

    def cast_db_type(self, connection):
        return self.db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, Decimal):
            return value
        if isinstance(value, float):
            value = decimal.Context(prec=15).create_decimal_from_float(value)
        else:
            try:
                value = Decimal(str(value))
            except decimal.InvalidOperation:
                return None
        try:
            return value.quantize(Decimal(1).scaleb(-self.decimal_places), context=self.context)
        except decimal.InvalidOperation:
            return value


class ReportState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已通过"
    PUBLISHED = "published", "已发布"


# The one editability rule: a report's values change only in these states. The workflow's lock
# guard refuses a save in any other state by the same set.
EDITABLE_STATES = frozenset({ReportState.DRAFT, ReportState.RETURNED})


def _count(label: str) -> models.PositiveBigIntegerField:
    # Blank (None) and 0 differ on paper: blank prints nothing, 0 prints 0.
    return models.PositiveBigIntegerField(label, null=True, blank=True)


def _meta(label: str, max_length: int = 500) -> models.CharField:
    # None means the header fact is absent from the report, "" that it is present but empty.
    return models.CharField(label, max_length=max_length, null=True, blank=True)


_META = dict(spec.META_FIELDS)
_CONTACT = dict(spec.CONTACT_FIELDS)


class Report(models.Model):
    """One agency's annual report for one year, in one template version."""

    # django-simple-history's reason for the next history row; a writer sets it when it has one.
    _change_reason: str

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT, related_name="reports")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    template = models.CharField("模板版本", max_length=4, choices=spec.VERSION_CHOICES)
    agency_label = models.CharField("报告中的机关名称", max_length=200)
    title = models.CharField("标题", max_length=300, blank=True, help_text="留空则使用默认标题")

    index_number = _meta(_META["index_number"], 100)
    category = _meta(_META["category"], 100)
    disclosure = _meta(_META["disclosure"], 100)
    published_on = models.DateField(_META["published_on"], null=True, blank=True)
    signed_by = _meta(_META["signed_by"], 200)
    signed_on = models.DateField(_META["signed_on"], null=True, blank=True)
    website = _meta(_META["website"])
    contact_address = _meta(_CONTACT["address"])
    contact_postcode = _meta(_CONTACT["postcode"], 20)
    contact_phone = _meta(_CONTACT["phone"], 100)
    contact_fax = _meta(_CONTACT["fax"], 100)
    contact_email = _meta(_CONTACT["email"], 254)

    intro = models.TextField(spec.TEXT_LABELS["intro"], blank=True, default="")
    overview = models.TextField(spec.TEXT_LABELS["overview"], blank=True, default="")
    problems = models.TextField(spec.TEXT_LABELS["problems"], blank=True, default="")
    other_matters = models.TextField(spec.TEXT_LABELS["other_matters"], blank=True, default="")

    state = models.CharField("状态", max_length=16, choices=ReportState.choices, default=ReportState.DRAFT)
    # Bumped on every saved change, so a page can tell whether someone saved after it loaded.
    revision = models.PositiveIntegerField("修订号", default=0)
    section_revisions = models.JSONField("各部分修订号", default=dict, blank=True)
    portal_url = models.URLField("发布网址", max_length=500, blank=True)
    portal_published_on = models.DateField("发布日期（门户）", null=True, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "section_revisions"])
    # Set before save() to who made the change: django-simple-history records it (also outside a request).
    _history_user: Any

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"
        ordering = ["-year", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="one_report_per_agency_and_year"),
            models.CheckConstraint(condition=models.Q(template__in=spec.VERSIONS), name="report_template_known"),
            models.CheckConstraint(condition=models.Q(year__gte=2000, year__lte=2100), name="report_year_range"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def default_title(self) -> str:
        return formatting.default_title(self.agency_label, self.year)

    @property
    def display_title(self) -> str:
        return self.title or self.default_title

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class ProactiveItem(models.Model):
    """One item of 二 主动公开 (规章, 行政许可, …). Which columns apply depends on the version."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="proactive_items")
    key = models.CharField(max_length=40)
    made = _count(spec.PROACTIVE_FIELD_LABELS["made"])
    published = _count(spec.PROACTIVE_FIELD_LABELS["published"])
    total_published = _count(spec.PROACTIVE_FIELD_LABELS["total_published"])
    issued = _count(spec.PROACTIVE_FIELD_LABELS["issued"])
    repealed = _count(spec.PROACTIVE_FIELD_LABELS["repealed"])
    in_force = _count(spec.PROACTIVE_FIELD_LABELS["in_force"])
    previous = _count(spec.PROACTIVE_FIELD_LABELS["previous"])
    change = models.BigIntegerField(spec.PROACTIVE_FIELD_LABELS["change"], null=True, blank=True)
    decisions = _count(spec.PROACTIVE_FIELD_LABELS["decisions"])
    projects = _count(spec.PROACTIVE_FIELD_LABELS["projects"])
    amount_wan_yuan = MoneyAmountField(
        "金额（万元）",
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(0),
            MaxValueValidator(MONEY_MAX, message=f"金额超出范围：应为 {MONEY_LIMIT_TEXT}"),
        ],
    )
    # How many decimals the office wrote ("271.50" stays "271.50" on paper and in exports).
    amount_places = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(4)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = "主动公开项目"
        verbose_name_plural = "主动公开项目"
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_proactive_item_per_key"),
            models.CheckConstraint(
                condition=models.Q(amount_wan_yuan__isnull=True) | models.Q(amount_wan_yuan__gte=0),
                name="proactive_amount_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}·{self.key}"


class ApplicationRow(models.Model):
    """One row of table 三, with the six applicant columns and 总计."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="application_rows")
    key = models.CharField(max_length=60)
    natural_person = _count(spec.COLUMNS_BY_KEY["natural_person"].label)
    commercial = _count(spec.COLUMNS_BY_KEY["commercial"].label)
    research = _count(spec.COLUMNS_BY_KEY["research"].label)
    social_welfare = _count(spec.COLUMNS_BY_KEY["social_welfare"].label)
    legal_service = _count(spec.COLUMNS_BY_KEY["legal_service"].label)
    other_org = _count(spec.COLUMNS_BY_KEY["other_org"].label)
    total = _count(spec.TOTAL_COLUMN.label)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "申请情况行"
        verbose_name_plural = "申请情况行"
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_application_row_per_key"),
            models.CheckConstraint(condition=models.Q(key__in=spec.ALL_ROW_KEYS), name="application_row_key_known"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}·{self.key}"


class ReviewLitigationGroup(models.Model):
    """One group of 四: 行政复议, or 行政诉讼 directly or after review."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="review_groups")
    key = models.CharField(max_length=40)
    upheld = _count(spec.REVIEW_FIELDS_BY_KEY["upheld"].label)
    corrected = _count(spec.REVIEW_FIELDS_BY_KEY["corrected"].label)
    other = _count(spec.REVIEW_FIELDS_BY_KEY["other"].label)
    pending = _count(spec.REVIEW_FIELDS_BY_KEY["pending"].label)
    total = _count(spec.REVIEW_FIELDS_BY_KEY["total"].label)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "复议诉讼情况"
        verbose_name_plural = "复议诉讼情况"
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_review_group_per_key"),
            models.CheckConstraint(
                condition=models.Q(key__in=[g.key for g in spec.REVIEW_GROUPS]), name="review_group_key_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}·{self.key}"
