from .learning import Application, KnowledgeCheckAttempt, LessonProgress, Reflection
from .people import Cohort, Enrolment, Program, TrainerAssignment, TrainerAssignmentRecord

__all__ = [
    "Application", "Cohort", "Enrolment", "KnowledgeCheckAttempt", "LessonProgress",
    "Program", "Reflection", "TrainerAssignment", "TrainerAssignmentRecord",
]
