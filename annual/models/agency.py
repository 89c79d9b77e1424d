from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

NAME_MAX_LENGTH = 200


class AgencyNameError(ValueError):
    """The name cannot name an agency; `message` (Chinese) says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def clean_agency_name(raw: str | None) -> str:
    """The one rule for agency names, wherever one is typed (form, admin, import, command line):
    leading and trailing spaces (full-width ones too) removed; AgencyNameError when nothing is
    left, the name holds a line break or another control character, or it is longer than the
    column. A trailing space used to create a second agency
    with the same visible name, outside its county."""
    name = (raw or "").strip()
    if not name:
        raise AgencyNameError("机关名称不能为空（去掉首尾空格后为空）")
    if any(ch in name for ch in "\r\n\t\v\f\x00\x85\u2028\u2029"):
        # A line break in a name ends up in mail subjects and file names, where it breaks them.
        raise AgencyNameError("机关名称不能包含换行符、制表符等控制字符")
    if len(name) > NAME_MAX_LENGTH:
        raise AgencyNameError(f"机关名称过长：{len(name)} 字，上限为 {NAME_MAX_LENGTH} 字")
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
        from ..tree import AgencyTree  # the tree loads every agency in one query

        if self.parent_id == self.pk or self.parent_id in AgencyTree.load().descendant_ids(self.pk):
            parent = AgencyTree.load().name(self.parent_id)
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
        from ..tree import AgencyTree

        ids = AgencyTree.load().descendant_ids(self.pk)
        by_id = Agency.objects.in_bulk(ids)
        return [by_id[i] for i in ids if i in by_id]


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
