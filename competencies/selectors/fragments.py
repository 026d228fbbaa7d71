"""Keys of the competency pages' cached fragments (``core.fragments``): each names
everything its fragment shows, so a change to any of it makes a new key."""

from cms.models import ProgramPage
from core.fragments import FRAMEWORKS, PEOPLE, fragment_key, generation, template_sources
from courses.models import Enrolment
from courses.selectors.learning import curriculum_stamp

from ..models import Outcome

MY_OUTCOMES_TEMPLATES = ("competencies/my_outcomes.html", "competencies/_record.html",
                         "competencies/_status.html")


def trainee_outcome_enrolments(user) -> list[Enrolment]:
    """The trainee's active enrolments with what a key and the page's headings read."""
    return list(
        Enrolment.objects.for_trainee(user).active()
        .select_related("cohort__program", "framework_version__framework").order_by("pk")
    )


def my_outcomes_key(enrolments: list[Enrolment]) -> str:
    """My outcomes' records, keyed by each enrolment's records version (raised with every
    sign-off, request, evidence item, hours entry, lesson and check), its framework
    version and program (name and sign-off rules), the curriculum's stamp (which
    lessons serve each outcome), the outcomes' wording as it is now (a published
    version's should never change, but the page shows what is stored), and the
    generations of people's names (the trainers on decisions) and of the frameworks' and
    versions' names. Queries: program pages (1), outcomes (1)."""
    stamps = {
        page.program_id: curriculum_stamp(program_page=page)
        for page in ProgramPage.objects.live().filter(
            program_id__in={e.cohort.program_id for e in enrolments}
        )
    } if enrolments else {}
    outcomes = list(
        Outcome.objects.filter(version_id__in={e.framework_version_id for e in enrolments})
        .order_by("version_id", "position")
        .values_list("version_id", "code", "statement", "category", "evidence_rule", "hours_required")
    ) if enrolments else []
    return fragment_key(
        "my_outcomes", template_sources(*MY_OUTCOMES_TEMPLATES),
        generation(PEOPLE), generation(FRAMEWORKS),
        [(e.pk, e.records_version, e.framework_version_id, e.cohort.program_id,
          e.cohort.program.name, e.cohort.program.knowledge_signoffs,
          e.cohort.program.competency_signoffs, stamps.get(e.cohort.program_id))
         for e in enrolments],
        outcomes,
    )
