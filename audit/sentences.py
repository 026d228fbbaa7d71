"""The audit trail in plain sentences: "Dr. Maya Okafor signed off C2 for Jordan Ellis".

Each kind of event (its verb) has a sentence here, built only from what the event
stored: who acted, its target (type, id and the text it had), its details, and the
person the target concerns (the trainee of a sign-off, the trainer and trainee of an
assignment), named by the path from the target's model to that person. The audit app
imports no domain app: a target's model is looked up by its stored label through
Django's app registry, and the people of a whole page of events are read together,
one query per kind of target on the page.

Another app adds a sentence with ``register``; a verb without one still reads as a
sentence ("Alex Morgan: program archived — Spring programme").
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError, ObjectDoesNotExist
from django.db.models import CharField, Value
from django.db.models.functions import Coalesce, NullIf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sentence:
    """How one verb reads. ``template`` is a ``str.format`` pattern (or a function of
    the event's words returning one); ``people`` names, for each word it adds, the path
    from the target's model to a user, e.g. ``{"trainee": "enrolment__trainee"}``."""

    template: str | Callable[[dict], str]
    people: dict[str, str] = field(default_factory=dict)


SENTENCES: dict[str, Sentence] = {}


def register(verb: str, template, **people: str) -> None:
    """Give ``verb`` its sentence (replacing any before it)."""
    SENTENCES[verb] = Sentence(template, people)


def _decision(words: dict) -> str:
    if words.get("decision") == "met":
        return "{actor} signed off {outcome} for {trainee}"
    return "{actor} marked {outcome} “not yet” for {trainee}"


def _of_trainee(base: str, tail: str = "") -> Callable[[dict], str]:
    """``base`` with "for <trainee>" when someone else acted for them (a trainee logging
    their own hours reads "Jordan Ellis logged 60 minutes…", not "…for Jordan Ellis")."""
    def template(words: dict) -> str:
        mine = words.get("trainee") in (None, words.get("actor"))
        return base + ("" if mine else " for {trainee}") + tail
    return template


def _role_change(granted: bool):
    return (lambda words: "{actor} gave {target} the {role} role") if granted else (
        lambda words: "{actor} took the {role} role from {target}")


_TRAINEE = {"trainee": "enrolment__trainee"}

for _verb, _template, _people in [
    ("signoff.decided", _decision, _TRAINEE),
    ("signoff.requested", "{trainee} asked for review of {outcome}", _TRAINEE),
    ("evidence.added", _of_trainee("{actor} added evidence to {outcome}", ": {target}"), _TRAINEE),
    ("consultation.logged", _of_trainee("{actor} logged {minutes} minutes of consultation ({category})"),
     _TRAINEE),
    ("consultation.confirmed", "{actor} confirmed {minutes} minutes of consultation ({category}) for {trainee}",
     _TRAINEE),
    ("consultation.disputed", "{actor} disputed a consultation entry of {trainee}: {target}", _TRAINEE),
    ("consultation.withdrawn", _of_trainee("{actor} withdrew a consultation entry", ": {target}"), _TRAINEE),
    ("consultation.resubmitted", _of_trainee("{actor} resubmitted a consultation entry", ": {target}"), _TRAINEE),
    ("consultation.correction_logged", _of_trainee("{actor} logged a correction to a consultation entry"),
     _TRAINEE),
    ("consultation.group_logged",
     "{actor} logged a group consultation of {minutes} minutes ({category}) for {trainees} trainees", {}),
    ("certificate.issued", "{actor} issued certificate {serial} to {trainee}", _TRAINEE),
    ("certificate.revoked", "{actor} revoked certificate {serial} of {trainee}: {reason}", _TRAINEE),
    ("certificate.renewed", "{actor} renewed the certificate of {trainee} as {serial}", _TRAINEE),
    ("certificate.credential_mended", "The credential of certificate {serial} ({trainee}) was mended", _TRAINEE),
    ("certificate.issue_refused", "{actor} was refused issuing a certificate to {trainee}", {"trainee": "trainee"}),
    ("certificate.serial_lost", "Serial {serial} was set aside unused ({trainee}): {reason}", {"trainee": "trainee"}),
    ("enrolment.created", "{actor} enrolled {target}", {}),
    ("enrolment.changed", "{actor} changed the enrolment of {trainee}", {"trainee": "trainee"}),
    ("enrolment.license_verified", "{actor} verified the license of {trainee}", {"trainee": "trainee"}),
    ("enrolment.version_moved", "{actor} moved {trainee} to a newer framework version", {"trainee": "trainee"}),
    ("assignment.created", "{actor} assigned {trainer} to {trainee} as {role}",
     {"trainer": "trainer", "trainee": "trainee"}),
    ("assignment.ended", "{actor} ended the assignment of {trainer} to {trainee}",
     {"trainer": "trainer", "trainee": "trainee"}),
    ("application.submitted", "{actor} applied: {target}", {}),
    ("application.approved", "{actor} approved the application of {applicant}", {"applicant": "applicant"}),
    ("application.declined", "{actor} declined the application of {applicant}", {"applicant": "applicant"}),
    ("program.created", "{actor} created the program {target}", {}),
    ("program.changed", "{actor} changed the program {target}", {}),
    ("cohort.created", "{actor} created the cohort {target}", {}),
    ("cohort.changed", "{actor} changed the cohort {target}", {}),
    ("framework.imported", "{actor} imported the framework {target}", {}),
    ("framework.published", "{actor} published {target}", {}),
    ("role.granted", _role_change(True), {}),
    ("role.revoked", _role_change(False), {}),
    ("person.changed", "{actor} changed the details of {target}", {}),
    ("person.email_changed", "{actor} changed their e-mail address", {}),
    ("name_change.requested", "{actor} asked to change their name", {}),
    ("name_change.approved", "{actor} approved the name change of {target}", {}),
    ("name_change.declined", "{actor} declined the name change of {target}", {}),
    ("login.failure_burst", "Repeated failed sign-ins ({failures}) for {target}", {}),
    ("access.refused", "{actor} was refused {method} {path}", {}),
    ("job.failed", "The background job {target} failed", {}),
    ("job.retried", "{actor} retried the background job {target}", {}),
    ("collection.made_public", "{actor} made the collection {collection} public: {reason}", {}),
    ("collection.made_private", "{actor} made the collection {collection} private", {}),
    ("evidence.updated", _of_trainee("{actor} edited evidence for {outcome}", ": {target}"), _TRAINEE),
    ("evidence.removed", "{actor} removed evidence from {outcome}: {title}", {}),
    ("signoff.request_withdrawn", _of_trainee("{actor} withdrew a review request ({outcome})"), _TRAINEE),
    ("knowledge_check.attempt_granted", "{actor} gave {trainee} another attempt at a knowledge check",
     {"trainee": "trainee"}),
    ("name_change.proposed", "{actor} gave their legal name as {requested_name}", {}),
    ("person.profile_changed", "{actor} changed their profile", {}),
    ("record_export.requested", "{actor} asked for a download of their record", {}),
    ("record_export.built", "A download of a person's record was prepared", {}),
    ("record_export.downloaded", "{actor} downloaded their record", {}),
]:
    register(_verb, _template, **_people)


class _Words(dict):
    """The words a sentence may use; one it cannot fill reads as a dash, not an error."""

    def __missing__(self, key: str) -> str:
        return "—"


def display_name(full_name: str | None, email: str | None) -> str:
    return (full_name or "").strip() or (email or "").strip() or "someone"


def _people_for(events: list) -> dict[tuple[int, str], dict[str, str]]:
    """The named people of each event's target, a query per kind of target."""
    wanted: dict[str, set[str]] = defaultdict(set)
    paths: dict[str, dict[str, str]] = defaultdict(dict)
    for event in events:
        sentence = SENTENCES.get(event.verb)
        if sentence and sentence.people and event.target_type and event.target_id:
            wanted[event.target_type].add(event.target_id)
            paths[event.target_type].update(sentence.people)
    found: dict[tuple[str, str], dict[str, str]] = {}
    for target_type, ids in wanted.items():
        try:
            model = apps.get_model(target_type)
        except (LookupError, ValueError):
            continue
        # Aliased apart from the model's own fields (an assignment has ``trainer`` itself).
        names = {
            f"audit_person_{word}": Coalesce(NullIf(f"{path}__full_name", Value("")), f"{path}__email",
                                             output_field=CharField())
            for word, path in paths[target_type].items()
        }
        try:
            rows = model._base_manager.filter(pk__in=list(ids)).values("pk", **names)
            for row in rows:
                found[(target_type, str(row.pop("pk")))] = {
                    alias.removeprefix("audit_person_"): name for alias, name in row.items() if name
                }
        except (FieldError, FieldDoesNotExist, ValueError):
            # A sentence naming a path its target does not have: the event still reads,
            # with a dash for the name, and the mistake is in the log.
            logger.warning("audit sentences: cannot name the people of %s", target_type, exc_info=True)
            continue
    return {(event.pk, event.verb): found.get((event.target_type, event.target_id), {}) for event in events}


def sentence_for(event, people: dict[str, str] | None = None) -> str:
    """The event in one sentence. ``people`` are the names of its target's people (from
    ``attach_sentences``); without them they are read now, for this one event."""
    if people is None:
        people = _people_for([event])[(event.pk, event.verb)]
    try:
        actor = event.actor if event.actor_id else None
    except ObjectDoesNotExist:  # the account is gone; the e-mail it had is kept
        actor = None
    words = _Words({key: value for key, value in (event.details or {}).items()
                    if isinstance(value, str | int | float)})
    words.update(
        actor=display_name(getattr(actor, "full_name", ""), event.actor_email) if (actor or event.actor_email)
        else "The system",
        target=event.target_repr or "—",
        **people,
    )
    sentence = SENTENCES.get(event.verb)
    if sentence is None:
        return f"{words['actor']}: {event.verb.replace('.', ' ').replace('_', ' ')} — {words['target']}"
    template = sentence.template(words) if callable(sentence.template) else sentence.template
    text = template.format_map(words)
    return text[:1].upper() + text[1:]


def attach_sentences(events: Iterable) -> list:
    """Give each event of a page its ``sentence``, reading the people they name together."""
    events = list(events)
    people = _people_for(events)
    for event in events:
        event.sentence = sentence_for(event, people[(event.pk, event.verb)])
    return events
