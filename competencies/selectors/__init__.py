from .coursework import CourseworkStatus, coursework_status_for, lessons_to_complete
from .frameworks import (
    framework_codes,
    latest_published_version,
    outcome_code_choices,
    outcomes_by_category,
)
from .records import (
    AWAITING_REVIEW,
    IN_PROGRESS,
    MET,
    NOT_STARTED,
    EnrolmentRecord,
    OutcomeRecord,
    outcome_record,
    outcome_records_for,
)

__all__ = [
    "AWAITING_REVIEW", "IN_PROGRESS", "MET", "NOT_STARTED", "CourseworkStatus", "EnrolmentRecord", "lessons_to_complete",
    "OutcomeRecord", "coursework_status_for",
    "framework_codes", "latest_published_version", "outcome_code_choices", "outcome_record",
    "outcome_records_for", "outcomes_by_category",
]
