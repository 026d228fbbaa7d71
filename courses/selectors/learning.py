"""Reads for the curriculum: what a trainee has done, in a fixed number of queries.

A program's curriculum is read as one tree (courses, then lessons with their outcome
codes, three queries); a trainee's progress and passed checks are two more. Everything
else is arithmetic over those rows.
"""

import uuid
from dataclasses import dataclass, field

from django.db.models import Prefetch

from cms.models import CoursePage, LessonOutcome, LessonPage, ProgramPage
from core.stamped import StampedCache

from ..models import (
    Application,
    Enrolment,
    KnowledgeCheckAttempt,
    KnowledgeCheckGrant,
    LessonProgress,
    Reflection,
)
from ..services.learning import check_token


@dataclass
class LessonNode:
    page: object
    codes: list[str]
    course: "CourseNode | None" = None
    progress: LessonProgress | None = None
    passed_checks: set[str] = field(default_factory=set)

    @property
    def read(self) -> bool:
        return bool(self.progress and self.progress.read_at)

    @property
    def complete(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def checks_total(self) -> int:
        return len(self.page.check_ids)

    @property
    def checks_passed(self) -> int:
        return len(set(self.page.check_ids) & self.passed_checks)


@dataclass
class CourseNode:
    page: object
    lessons: list[LessonNode] = field(default_factory=list)

    @property
    def required(self) -> list[LessonNode]:
        return [lesson for lesson in self.lessons if lesson.page.required]

    @property
    def done(self) -> int:
        return sum(1 for lesson in self.required if lesson.complete)

    @property
    def total(self) -> int:
        return len(self.required)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


@dataclass
class Curriculum:
    program_page: object
    courses: list[CourseNode]
    # Names this reading of the tree: a new one is made whenever the tree is read from
    # the database, so whatever was computed from an older tree is keyed apart.
    stamp: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def lessons(self) -> list[LessonNode]:
        return [lesson for course in self.courses for lesson in course.lessons]

    @property
    def done(self) -> int:
        return sum(course.done for course in self.courses)

    @property
    def total(self) -> int:
        return sum(course.total for course in self.courses)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def started(self) -> bool:
        return any(n.progress for n in self.lessons)

    def resume(self) -> LessonNode | None:
        """The lesson to continue: the most recently opened one not yet complete, else
        the first incomplete required lesson after the last one opened."""
        opened = [n for n in self.lessons if n.progress and not n.complete]
        if opened:
            return max(opened, key=lambda n: n.progress.last_opened_at)
        lessons = self.lessons
        seen = [i for i, n in enumerate(lessons) if n.progress]
        start = (max(seen, key=lambda i: lessons[i].progress.last_opened_at) + 1) if seen else 0
        ordered = lessons[start:] + lessons[:start]
        return next((n for n in ordered if n.page.required and not n.complete), None)


# The tree is read on every lesson, course and trainee page and by every eligibility
# check, and changes only when editors change pages: it is cached (core.stamped), and
# dropped (with every other program's) whenever a page or a lesson's outcome links
# change (courses/signals.py). With Redis down it is read from the database.
CURRICULUM_CACHE_SECONDS = 60 * 60


_trees: StampedCache[Curriculum] = StampedCache(
    "curriculum:3",  # 3: the keys of core.stamped
    stamp_of=lambda tree: tree.stamp, timeout=CURRICULUM_CACHE_SECONDS,
)


def curriculum_forget() -> None:
    """Drop every cached curriculum tree (after any change to pages)."""
    _trees.forget(ProgramPage.objects.values_list("pk", flat=True))


def curriculum_tree(*, program_page) -> Curriculum:
    """The live courses and lessons under a program page (cached; three queries when
    it is not). Callers get their own copy of the nodes, to fill with progress."""
    tree = _trees.get(program_page.pk, lambda: _curriculum_tree(program_page))
    return _filled(tree, None, {}, {})


def curriculum_stamp(*, program_page) -> str:
    """The stamp of the program's current tree without reading the tree itself (which
    is most of a curriculum's cache traffic): what cached standing is keyed by."""
    return _trees.stamp(program_page.pk, lambda: _curriculum_tree(program_page))


def _curriculum_tree(program_page) -> Curriculum:
    courses = [
        CourseNode(page)
        for page in CoursePage.objects.live().child_of(program_page).order_by("path")
    ]
    lessons = (
        LessonPage.objects.live()
        .descendant_of(program_page)
        .defer_streamfields()
        .order_by("path")
        .prefetch_related(
            Prefetch("outcome_links", queryset=LessonOutcome.objects.order_by("sort_order"))
        )
    )
    by_path = {course.page.path: course for course in courses}
    for page in lessons:
        course = by_path.get(page.path[: -page.steplen])
        if course is not None:
            node = LessonNode(page, [link.code for link in page.outcome_links.all()], course)
            course.lessons.append(node)
    return Curriculum(program_page, courses)


def _progress_maps(enrolment_ids, lesson_ids):
    """Progress rows and passed checks of several enrolments (two queries)."""
    progress = {
        (p.enrolment_id, p.lesson_id): p
        for p in LessonProgress.objects.filter(enrolment_id__in=enrolment_ids, lesson_id__in=lesson_ids)
    }
    passed: dict[tuple[int, int], set[str]] = {}
    for enrolment_id, lesson_id, check_id in (
        KnowledgeCheckAttempt.objects.passed()
        .filter(enrolment_id__in=enrolment_ids, lesson_id__in=lesson_ids)
        .values_list("enrolment_id", "lesson_id", "check_id")
        .order_by()  # the model's ordering would join the DISTINCT and defeat it
        .distinct()
    ):
        passed.setdefault((enrolment_id, lesson_id), set()).add(check_id)
    return progress, passed


def _filled(curriculum: Curriculum, enrolment_id: int, progress, passed) -> Curriculum:
    """A copy of the tree carrying one enrolment's progress (no queries)."""
    courses = []
    for course in curriculum.courses:
        copy = CourseNode(course.page)
        for node in course.lessons:
            key = (enrolment_id, node.page.pk)
            copy.lessons.append(
                LessonNode(node.page, node.codes, copy, progress.get(key), passed.get(key, set()))
            )
        courses.append(copy)
    return Curriculum(curriculum.program_page, courses, curriculum.stamp)


def attach_progress(curriculum: Curriculum, enrolment: Enrolment | None) -> Curriculum:
    """The tree with one enrolment's progress and passed checks (two queries)."""
    if enrolment is None:
        return curriculum
    progress, passed = _progress_maps([enrolment.pk], [n.page.pk for n in curriculum.lessons])
    return _filled(curriculum, enrolment.pk, progress, passed)


def active_enrolment(*, user, program_id: int | None) -> Enrolment | None:
    """The user's active enrolment in the program, if they are a trainee of it."""
    if not user.is_authenticated or program_id is None:
        return None
    return (
        Enrolment.objects.active()
        .filter(trainee=user, cohort__program_id=program_id)
        .order_by("-enrolled_on", "-pk")
        .first()
    )


def course_view(*, course, enrolment: Enrolment | None) -> dict:
    """Everything the course page shows; ``enrolment`` is the reader's active one in
    the program (None: not a trainee of it)."""
    program_page = course.program_page
    if program_page is None:  # previewing a course not yet in the tree
        return {"enrolment": None, "course_node": CourseNode(course), "curriculum": None}
    curriculum = attach_progress(curriculum_tree(program_page=program_page), enrolment)
    node = next((c for c in curriculum.courses if c.page.pk == course.pk), None)
    return {"enrolment": enrolment, "course_node": node, "curriculum": curriculum}


def lesson_progress(*, curriculum: Curriculum, enrolment: Enrolment) -> dict[int, LessonProgress]:
    """The trainee's progress rows in the curriculum's lessons, by lesson id (1 query)."""
    return {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(
            enrolment=enrolment, lesson_id__in=[n.page.pk for n in curriculum.lessons]
        )
    }


def lesson_view(
    *, lesson, enrolment: Enrolment | None, curriculum: Curriculum | None = None,
    progress: dict[int, LessonProgress] | None = None,
) -> dict:
    """Everything the lesson page shows (``enrolment``: the reader's active one in the
    program, None when not a trainee). It only reads: the page recording the visit
    (courses.wagtail_hooks) reads ``curriculum`` and ``progress`` first, records the
    visit through ``services.lesson_viewed`` and passes both in.

    Fixed queries for a trainee: their progress in the program's lessons (1, unless
    given), this lesson's check attempts (1, when it has checks) and reflections (1,
    when it has prompts). The page shows checks passed for this lesson alone, so they
    come from its attempts.
    """
    program_page = lesson.program_page
    if program_page is None:  # previewing a lesson not yet in the tree
        return {"enrolment": None, "curriculum": None, "node": None, "course_node": None,
                "previous_lesson": None, "next_lesson": None, "check_state": {}, "reflections": {}}
    if curriculum is None:
        curriculum = curriculum_tree(program_page=program_page)
    checks, reflections = {}, {}
    if enrolment is not None:
        if progress is None:
            progress = lesson_progress(curriculum=curriculum, enrolment=enrolment)
        attempts: dict[str, list[KnowledgeCheckAttempt]] = {}
        if lesson.check_ids:
            for attempt in KnowledgeCheckAttempt.objects.filter(enrolment=enrolment, lesson_id=lesson.pk):
                attempts.setdefault(attempt.check_id, []).append(attempt)
        specs = lesson.knowledge_checks()
        # Granted attempts matter only once a check's own are used up: read (1 query)
        # only then.
        granted: dict[str, int] = {}
        if any(spec.max_attempts and len(attempts.get(check_id, [])) >= spec.max_attempts
               for check_id, spec in specs.items()):
            for check_id, extra in (
                KnowledgeCheckGrant.objects.filter(enrolment=enrolment, lesson_id=lesson.pk)
                .values_list("check_id", "attempts")
            ):
                granted[check_id] = granted.get(check_id, 0) + extra
        for check_id, spec in specs.items():
            mine = attempts.get(check_id, [])
            allowed = spec.max_attempts + granted.get(check_id, 0) if spec.max_attempts else None
            checks[check_id] = {
                "attempts": mine,
                "last": mine[-1] if mine else None,
                "passed": any(a.passed for a in mine),
                "allowed": allowed,
                "attempts_left": None if allowed is None else max(allowed - len(mine), 0),
                "pass_mark": spec.pass_mark,
                "token": check_token(enrolment_id=enrolment.pk, lesson_id=lesson.pk, check_id=check_id),
            }
        if lesson.reflection_prompts():
            reflections = {
                r.prompt_id: r for r in Reflection.objects.filter(enrolment=enrolment, lesson_id=lesson.pk)
            }
        passed = {check_id for check_id, state in checks.items() if state["passed"]}
        curriculum = _filled(
            curriculum, enrolment.pk,
            {(enrolment.pk, lesson_id): p for lesson_id, p in progress.items()},
            {(enrolment.pk, lesson.pk): passed},
        )
    nodes = curriculum.lessons
    index = next((i for i, n in enumerate(nodes) if n.page.pk == lesson.pk), None)
    node = nodes[index] if index is not None else None
    return {
        "enrolment": enrolment,
        "curriculum": curriculum,
        "node": node,
        "course_node": node.course if node else None,
        "previous_lesson": nodes[index - 1] if index else None,
        "next_lesson": nodes[index + 1] if index is not None and index + 1 < len(nodes) else None,
        "check_state": checks,
        "reflections": reflections,
    }


def program_progress(*, trainee, enrolments: list[Enrolment] | None = None) -> list[dict]:
    """For the trainee home: each active enrolment's curriculum with progress.

    ``enrolments``: the trainee's enrolments when the caller has read them already
    (with their cohorts), else they are read here. Fixed queries: enrolments (1, unless
    given), program pages (1), each distinct program's tree (3, unless cached; a
    trainee is in one or two programs), progress and passed checks of all (2).
    """
    if enrolments is None:
        enrolments = Enrolment.objects.for_trainee(trainee).select_related("cohort")
    enrolments = [e for e in enrolments
                  if e.trainee_id == trainee.pk and e.status == Enrolment.Status.ACTIVE]
    if not enrolments:
        return []
    trees = {
        page.program_id: curriculum_tree(program_page=page)
        for page in ProgramPage.objects.live().filter(
            program_id__in={e.cohort.program_id for e in enrolments}
        )
    }
    lesson_ids = [n.page.pk for tree in trees.values() for n in tree.lessons]
    progress, passed = _progress_maps([e.pk for e in enrolments], lesson_ids)
    return [
        {"enrolment": e, "curriculum": _filled(trees[e.cohort.program_id], e.pk, progress, passed)}
        for e in enrolments
        if e.cohort.program_id in trees
    ]


def application_state(*, user, program) -> dict:
    """What the Apply action should say to this user on the program page."""
    if not user.is_authenticated:
        return {"can_apply": False, "reason": "sign_in"}
    if Enrolment.objects.filter(trainee=user, cohort__program=program).exclude(
        status=Enrolment.Status.WITHDRAWN
    ).exists():
        return {"can_apply": False, "reason": "enrolled"}
    pending = Application.objects.filter(applicant=user, program=program, status="pending").first()
    if pending:
        return {"can_apply": False, "reason": "pending", "application": pending}
    open_cohorts = program.cohorts.filter(open_for_applications=True).exists()
    return {"can_apply": open_cohorts, "reason": "" if open_cohorts else "closed"}


def checks_out_of_attempts(*, enrolment: Enrolment) -> list[dict]:
    """The knowledge checks this trainee has used every attempt at without passing, for
    the page where a trainer or admin grants another (three queries)."""
    tries: dict[tuple[int, str], int] = {}
    passed: set[tuple[int, str]] = set()
    for lesson_id, check_id, was_passed in (
        KnowledgeCheckAttempt.objects.filter(enrolment=enrolment).order_by()
        .values_list("lesson_id", "check_id", "passed")
    ):
        tries[(lesson_id, check_id)] = tries.get((lesson_id, check_id), 0) + 1
        if was_passed:
            passed.add((lesson_id, check_id))
    granted: dict[tuple[int, str], int] = {}
    for lesson_id, check_id, extra in (
        KnowledgeCheckGrant.objects.filter(enrolment=enrolment).values_list("lesson_id", "check_id", "attempts")
    ):
        granted[(lesson_id, check_id)] = granted.get((lesson_id, check_id), 0) + extra
    lessons = LessonPage.objects.filter(pk__in={lesson_id for lesson_id, _ in tries}).order_by("path")
    rows = []
    for lesson in lessons:
        for check_id, spec in lesson.knowledge_checks().items():
            key = (lesson.pk, check_id)
            if not spec.max_attempts or key in passed or key not in tries:
                continue
            allowed = spec.max_attempts + granted.get(key, 0)
            if tries[key] >= allowed:
                rows.append({"lesson": lesson, "check": spec, "used": tries[key]})
    return rows
