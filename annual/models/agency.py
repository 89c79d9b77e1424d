from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Agency(models.Model):
    """A reporting agency. A county government is the parent of its departments and townships."""

    name = models.CharField("机关名称", max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Separation of duties (annual.permissions.approval_conflict): whoever submitted a report or
    # changed its values since the last return may not approve it. An office with a single
    # approver cannot follow that rule; an administrator exempts it here, and the history below
    # records who did and when (shown on the approval page).
    single_approver_exempt = models.BooleanField(
        "允许同一审核人提交并审核通过", default=False,
        help_text="仅适用于只有一名审核人的机关：勾选后，提交或修改过报告的审核人也可以审核通过。该设置记入修改历史，并显示在审核页面上。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "机关"
        verbose_name_plural = "机关"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def descendants(self) -> list["Agency"]:
        """Every agency below this one (children, their children, …)."""
        found: list[Agency] = []
        frontier = [self.pk]
        while frontier:
            level = list(Agency.objects.filter(parent_id__in=frontier))
            found.extend(level)
            frontier = [a.pk for a in level]
        return found


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
