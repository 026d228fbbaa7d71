"""What the curriculum pages learn from the apps above them, through Wagtail's hooks.

cms is the content layer: its pages hold the curriculum and know nothing of
enrolments, progress or outcome frameworks, which live in apps that import cms (courses,
competencies). Those apps answer the questions below by registering functions with
``wagtail.hooks.register(<name>)`` in their ``wagtail_hooks.py``; the pages ask through
the helpers here. Wagtail collects the hooks once per process, so asking costs no query
of its own.

With nothing registered a page shows its content only: nobody may read a course or
lesson, no reader has an enrolment and no outcome codes are offered.
"""

from wagtail import hooks

# fn(user, program_id) -> bool: may the user read the program's course and lesson pages?
CAN_READ_CURRICULUM = "kapstone_can_read_curriculum"
# fn(user, program_id) -> the reader's active enrolment in the program, or None.
READER_ENROLMENT = "kapstone_reader_enrolment"
# fn(page, request) -> dict: what a program page adds to its context (the outcome
# groups, whether the reader may read the curriculum, their application's state).
PROGRAM_PAGE_CONTEXT = "kapstone_program_page_context"
# fn(page, request, enrolment) -> dict: a course page's progress for its reader.
COURSE_PAGE_CONTEXT = "kapstone_course_page_context"
# fn(page, request, enrolment) -> dict: a lesson page's progress, checks, reflections.
LESSON_PAGE_CONTEXT = "kapstone_lesson_page_context"
# fn() -> [(group label, [(code, label), ...]), ...]: outcome codes an editor may pick.
OUTCOME_CODE_CHOICES = "kapstone_outcome_code_choices"
# fn(program) -> set of codes, or None when the program has no framework: the codes a
# lesson of that program may be linked to.
PROGRAM_OUTCOME_CODES = "kapstone_program_outcome_codes"


def can_read_curriculum(user, program_id: int | None) -> bool:
    """True when some registered rule lets the user read the program's curriculum."""
    return any(fn(user, program_id) for fn in hooks.get_hooks(CAN_READ_CURRICULUM))


def reader_enrolment(user, program_id: int | None):
    """The first enrolment a registered hook finds for the reader (None: not a trainee)."""
    for fn in hooks.get_hooks(READER_ENROLMENT):
        enrolment = fn(user, program_id)
        if enrolment is not None:
            return enrolment
    return None


def page_context(name: str, *args) -> dict:
    """The context every hook registered under ``name`` adds, merged in order."""
    context: dict = {}
    for fn in hooks.get_hooks(name):
        context.update(fn(*args))
    return context


def outcome_code_choices() -> list:
    return [group for fn in hooks.get_hooks(OUTCOME_CODE_CHOICES) for group in fn()]


def program_outcome_codes(program) -> set[str] | None:
    """Codes a lesson of ``program`` may serve; None: nothing to check against."""
    allowed = None
    for fn in hooks.get_hooks(PROGRAM_OUTCOME_CODES):
        codes = fn(program)
        if codes is not None:
            allowed = (allowed or set()) | set(codes)
    return allowed
