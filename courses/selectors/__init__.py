from .learning import (
    active_enrolment,
    application_state,
    attach_progress,
    checks_out_of_attempts,
    course_view,
    curriculum_tree,
    lesson_progress,
    lesson_view,
    program_progress,
)
from .people import cohort_overview, enrolment_detail, trainee_enrolments, trainer_caseload

__all__ = [
    "active_enrolment", "application_state", "attach_progress", "checks_out_of_attempts", "cohort_overview",
    "course_view", "curriculum_tree", "enrolment_detail", "lesson_progress", "lesson_view",
    "program_progress",
    "trainee_enrolments", "trainer_caseload",
]
