"""Curriculum data for tests and benchmarks, in the loader's own format."""

from wagtail.models import Page, Site

from cms.models import HomePage


def check(pass_mark=50, max_attempts=0):
    """Two questions: the first has one right answer (choice 0), the second two (0 and 2)."""
    return {
        "type": "knowledge_check",
        "value": {
            "title": "Check your understanding",
            "pass_mark": pass_mark,
            "max_attempts": max_attempts,
            "questions": [
                {"text": "Which schedule is ketamine in under US federal law?", "choices": [
                    {"text": "Schedule III", "correct": True, "explanation": "Since 1999."},
                    {"text": "Schedule I", "correct": False, "explanation": "No accepted use."},
                    {"text": "Unscheduled", "correct": False, "explanation": "It is controlled."},
                ]},
                {"text": "Which belong in informed consent?", "choices": [
                    {"text": "Known risks", "correct": True, "explanation": "Always disclosed."},
                    {"text": "A promised outcome", "correct": False, "explanation": "Never promised."},
                    {"text": "Alternatives", "correct": True, "explanation": "Always discussed."},
                ]},
            ],
        },
    }


def curriculum_data(courses=2, lessons=3, codes=("K1", "K2", "K3"), checks=True, slug="program"):
    """A program page with ``courses`` × ``lessons`` lessons; every lesson but the last in
    each course has a knowledge check; lesson i serves codes[i % len(codes)]."""
    return {
        "program_page": {
            "title": "Certificate program", "slug": slug,
            "intro": "<p>Overview.</p>", "who_it_is_for": "<p>Licensed clinicians.</p>",
            "structure": "<p>Courses and consultation.</p>",
            "admission_requirements": "<ul><li>An active license.</li></ul>",
            "scope_statement": "<p>Confers no license.</p>",
        },
        "courses": [
            {
                "title": f"Course {c + 1}", "slug": f"course-{c + 1}", "summary": "What it covers.",
                "lessons": [
                    {
                        "title": f"Lesson {c + 1}.{i + 1}", "slug": f"lesson-{i + 1}",
                        "estimated_minutes": 15, "outcomes": [codes[i % len(codes)]],
                        "body": [
                            {"type": "heading", "value": {"text": "Why it matters", "level": "h2"}},
                            {"type": "paragraph", "value": f"<p>Teaching text {c}.{i}.</p>"},
                            {"type": "reflection", "value": {"prompt": "What did you notice?"}},
                        ] + ([check()] if checks and i < lessons - 1 else []),
                    }
                    for i in range(lessons)
                ],
            }
            for c in range(courses)
        ],
    }


def home_page() -> HomePage:
    """The site's home page, made the default site's root (as the demo does)."""
    home = HomePage.objects.first()
    if home is None:
        home = HomePage(title="Kapstone", slug="kapstone-home")
        Page.get_first_root_node().add_child(instance=home)
        site = Site.objects.get(is_default_site=True)
        site.root_page = home
        site.save()
    return home
