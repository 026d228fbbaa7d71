"""Each enrolment's ``records_version`` goes up with every change to its records.

Standing is never stored: it is computed from the records (``selectors/records.py``).
What is kept is a cache of the computed result (``certificates.eligibility.standing_for``),
under a key naming everything it was computed from — among them this version. The
receivers below raise it in the same transaction as the write, so the moment a change
commits, the old entry can no longer be found; nothing depends on deleting cache entries,
and a lost or unreachable cache only costs recomputation.

Writes that bypass model signals (``QuerySet.update``, ``bulk_create``) call
``records_changed`` themselves.

Rendered fragments (``core.fragments``) also show things no enrolment's version covers:
people's names (a trainer's, on each decision) and the frameworks' wording. Those carry
a generation stamp each (``PEOPLE``, ``FRAMEWORKS``), renewed by the receivers below
whenever such a row is saved or deleted.
"""

from django.contrib.auth import get_user_model
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from competencies.models import (
    EvidenceItem,
    Framework,
    FrameworkVersion,
    Outcome,
    SignOff,
    SignOffRequest,
)
from consultation.models import ConsultationSession
from core.fragments import FRAMEWORKS, PEOPLE, new_generation
from courses.models import Enrolment, KnowledgeCheckAttempt, LessonProgress

# A sign-in saves these alone: nothing a page shows of a person.
_UNSHOWN_USER_FIELDS = frozenset({"last_login", "password"})


def records_changed(enrolment_ids) -> None:
    ids = sorted(set(enrolment_ids))  # one lock order for every writer
    if ids:
        Enrolment.objects.filter(pk__in=ids).update(records_version=F("records_version") + 1)


def _on_record_write(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # loaddata
        return
    records_changed([instance.enrolment_id])


def _on_person_write(sender, instance, **kwargs) -> None:
    fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (fields is not None and set(fields) <= _UNSHOWN_USER_FIELDS):
        return
    new_generation(PEOPLE)


def _on_framework_write(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        new_generation(FRAMEWORKS)


def connect() -> None:
    for model in (SignOff, SignOffRequest, EvidenceItem, ConsultationSession, LessonProgress,
                  KnowledgeCheckAttempt):
        label = model._meta.label_lower
        post_save.connect(_on_record_write, sender=model, dispatch_uid=f"standing:{label}:save")
        post_delete.connect(_on_record_write, sender=model, dispatch_uid=f"standing:{label}:delete")
    user = get_user_model()
    post_save.connect(_on_person_write, sender=user, dispatch_uid="standing:people:save")
    post_delete.connect(_on_person_write, sender=user, dispatch_uid="standing:people:delete")
    for model in (Framework, FrameworkVersion, Outcome):
        label = model._meta.label_lower
        post_save.connect(_on_framework_write, sender=model, dispatch_uid=f"standing:{label}:fw-save")
        post_delete.connect(_on_framework_write, sender=model, dispatch_uid=f"standing:{label}:fw-delete")
