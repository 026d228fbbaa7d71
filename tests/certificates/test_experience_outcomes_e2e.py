"""A framework whose experience outcomes are not E1/E2: X1–X3, with their own hours and
kinds, imported from a CASE package, drive the whole journey — the hours form, its
refusals, My hours, My outcomes, eligibility, the cohort matrix (page and CSV), the hours
summary, the certificate and its PDF."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificates
from certificates.eligibility import eligibility
from competencies import services as records
from competencies.interchange import case_package_export, case_package_import
from consultation import services as hours
from consultation.models import ConsultationKind, ConsultationSession
from courses.services import enrolment_verify_license
from framework_versions import publish  # tests/
from pdf_reading import pdf_text  # tests/

pytestmark = pytest.mark.django_db

URI = "https://frameworks.example.org/supervision"
# code, type, statement, notes (hours and kind for experience outcomes)
ITEMS = [
    ("C1", "Competency", "Conducts a supervised assessment.", ""),
    ("X1", "Experience", "Consultation on sessions the trainee led.",
     "Kapstone consultation hours required: 2.\nKapstone consultation kind: cases."),
    ("X2", "Experience", "Consultation on the trainee's own practice journey.",
     "Kapstone consultation hours required: 1.\nKapstone consultation kind: own_experience."),
    ("X3", "Experience", "Consultation on group sessions the trainee co-led.",
     "Kapstone consultation hours required: 1.5.\nKapstone consultation kind: cases."),
]


def _package() -> dict:
    document = {"identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, URI)), "uri": URI,
                "title": "Supervision outcomes", "creator": "Elsewhere",
                "lastChangeDateTime": "2026-11-01T00:00:00+00:00"}
    items = [{"identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{URI}/{code}")), "uri": f"{URI}/{code}",
              "humanCodingScheme": code, "CFItemType": item_type, "fullStatement": statement,
              "notes": notes, "lastChangeDateTime": document["lastChangeDateTime"]}
             for code, item_type, statement, notes in ITEMS]
    return {"CFDocument": document, "CFItems": items, "CFAssociations": [
        {"identifier": str(uuid.uuid4()), "uri": f"{URI}/associations/{n}", "associationType": "isChildOf",
         "sequenceNumber": n + 1, "lastChangeDateTime": document["lastChangeDateTime"],
         "originNodeURI": {"title": i["humanCodingScheme"], "identifier": i["identifier"], "uri": i["uri"]},
         "destinationNodeURI": {"title": document["title"], "identifier": document["identifier"], "uri": URI}}
        for n, i in enumerate(items)
    ]}


@pytest.fixture
def x_world(world):
    """Trainee A's program on the imported X framework, the enrolment pinned to it."""
    report = case_package_import(raw=_package(), actor=world.admin, source_name="supervision.json")
    version = publish(report.version)  # tests/framework_versions: no publishing screen yet
    program = world.cohort.program
    program.framework = version.framework
    program.save()
    for enrolment in (world.enrolment_a, world.enrolment_b):
        enrolment.framework_version = version
        enrolment.save()
    return world


def _log_and_confirm(world, client, code, minutes, days_ago):
    client.force_login(world.trainee_a)
    response = client.post(reverse("consultation:my_hours"), {
        "trainer": world.trainer_a.pk, "date": (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat(),
        "minutes": minutes, "category": code, "format": "individual", "modality": "video",
    })
    assert response.status_code == 302, response.content.decode()
    session = ConsultationSession.objects.get(category=code, date=timezone.localdate() - datetime.timedelta(days=days_ago))
    hours.session_confirm(trainer=world.trainer_a, session=session, revision=session.revision)
    return session


def test_the_import_carries_hours_and_kinds_and_the_export_gives_them_back(x_world):
    version = x_world.enrolment_a.framework_version
    outcomes = {o.code: (str(o.hours_required), o.consultation_kind) for o in version.outcomes.all()}
    assert outcomes == {"C1": ("None", ""), "X1": ("2.0", "cases"), "X2": ("1.0", "own_experience"),
                        "X3": ("1.5", "cases")}
    notes = {i["humanCodingScheme"]: i["notes"] for i in case_package_export(version=version)["CFItems"]}
    assert "Kapstone consultation hours required: 1.5." in notes["X3"]
    assert "Kapstone consultation kind: own_experience (About the trainee's own experience)." in notes["X2"]
    assert "consultation" not in notes["C1"]


def test_x1_to_x3_drive_the_whole_journey(x_world, client, django_capture_on_commit_callbacks):
    world = x_world
    a = world.enrolment_a
    enrolment_verify_license(actor=world.admin, enrolment=a)
    records.evidence_add(actor=world.trainee_a, enrolment=a, outcome_code="C1", kind="written",
                         title="Assessment write-up", text="What I did.")
    records.signoff_decide(trainer=world.trainer_a, enrolment=a, outcome_code="C1", decision="met")

    # The form offers the version's experience outcomes, and refuses the old codes.
    client.force_login(world.trainee_a)
    page = client.get(reverse("consultation:my_hours")).content.decode()
    for code in ("X1", "X2", "X3"):
        assert f'value="{code}"' in page
    assert 'value="E1"' not in page and "0:00 of 2:00 hours confirmed" in page
    refused = client.post(reverse("consultation:my_hours"), {
        "trainer": world.trainer_a.pk, "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "minutes": 60, "category": "E1", "format": "individual", "modality": "video",
    }).content.decode()
    assert "Choose one of your framework&#x27;s experience outcomes: X1" in refused
    assert not ConsultationSession.objects.exists()

    # X1 and X3 are about cases (the trainer reads the notes), X2 about own experience.
    x1 = _log_and_confirm(world, client, "X1", 120, 3)
    x2 = _log_and_confirm(world, client, "X2", 60, 4)
    assert (x1.kind, x2.kind) == (ConsultationKind.CASES, ConsultationKind.OWN_EXPERIENCE)
    assert x1.notes_readable_by(world.trainer_a) and not x2.notes_readable_by(world.trainer_a)
    report = eligibility(a)
    assert [r.outcome_code for r in report.missing] == ["X3"]
    assert "1:30 more confirmed consultation hours" in report.missing[0].why
    _log_and_confirm(world, client, "X3", 90, 5)
    assert eligibility(a).eligible

    client.force_login(world.trainee_a)
    mine = client.get(reverse("competencies:my_outcomes")).content.decode()
    assert all(code in mine for code in ("X1", "X2", "X3")) and "E1" not in mine
    my_hours = client.get(reverse("consultation:my_hours")).content.decode()
    assert "2:00 of 2:00 hours confirmed" in my_hours and "1:30 of 1:30 hours confirmed" in my_hours

    client.force_login(world.admin)
    matrix = client.get(reverse("certificates:cohort_matrix", args=[world.cohort.pk])).content.decode()
    assert re.findall(r'<th scope="col" class="num"><abbr title="\w+ hours confirmed">(\w+) h</abbr></th>', matrix) == ["X1", "X2", "X3"]
    assert re.findall(r"<abbr title=\"[^\"]*\">(\w+)</abbr>", matrix) == ["C1", "X1", "X2", "X3"]
    assert 'value="%d"' % a.pk in matrix  # selectable: eligible, no certificate yet
    matrix_csv = client.get(reverse("certificates:cohort_matrix", args=[world.cohort.pk]), {"format": "csv"})
    header, row_a = matrix_csv.content.decode().splitlines()[:2]
    assert "X1 hours confirmed,X2 hours confirmed,X3 hours confirmed" in header
    summary = client.get(reverse("consultation:cohort_summary_csv", args=[world.cohort.pk])).content.decode()
    assert summary.splitlines()[0] == (
        "trainee,email,status,X1 confirmed hours,X1 pending hours,X1 required,X2 confirmed hours,"
        "X2 pending hours,X2 required,X3 confirmed hours,X3 pending hours,X3 required"
    )

    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = certificates.certificate_issue(actor=world.admin, enrolment=a)
    certificate.refresh_from_db()
    assert certificate.is_live
    text = " ".join(pdf_text(certificate.pdf.read()).split())
    for code in ("X1", "X2", "X3"):
        assert f"{code} — " in text
    assert "2:00 h of consultation about cases the trainee conducted (X1)" in text
    assert "1:00 h of consultation about the trainee's own experience (X2)" in text
    assert "1:30 h of consultation about cases the trainee conducted (X3)" in text
