"""One whole program journey driven through the views, with hostile or private text
typed into every field a person fills in.

Used by the escaping test (script in every stored text) and the privacy test (a marker
in every consultation note and reflection).
"""

import datetime
from dataclasses import dataclass, field

from django.core import mail
from django.utils import timezone

from pdf_reading import pdf_text  # tests/

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(2)>'
PAYLOAD = SCRIPT + BREAKOUT


@dataclass
class Journey:
    texts: dict[str, str]  # what was typed where
    downloads: dict[str, bytes] = field(default_factory=dict)  # CSV and PDF exports

    def pdf_text(self, name: str) -> str:
        return pdf_text(self.downloads[name])


def _ok(response, what: str):
    assert response.status_code in (200, 302), f"{what}: {response.status_code}"
    return response


def run_journey(world, client, capture, *, notes: str, reflection: str, text: str) -> Journey:
    """Trainee A logs a session (``notes`` private, ``text`` in the case reference), writes
    a lesson reflection (``reflection``), adds evidence and asks for review; trainer A
    disputes, the trainee corrects, the trainer confirms and signs off; the admin issues,
    exports and revokes. ``text`` goes into every other free-text field."""
    from certificates.models import Certificate
    from cms.models import LessonPage
    from consultation.models import ConsultationSession, HoursExport

    a = world.enrolment_a
    texts = {}
    # People and cohorts are named by admins and by the people themselves.
    world.trainee_a.full_name = "Ada " + text
    world.trainee_a.save()
    world.cohort.name = "Cohort " + text
    world.cohort.save()
    texts["trainee name"] = world.trainee_a.full_name

    client.force_login(world.trainee_a)
    lesson = next(p for p in LessonPage.objects.live().specific() if p.reflection_prompts())
    prompt_id = next(iter(lesson.reflection_prompts()))
    _ok(client.post(f"/learn/lessons/{lesson.pk}/reflections/{prompt_id}/", {"text": reflection}), "reflection")
    session_fields = {
        "trainer": world.trainer_a.pk, "date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "minutes": 45, "category": "E2", "format": "individual", "modality": "video",
        "case_reference": text[:120], "notes": notes, "share_notes_with_trainer": "on",
        "confirm_no_identifiers": "on",
    }
    _ok(client.post("/trainee/hours/", session_fields), "log session")
    session = ConsultationSession.objects.filter(enrolment=a).latest("pk")
    assert session.notes == notes, "the session was not logged"
    _ok(client.post(f"/trainee/outcomes/{a.pk}/C2/", {
        "action": "evidence", "kind": "written", "title": text[:200], "text": text,
    }), "evidence")
    _ok(client.post(f"/trainee/outcomes/{a.pk}/C2/", {"action": "request", "message": text}), "review request")

    client.force_login(world.trainer_a)
    _ok(client.get(f"/hours/{session.pk}/"), "trainer reads the entry")
    _ok(client.post(f"/trainer/hours/{session.pk}/dispute/",
                    {"comment": text, "revision": session.revision}), "dispute")
    session.refresh_from_db()
    client.force_login(world.trainee_a)
    _ok(client.post(f"/hours/{session.pk}/", {**session_fields, "notes": notes + " (corrected)",
                                               "minutes": 50, "revision": session.revision}), "correct")
    session.refresh_from_db()
    assert session.minutes == 50, "the correction was not saved"
    client.force_login(world.trainer_a)
    _ok(client.post(f"/trainer/hours/{session.pk}/confirm/", {"revision": session.revision}), "confirm")
    _ok(client.post(f"/trainer/records/{a.pk}/C2/decide/", {"decision": "met", "comment": text}), "sign-off")

    client.force_login(world.trainee_a)
    with capture(execute=True):
        _ok(client.post("/trainee/hours/export.pdf"), "hours export")
    export = HoursExport.objects.filter(enrolment=a, completed_at__isnull=False).latest("pk")
    journey = Journey(texts=texts)
    journey.downloads["hours.pdf"] = b"".join(client.get(f"/trainee/hours/exports/{export.pk}/").streaming_content)
    journey.downloads["hours.csv"] = client.get("/trainee/hours/export.csv").content

    client.force_login(world.admin)
    with capture(execute=True):
        _ok(client.post(f"/manage/cohorts/{world.cohort.pk}/issue/",
                        {"step": "confirm", "confirm": "on", "enrolment": a.pk}), "issue")
    certificate = Certificate.objects.get(enrolment=a)
    journey.downloads["cohort-hours.csv"] = client.get(f"/manage/cohorts/{world.cohort.pk}/hours.csv").content
    journey.downloads["matrix.csv"] = client.get(f"/manage/cohorts/{world.cohort.pk}/?format=csv").content
    client.force_login(world.trainee_a)
    response = client.get(f"/certificates/{certificate.pk}/pdf/")
    journey.downloads["certificate.pdf"] = b"".join(response.streaming_content) if response.streaming else response.content
    journey.downloads["credential.json"] = client.get(f"/certificates/{certificate.pk}/credential/").content
    client.force_login(world.admin)
    with capture(execute=True):
        _ok(client.post(f"/manage/certificates/{certificate.pk}/revoke/", {"reason": text, "confirm": "on"}),
            "revoke")
    certificate.refresh_from_db()
    assert certificate.status == "revoked", "the revocation was not saved"
    journey.certificate, journey.session = certificate, session
    journey.mails = list(mail.outbox)
    return journey
