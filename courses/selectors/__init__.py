from .learning import (
    CourseworkStatus,
    active_enrolment,
    application_state,
    attach_progress,
    course_view,
    coursework_status,
    coursework_status_for,
    curriculum_tree,
    lesson_view,
    program_progress,
)
from .people import cohort_overview, enrolment_detail, trainee_enrolments, trainer_caseload

__all__ = [
    "CourseworkStatus", "active_enrolment", "application_state", "attach_progress",
    "cohort_overview", "course_view", "coursework_status", "coursework_status_for",
    "curriculum_tree", "enrolment_detail", "lesson_view", "program_progress",
    "trainee_enrolments", "trainer_caseload",
]
