from .learning import (
    Application,
    KnowledgeCheckAttempt,
    KnowledgeCheckGrant,
    LessonProgress,
    Reflection,
)
from .people import Cohort, Enrolment, Program, TrainerAssignment, TrainerAssignmentRecord

__all__ = [
    "Application", "Cohort", "Enrolment", "KnowledgeCheckAttempt", "KnowledgeCheckGrant", "LessonProgress",
    "Program", "Reflection", "TrainerAssignment", "TrainerAssignmentRecord",
]
