from .agency import Agency, AgencyKind, Membership, Role
from .county import Reminder, RoundDeadline
from .imports import WorkbookImport
from .jobs import Job, JobKind, JobStatus
from .report import ApplicationRow, ProactiveItem, Report, ReportState, ReviewLitigationGroup
from .rollup import RollupBasis, RollupSource
from .workflow import ReportSnapshot, ReviewComment, Transition, WarningExplanation

__all__ = [
    "Agency",
    "AgencyKind",
    "Membership",
    "Role",
    "Report",
    "ReportState",
    "ProactiveItem",
    "ApplicationRow",
    "ReviewLitigationGroup",
    "RollupBasis",
    "RollupSource",
    "ReportSnapshot",
    "ReviewComment",
    "Transition",
    "WarningExplanation",
    "WorkbookImport",
    "Reminder",
    "RoundDeadline",
    "Job",
    "JobKind",
    "JobStatus",
]
