"""Build a program's pages from a curriculum description (the demo's and the tests').

The description is the JSON in ``cms/data/kap_curriculum.json``: a program page, its
courses and their lessons, with lesson bodies as StreamField blocks.
"""

import json
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .models import CoursePage, HomePage, LessonOutcome, LessonPage, ProgramPage, PublicCollection

BUNDLED_KAP_CURRICULUM = Path(__file__).resolve().parent / "data" / "kap_curriculum.json"

# Block ids are derived from page slugs and positions, so loading the same curriculum
# anywhere gives the same ids (attempts recorded against them stay meaningful).
_NAMESPACE = uuid.UUID("6f1c3c52-8f6e-4c4e-9f43-6c1f5f0f3a21")


def _id(*parts) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def _list_items(values, *path):
    return [{"type": "item", "value": value, "id": _id(*path, i)} for i, value in enumerate(values)]


def lesson_body(blocks: list[dict], *path) -> list[dict]:
    """Turn plain block descriptions into StreamField data with stable ids."""
    body = []
    for position, block in enumerate(blocks):
        kind, value = block["type"], block["value"]
        if kind == "knowledge_check":
            questions = []
            for q, question in enumerate(value["questions"]):
                questions.append(
                    {
                        "text": question["text"],
                        "choices": _list_items(
                            [
                                {
                                    "text": c["text"],
                                    "correct": bool(c["correct"]),
                                    "explanation": c["explanation"],
                                }
                                for c in question["choices"]
                            ],
                            *path, position, q, "choice",
                        ),
                    }
                )
            value = {
                "title": value.get("title", "Check your understanding"),
                "pass_mark": value.get("pass_mark", 75),
                "max_attempts": value.get("max_attempts", 0),
                "questions": _list_items(questions, *path, position, "question"),
            }
        elif kind == "reflection":
            value = {"prompt": value["prompt"], "guidance": value.get("guidance", "")}
        body.append({"type": kind, "value": value, "id": _id(*path, position)})
    return body


@transaction.atomic
def curriculum_load(*, data: dict, program, home: HomePage | None = None) -> ProgramPage:
    """Create the program page and its courses and lessons. Idempotent: if the program
    already has a page, it is returned untouched (editors own the pages after that)."""
    existing = ProgramPage.objects.filter(program=program).first()
    if existing is not None:
        return existing
    home = home or HomePage.objects.first()
    if home is None:
        raise ValueError("Create the home page before loading a curriculum.")
    spec = data["program_page"]
    program_page = ProgramPage(
        title=spec["title"], slug=spec["slug"], program=program,
        intro=spec["intro"], who_it_is_for=spec["who_it_is_for"], structure=spec["structure"],
        admission_requirements=spec["admission_requirements"],
        scope_statement=spec["scope_statement"],
    )
    home.add_child(instance=program_page)
    for course_spec in data["courses"]:
        course_add(program_page=program_page, spec=course_spec)
    return program_page


def course_add(*, program_page: ProgramPage, spec: dict) -> CoursePage:
    """Add one published course with its lessons under a program page."""
    course = CoursePage(title=spec["title"], slug=spec["slug"], summary=spec["summary"])
    program_page.add_child(instance=course)
    for lesson_spec in spec["lessons"]:
        lesson = LessonPage(
            title=lesson_spec["title"],
            slug=lesson_spec["slug"],
            estimated_minutes=lesson_spec.get("estimated_minutes", 20),
            required=lesson_spec.get("required", True),
            body=lesson_body(lesson_spec["body"], program_page.slug, spec["slug"], lesson_spec["slug"]),
        )
        lesson.outcome_links = [
            LessonOutcome(code=code, sort_order=i)
            for i, code in enumerate(lesson_spec.get("outcomes", []))
        ]
        course.add_child(instance=lesson)
    return course


def curriculum_load_bundled(*, program, path: Path = BUNDLED_KAP_CURRICULUM) -> ProgramPage:
    return curriculum_load(data=json.loads(path.read_text(encoding="utf-8")), program=program)


@transaction.atomic
def collection_mark_public(*, actor, collection, reason: str):
    """Make every document in ``collection`` (and inside it) downloadable by anyone."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why anyone may download these documents."})
    if PublicCollection.objects.filter(collection=collection).exists():
        raise ValidationError({"collection": f"“{collection.name}” is already public."})
    marker = PublicCollection.objects.create(collection=collection, reason=reason, marked_by=actor)
    audit_record(verb="collection.made_public", target=collection, actor=actor,
                 details={"collection": collection.name, "reason": reason})
    return marker


@transaction.atomic
def collection_mark_private(*, actor, marker) -> None:
    """Its documents are private again: served to the readers of lessons using them."""
    collection = marker.collection
    marker.delete()
    audit_record(verb="collection.made_private", target=collection, actor=actor,
                 details={"collection": collection.name})
