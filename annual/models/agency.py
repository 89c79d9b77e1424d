from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def clean_agency_name(name: str | None) -> str:
    """The name as stored: leading and trailing spaces (also full-width ones) removed.

    Raises ValidationError when nothing is left, so an agency cannot be called "" or "  ".
    """
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError({"name": "机关名称不能为空（去掉首尾空格后为空）。"})
    return cleaned


class Agency(models.Model):
    """A reporting agency. A county government is the parent of its departments and townships.

    The hierarchy is a tree: `save()` refuses a parent that would make an agency its own
    ancestor (such a loop would otherwise hang every walk up or down the tree).
    """

    name = models.CharField("机关名称", max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    publication_requires_review = models.BooleanField(
        "下级机关发布须经本级复核", default=False,
        help_text="勾选后，下级机关的报告须经本机关审核人“复核通过”才能登记发布",
    )

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name = clean_agency_name(self.name)
        self.check_parent()

    def save(self, *args, **kwargs) -> None:
        self.name = clean_agency_name(self.name)
        self.check_parent()
        super().save(*args, **kwargs)

    def check_parent(self) -> None:
        """Refuse a parent that is this agency or one of its descendants (ValidationError)."""
        if self.parent_id is None or self.pk is None:
            return
        from ..tree import AgencyTree  # the tree loads every agency in one query

        if self.parent_id == self.pk or self.parent_id in AgencyTree.load().descendant_ids(self.pk):
            parent = AgencyTree.load().name(self.parent_id)
            raise ValidationError({"parent": (
                f"不能把“{parent}”设为“{self.name}”的上级机关：“{parent}”是“{self.name}”本身或其下级机关，"
                "这样会形成循环。")})

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
