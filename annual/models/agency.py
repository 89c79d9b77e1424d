from django.conf import settings
from django.db import models


class Agency(models.Model):
    """A reporting agency. A county government is the parent of its departments and townships."""

    name = models.CharField("机关名称", max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级机关", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

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
