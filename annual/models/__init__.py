from .agency import Agency, Membership, Role
from .report import ApplicationRow, ProactiveItem, Report, ReportState, ReviewLitigationGroup
from .jobs import Job, JobKind, JobStatus
from .workflow import ReportSnapshot, ReviewComment, Transition, WarningExplanation

__all__ = [
    "Agency", "Membership", "Role",
    "Report", "ReportState", "ProactiveItem", "ApplicationRow", "ReviewLitigationGroup",
    "ReportSnapshot", "ReviewComment", "Transition", "WarningExplanation",
    "Job", "JobKind", "JobStatus",
]
