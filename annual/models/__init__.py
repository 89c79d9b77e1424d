from .agency import Agency, Membership, Role
from .county import Reminder, RoundDeadline
from .report import ApplicationRow, ProactiveItem, Report, ReportState, ReviewLitigationGroup
from .workflow import ReportSnapshot, ReviewComment, Transition, WarningExplanation

__all__ = [
    "Agency", "Membership", "Role",
    "Report", "ReportState", "ProactiveItem", "ApplicationRow", "ReviewLitigationGroup",
    "ReportSnapshot", "ReviewComment", "Transition", "WarningExplanation",
    "Reminder", "RoundDeadline",
]
