"""Coursework toward each outcome: lessons completed and knowledge checks passed in the
lessons a program's curriculum aligns with the outcome.

It lives with the outcomes (not in courses) because it reads the pinned framework
version's codes; courses knows lessons and progress, not frameworks.
"""

from typing import NamedTuple

from cms.models import ProgramPage
from courses.models import Enrolment, KnowledgeCheckAttempt, LessonProgress
from courses.selectors import attach_progress, curriculum_tree

from ..models import Outcome


class CourseworkStatus(NamedTuple):
    # A tuple: a cohort's records make tens of thousands of these.
    code: str
    lessons_done: int
    lessons_total: int
    checks_passed: int
    checks_total: int

    @property
    def complete(self) -> bool:
        return self.lessons_total > 0 and self.lessons_done == self.lessons_total


def coursework_status_for(enrolments: list[Enrolment]) -> dict[int, dict[str, CourseworkStatus]]:
    """Set form: for each enrolment, each outcome code's coursework status.

    Runs a fixed number of queries whatever the number of enrolments, lessons and
    attempts: enrolments' programs (1, none when each enrolment comes with its cohort),
    program pages (1), per program its tree (3; programs are few, and the tree is
    cached), the pinned versions' codes (1), completed lessons (1), passed checks (1).
    """
    if not enrolments:
        return {}
    if all(Enrolment.cohort.is_cached(e) for e in enrolments):
        program_of = {e.pk: e.cohort.program_id for e in enrolments}
    else:
        program_of = dict(
            Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).values_list(
                "pk", "cohort__program_id"
            )
        )
    program_ids = set(program_of.values())
    trees = {
        page.program_id: curriculum_tree(program_page=page)
        for page in ProgramPage.objects.live().filter(program_id__in=program_ids)
    }
    codes_by_version: dict[int, list[str]] = {}
    for version_id, code in (
        Outcome.objects.filter(version_id__in={e.framework_version_id for e in enrolments})
        .exclude(category=Outcome.Category.EXPERIENCE)
        .order_by("position")
        .values_list("version_id", "code")
    ):
        codes_by_version.setdefault(version_id, []).append(code)
    enrolment_ids = [e.pk for e in enrolments]
    completed: dict[int, set[int]] = {}
    for enrolment_id, lesson_id in (
        LessonProgress.objects.completed()
        .filter(enrolment_id__in=enrolment_ids)
        .values_list("enrolment_id", "lesson_id")
        .order_by()
    ):
        completed.setdefault(enrolment_id, set()).add(lesson_id)
    passed: dict[int, set[tuple[int, str]]] = {}
    for enrolment_id, lesson_id, check_id in (
        KnowledgeCheckAttempt.objects.passed()
        .filter(enrolment_id__in=enrolment_ids)
        .values_list("enrolment_id", "lesson_id", "check_id")
        .order_by()  # the model's ordering would join the DISTINCT and defeat it
        .distinct()
    ):
        passed.setdefault(enrolment_id, set()).add((lesson_id, check_id))
    # Each (program, code): its aligned lessons and their checks as sets, worked out once
    # rather than once per enrolment (a cohort matrix asks for 200 × 21 of them); each
    # enrolment's counts are then set intersections.
    aligned: dict[tuple[int, str], tuple[frozenset[int], frozenset[tuple[int, str]]]] = {}
    for program_id, tree in trees.items():
        lessons: dict[str, set[int]] = {}
        checks: dict[str, set[tuple[int, str]]] = {}
        for node in tree.lessons:
            for code in node.codes:
                lessons.setdefault(code, set()).add(node.page.pk)
                checks.setdefault(code, set()).update((node.page.pk, c) for c in node.page.check_ids)
        for code, pks in lessons.items():
            aligned[program_id, code] = (frozenset(pks), frozenset(checks[code]))
    nothing = (frozenset(), frozenset())
    result: dict[int, dict[str, CourseworkStatus]] = {}
    for enrolment in enrolments:
        program_id = program_of[enrolment.pk]
        done, ok = completed.get(enrolment.pk, set()), passed.get(enrolment.pk, set())
        statuses = {}
        for code in codes_by_version.get(enrolment.framework_version_id, []):
            lessons, checks = aligned.get((program_id, code), nothing)
            statuses[code] = CourseworkStatus(
                code, len(lessons & done), len(lessons), len(checks & ok), len(checks)
            )
        result[enrolment.pk] = statuses
    return result


def lessons_to_complete(*, enrolment: Enrolment, code: str) -> list:
    """The lessons aligned with outcome ``code`` (as the coursework count has them) that the trainee has not yet
    completed, in curriculum order (lesson nodes: ``.page`` to link to), for the outcome
    page to name them; the tree (cached) and the trainee's progress (2 queries)."""
    page = ProgramPage.objects.live().filter(program_id=enrolment.cohort.program_id).first()
    if page is None:
        return []
    tree = attach_progress(curriculum_tree(program_page=page), enrolment)
    return [n for n in tree.lessons if code in n.codes and not n.complete]
