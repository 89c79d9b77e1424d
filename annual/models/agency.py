from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from ..document import control_character_problem
from ..tree import AgencyTree, official_order_key

NAME_MAX_LENGTH = 200


class AgencyNameError(ValueError):
    """The name cannot name an agency; `message` (Chinese) says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def clean_agency_name(raw: str | None) -> str:
    """The one rule for agency names, wherever one is typed (form, admin, import, command line):
    leading and trailing spaces (full-width ones too) removed; AgencyNameError when nothing is
    left, the name is longer than the column, or it holds a line break or another control
    character (a name is one line on every page and in every mail header). A trailing space used to create a second agency
    with the same visible name, outside its county."""
    name = (raw or "").strip()
    if not name:
        raise AgencyNameError("机关名称不能为空（去掉首尾空格后为空）")
    if len(name) > NAME_MAX_LENGTH:
        raise AgencyNameError(f"机关名称过长：{len(name)} 字，上限为 {NAME_MAX_LENGTH} 字")
    problem = control_character_problem(name)
    if problem:
        raise AgencyNameError(problem)
    return name


def _model_name(raw: str | None) -> str:
    try:
        return clean_agency_name(raw)
    except AgencyNameError as exc:
        raise ValidationError({"name": exc.message}) from None


class AgencyKind(models.TextChoices):
    """What the agency is under 条例第五十条, which sets its report's legal due date: a department
    or township reports by 1月31日, a people's government's own report is due 3月31日."""

    DEPARTMENT = "department", "部门/乡镇"
    GOVERNMENT = "government", "人民政府（本级政府）"


class AgencyManager(models.Manager["Agency"]):
    def tree(self) -> AgencyTree:
        """Every agency as one tree (one query), siblings in official order (`tree.official_order_key`)."""
        rows = list(self.values_list("pk", "parent_id", "name", "kind", "order"))
        rows.sort(key=lambda row: official_order_key(row[2], row[4]))
        return AgencyTree.from_rows((pk, parent, name, kind) for pk, parent, name, kind, _ in rows)

    def named(self, name: str) -> tuple[Agency | None, AgencyFormerName | None]:
        """The agency called `name` now, or else the one that was called so (with that former
        name); (None, None) when no agency has or had the name. A current name wins: a name an
        agency gave up may since have been taken by another."""
        agency = self.filter(name=name).first()
        if agency is not None:
            return agency, None
        former = AgencyFormerName.objects.select_related("agency").filter(name=name).order_by("-until_year").first()
        return (former.agency, former) if former is not None else (None, None)


class Agency(models.Model):
    """A reporting agency. A county government is the parent of its departments and townships.

    The hierarchy is a tree: `save()` refuses a parent that would make an agency its own
    ancestor (such a loop would otherwise hang every walk up or down the tree).
    """

    name = models.CharField("机关名称", max_length=NAME_MAX_LENGTH, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(
        "机关类别",
        max_length=16,
        choices=AgencyKind.choices,
        default=AgencyKind.DEPARTMENT,
        help_text="决定本机关年度报告的法定截止日期：部门和乡镇为次年 1 月 31 日，本级人民政府为次年 3 月 31 日。与是否有下级机关无关。",
    )
    order = models.PositiveIntegerField(
        "排序号",
        null=True,
        blank=True,
        help_text="工作台和汇总中同级机关按排序号从小到大排列；未填或相同的按名称拼音排列（部门在前，乡镇、街道在后）。",
    )
    established_on = models.DateField(
        "设立日期",
        null=True,
        blank=True,
        help_text="新设机关填写：设立之前年度的工作台把本机关显示为“当年未设立”，不计逾期。未填表示早已存在。",
    )
    # Separation of duties (annual.permissions.approval_conflict): whoever submitted a report or
    # changed its values since the last return may not approve it. An office with a single
    # approver cannot follow that rule; an administrator exempts it here, and the history below
    # records who did and when (shown on the approval page).
    single_approver_exempt = models.BooleanField(
        "允许同一审核人提交并审核通过",
        default=False,
        help_text="仅适用于只有一名审核人的机关：勾选后，提交或修改过报告的审核人也可以审核通过。该设置记入修改历史，并显示在审核页面上。",
    )

    history = HistoricalRecords()
    publication_requires_review = models.BooleanField(
        "下级机关发布须经本级复核",
        default=False,
        help_text="勾选后，下级机关的报告须经本机关审核人“复核通过”才能登记发布",
    )

    objects = AgencyManager()

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name = _model_name(self.name)
        self.check_parent()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = _model_name(self.name)
        self.check_parent()

    def check_parent(self) -> None:
        """Refuse a parent that is this agency or one of its descendants (ValidationError)."""
        if self.parent_id is None or self.pk is None:
            return
        tree = Agency.objects.tree()
        if self.parent_id == self.pk or self.parent_id in tree.descendant_ids(self.pk):
            parent = tree.name(self.parent_id)
            raise ValidationError(
                {
                    "parent": (
                        f"不能把“{parent}”设为“{self.name}”的上级机关：“{parent}”是“{self.name}”本身或其下级机关，"
                        "这样会形成循环。"
                    )
                }
            )

    def descendants(self) -> list[Agency]:
        """Every agency below this one (children, their children, …), in tree order."""
        ids = Agency.objects.tree().descendant_ids(self.pk)
        by_id = Agency.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


class AgencyFormerName(models.Model):
    """A name the agency reported under before a rename (曾用名), and the last year it did.

    Reports keep the name they were published under (`Report.agency_label`); this only lets a
    file or a command that names the agency the old way find it (`AgencyManager.named`), so a
    renamed agency's reports stay one agency's, year after year.
    """

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField("曾用名", max_length=NAME_MAX_LENGTH)
    until_year = models.PositiveSmallIntegerField(
        "使用至年度",
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="以此名称报送的最后一个年度报告的年度（其后的年度报告使用新名称）",
    )

    class Meta:
        verbose_name = "曾用名"
        verbose_name_plural = "曾用名"
        ordering = ["agency", "-until_year"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="one_former_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.name}（使用至 {self.until_year} 年）"

    def save(self, *args, **kwargs) -> None:
        self.name = _model_name(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = _model_name(self.name)
        if (
            self.agency_id is not None
            and self.name == Agency.objects.filter(pk=self.agency_id).values_list("name", flat=True).first()
        ):
            raise ValidationError({"name": f"“{self.name}”是该机关的现用名称，不是曾用名"})


class Role(models.TextChoices):
    PREPARER = "preparer", "填报人"
    APPROVER = "approver", "审核人"
    ADMIN = "admin", "管理员"


class Membership(models.Model):
    """Which agency a user works for, and in which role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT, related_name="members")
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"

    def __str__(self) -> str:
        return f"{self.user} · {self.agency} · {self.get_role_display()}"
