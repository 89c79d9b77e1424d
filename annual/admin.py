"""The Django admin, in Chinese: agencies and their hierarchy, people and their roles, and a
view of reports that cannot bypass the workflow.

Reports are never changed here beyond their header facts while editable: state, revision and
portal details belong to `annual.workflow`, values to the entry pages (which keep revisions and
the audit trail), and a locked report is read-only throughout. Deleting is allowed for drafts
never submitted only, so an approved report and its audit trail cannot vanish from the admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from .models import Agency, Membership, Reminder, Report, ReportSnapshot, ReportState, RoundDeadline, Transition

admin.site.site_header = "政府信息公开工作年度报告 · 管理"
admin.site.site_title = "年度报告管理"
admin.site.index_title = "机关、人员与报告"


class ChildAgencyInline(admin.TabularInline):
    model = Agency
    fk_name = "parent"
    fields = ("name", "kind", "order")
    extra = 0
    verbose_name = "下级机关"
    verbose_name_plural = "下级机关"
    show_change_link = True


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "order",
        "parent",
        "member_count",
        "publication_requires_review",
        "single_approver_exempt",
    )
    list_filter = ("kind", ("parent", admin.RelatedOnlyFieldListFilter), "publication_requires_review")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    inlines = (ChildAgencyInline,)

    def get_changeform_initial_data(self, request):
        # A new agency is set up now unless the administrator says otherwise: past years'
        # boards then show it as 当年未设立 instead of overdue.
        return {"established_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    @admin.display(description="人员数")
    def member_count(self, agency: Agency) -> int:
        return agency.members.count()


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = True
    extra = 0
    max_num = 1
    autocomplete_fields = ("agency",)
    verbose_name = "所属机关与角色"
    verbose_name_plural = "所属机关与角色"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """Django's user admin with the person's agency and role on the same page."""

    inlines = (MembershipInline,)
    list_display = ("username", "last_name", "first_name", "email", "agency", "role", "is_active")
    list_filter = ("is_active", "membership__role", ("membership__agency", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("membership__agency",)

    @admin.display(description="机关", ordering="membership__agency__name")
    def agency(self, user) -> str:
        m = getattr(user, "membership", None)
        return m.agency.name if m else "—"

    @admin.display(description="角色", ordering="membership__role")
    def role(self, user) -> str:
        m = getattr(user, "membership", None)
        return m.get_role_display() if m else "—"


class TransitionInline(admin.TabularInline):
    model = Transition
    fields = ("at", "actor", "from_state", "to_state", "reason", "revision")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "流转记录"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SnapshotInline(admin.TabularInline):
    model = ReportSnapshot
    fields = ("created_at", "created_by", "sha256")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# What the workflow alone writes, and bookkeeping: never editable here.
WORKFLOW_OWNED = (
    "state",
    "revision",
    "section_revisions",
    "portal_url",
    "portal_published_on",
    "created_at",
    "updated_at",
)
# Changing these would move the report to another agency, year or template: not an admin edit.
IDENTITY = ("agency", "year", "template")
# The report's sections are entered on the entry pages, which guard against two tabs
# overwriting each other (section revisions); the admin only corrects header facts.
TEXTS = ("intro", "overview", "problems", "other_matters")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("display_title", "agency", "year", "state", "revision", "updated_at")
    list_filter = ("state", "year", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("agency__name", "agency_label", "title")
    list_select_related = ("agency",)
    inlines = (TransitionInline, SnapshotInline)

    def has_add_permission(self, request) -> bool:
        return False  # reports are created on the home page, with last year's figures carried over

    def has_delete_permission(self, request, obj: Report | None = None) -> bool:
        # Only a draft never submitted: anything else has an audit trail that must stay.
        if obj is not None and (obj.state != ReportState.DRAFT or obj.transitions.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj: Report | None = None) -> bool:
        # A locked report opens as a read-only view: no form, no save button, a POST is refused.
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj: Report | None = None):
        return [*WORKFLOW_OWNED, *IDENTITY, *TEXTS]

    def save_model(self, request, obj: Report, form, change) -> None:
        # Same bookkeeping as every other write: the revision moves, so open entry pages see it.
        obj.revision += 1
        obj._history_user = request.user
        super().save_model(request, obj, form, change)


@admin.register(RoundDeadline)
class RoundDeadlineAdmin(admin.ModelAdmin):
    list_display = ("agency", "year", "subordinates_due", "own_due", "updated_by", "updated_at")
    list_filter = ("year",)
    autocomplete_fields = ("agency",)
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj: RoundDeadline, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The record of reminders sent: read-only, it is the history of who was told when."""

    list_display = ("agency", "year", "sender", "sent_at", "insisted")
    list_filter = ("year", "insisted")
    search_fields = ("agency__name",)
    list_select_related = ("agency", "sender")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
