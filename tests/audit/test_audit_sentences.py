"""The audit trail reads as sentences with people's names; the raw record is a click away."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.sentences import SENTENCES, attach_sentences, sentence_for
from audit.services import audit_record
from competencies import services as records
from consultation import services as hours
from courses import services as people
from factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def named(world, curriculum):
    for user, name in [(world.trainer_a, "Dr. Maya Okafor"), (world.trainee_a, "Jordan Ellis"),
                       (world.admin, "Alex Morgan")]:
        user.full_name = name
        user.save(update_fields=["full_name"])
    return world


def _decide(world, code="C2", decision="met", comment=""):
    records.evidence_add(actor=world.trainee_a, enrolment=world.enrolment_a, outcome_code=code,
                         kind="written", text="A supervised session.")
    records.signoff_decide(trainer=world.trainer_a, enrolment=world.enrolment_a, outcome_code=code,
                           decision=decision, comment=comment, request=None)
    return AuditEvent.objects.filter(verb="signoff.decided").latest("id")


def test_a_sign_off_reads_as_who_signed_off_what_for_whom(named):
    assert sentence_for(_decide(named)) == "Dr. Maya Okafor signed off C2 for Jordan Ellis"
    not_yet = _decide(named, code="C3", decision="not_yet", comment="Add a supervised session.")
    assert sentence_for(not_yet) == "Dr. Maya Okafor marked C3 “not yet” for Jordan Ellis"


@pytest.mark.parametrize("verb, make, expected", [
    ("evidence.added", None, "Jordan Ellis added evidence to C2: Written reflection: Written reflection"),
    ("consultation.logged", None, "Jordan Ellis logged 90 minutes of consultation (E1)"),
    ("consultation.confirmed", None, "Dr. Maya Okafor confirmed 90 minutes of consultation (E1) for Jordan Ellis"),
    ("assignment.created", None, None),
])
def test_other_events_name_people_not_ids(named, verb, make, expected):
    records.evidence_add(actor=named.trainee_a, enrolment=named.enrolment_a, outcome_code="C2",
                         kind="written", text="A supervised session.")
    session = hours.session_log(actor=named.trainee_a, enrolment=named.enrolment_a, trainer=named.trainer_a,
                                date=timezone.localdate(), minutes=90, category="E1")
    hours.session_confirm(trainer=named.trainer_a, session=session, revision=session.revision)
    trainer = UserFactory(full_name="Dr. Luis Ferreira", roles=["Trainer"])
    people.assignment_create(actor=named.admin, trainer=trainer, trainee=named.trainee_a,
                             cohort=named.cohort, role="assessor", starts_on=timezone.localdate())
    event = AuditEvent.objects.filter(verb=verb).latest("id")
    text = sentence_for(event)
    if expected:
        assert text == expected
    else:
        assert text == "Alex Morgan assigned Dr. Luis Ferreira to Jordan Ellis as assessor"
    assert not re.search(rf"\b{named.enrolment_a.pk}\b", text.replace("E1", "").replace("C2", ""))


def test_an_unknown_kind_and_a_gone_account_still_read_as_a_sentence(named):
    ghost = UserFactory(full_name="Former Admin")
    event = audit_record(verb="program.archived", actor=ghost, target_repr="Spring programme")
    type(ghost).objects.filter(pk=ghost.pk).delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert sentence_for(event) == f"{ghost.email}: program archived — Spring programme"
    system = audit_record(verb="job.failed", target_repr="render_certificate_pdf #7")
    assert sentence_for(system) == "The background job render_certificate_pdf #7 failed"


def test_every_kind_of_event_written_in_the_code_has_a_sentence():
    verbs = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "bench" in path.parts:
            continue
        verbs |= set(re.findall(r'verb=f?"([a-z_]+\.[a-z_{}.]+)"', path.read_text()))
    verbs.discard("name_change.{name_request.status}")
    verbs |= {"name_change.approved", "name_change.declined", "role.granted", "role.revoked"}
    assert len(verbs) > 30
    assert sorted(verbs - set(SENTENCES)) == []


def _grow(world, n):
    for _ in range(n):
        trainee = UserFactory(roles=["Trainee"])
        audit_record(verb="role.granted", actor=world.admin, target=trainee, details={"role": "Trainee"})
        _decide(world, code="C1")


@pytest.mark.parametrize("extra", [1, 12])
def test_the_listing_shows_sentences_linked_to_the_raw_record_at_a_fixed_query_count(
    named, client, django_assert_num_queries, extra
):
    _grow(named, extra)
    event = _decide(named)
    client.force_login(named.admin)
    url = reverse("audit_auditevent:index")
    client.get(url)
    # session, user, roles and Wagtail's checks, the page of events with their actors,
    # and one query per kind of target on the page for the people the sentences name
    with django_assert_num_queries(QUERIES):
        page = client.get(url).content.decode()
    inspect = reverse("audit_auditevent:inspect", args=[event.pk])
    assert f'href="{inspect}"' in page
    assert "Dr. Maya Okafor signed off C2 for Jordan Ellis" in page
    assert "Alex Morgan gave" in page and "Target repr" not in page


def test_the_inspect_page_shows_the_sentence_over_the_raw_record(named, client):
    event = _decide(named)
    client.force_login(named.admin)
    page = client.get(reverse("audit_auditevent:inspect", args=[event.pk])).content.decode()
    assert "<strong>Dr. Maya Okafor signed off C2 for Jordan Ellis</strong>" in page
    assert "The record as stored" in page and event.hash in page and "signoff.decided" in page


def test_attach_sentences_reads_a_pages_people_together(named, django_assert_num_queries):
    _decide(named)
    events = list(AuditEvent.objects.select_related("actor"))
    kinds = len({e.target_type for e in events if e.verb in SENTENCES and SENTENCES[e.verb].people})
    with django_assert_num_queries(kinds):
        attach_sentences(events)
    assert all(e.sentence for e in events)


QUERIES = 14
