from .learning import (
    application_approve,
    application_decline,
    application_submit,
    knowledge_check_grant,
    knowledge_check_submit,
    lesson_mark_read,
    lesson_opened,
    lesson_viewed,
    reflection_save,
)
from .people import (
    assignment_create,
    assignment_end,
    cohort_save,
    enrolment_create,
    enrolment_update,
    enrolment_verify_license,
    program_save,
)

__all__ = [
    "application_approve", "application_decline", "application_submit",
    "assignment_create", "assignment_end", "cohort_save", "enrolment_create",
    "enrolment_update", "enrolment_verify_license", "knowledge_check_grant", "knowledge_check_submit",
    "lesson_mark_read", "lesson_opened", "lesson_viewed", "program_save", "reflection_save",
]
