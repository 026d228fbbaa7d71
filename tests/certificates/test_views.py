"""Certificate screens: the admin matrix and issue flow, downloads, public verification."""

import csv
import io
import json

import pytest
from django.core import mail
from django.urls import reverse

from certificates import services
from certificates.credentials import status_list
from certificates.models import Certificate
from certificates.permissions import certificates_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(complete, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        certificate, _ = services.certificate_issue(actor=complete.admin, enrolment=complete.enrolment_a)
    mail.outbox.clear()
    complete.certificate = certificate
    return complete


def _matrix_url(world, **query):
    from urllib.parse import urlencode

    url = reverse("certificates:cohort_matrix", args=[world.cohort.pk])
    return f"{url}?{urlencode(query)}" if query else url


def test_matrix_marks_the_eligible_trainee_and_offers_issuing_only_to_them(complete, login):
    page = login(complete.admin).get(_matrix_url(complete)).content.decode()
    assert f'name="enrolment" value="{complete.enrolment_a.pk}"' in page
    assert f'name="enrolment" value="{complete.enrolment_b.pk}"' not in page
    assert "1 shown eligible" in page


@pytest.mark.parametrize("status, shown", [
    ("eligible", {"a"}), ("not_eligible", {"b"}), ("certified", set()), ("", {"a", "b"}),
])
def test_matrix_filters_by_status(complete, login, status, shown):
    page = login(complete.admin).get(_matrix_url(complete, status=status)).content.decode()
    assert ("trainee.a@kapstone.test" in page) == ("a" in shown)
    assert ("trainee.b@kapstone.test" in page) == ("b" in shown)


def test_matrix_filters_by_trainer_and_ignores_a_trainer_from_elsewhere(complete, login):
    client = login(complete.admin)
    page = client.get(_matrix_url(complete, trainer=complete.trainer_a.pk)).content.decode()
    assert "trainee.a@kapstone.test" in page and "trainee.b@kapstone.test" not in page
    page = client.get(_matrix_url(complete, trainer=complete.trainer_unassigned.pk)).content.decode()
    assert "trainee.a@kapstone.test" in page and "trainee.b@kapstone.test" in page


def test_matrix_csv_has_a_row_per_trainee_with_statuses_hours_and_a_formula_safe_name(complete, login):
    complete.trainee_b.full_name = "=HYPERLINK(\"http://evil\")"
    complete.trainee_b.save()
    response = login(complete.admin).get(_matrix_url(complete, format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["email"] for r in rows) == ["trainee.a@kapstone.test", "trainee.b@kapstone.test"]
    by_email = {r["email"]: r for r in rows}
    assert by_email["trainee.a@kapstone.test"]["eligible"] == "yes"
    assert by_email["trainee.a@kapstone.test"]["K1"] == "met"
    assert by_email["trainee.a@kapstone.test"]["E1 hours confirmed"] == "1:00"
    assert by_email["trainee.b@kapstone.test"]["eligible"] == "no"
    assert by_email["trainee.b@kapstone.test"]["trainee"].startswith("'=")


@pytest.mark.parametrize("extra", [0, 6])
def test_matrix_runs_a_fixed_number_of_queries(complete, login, django_assert_num_queries, extra):
    from factories.courses import EnrolmentFactory

    for _ in range(extra):
        EnrolmentFactory(cohort=complete.cohort, framework_version=complete.enrolment_a.framework_version)
    from django.core.cache import cache

    client = login(complete.admin)
    client.get(_matrix_url(complete))  # warm the session and site caches
    # Nobody's records changed since: every trainee's standing comes from the cache.
    with django_assert_num_queries(14):
        response = client.get(_matrix_url(complete))
    assert response.content.decode().count('<th scope="row">') == 2 + extra
    # Cold: the record set form runs once for all of them (the tree and the site are
    # read again too).
    cache.clear()
    with django_assert_num_queries(29):
        response = client.get(_matrix_url(complete))
    assert response.content.decode().count('<th scope="row">') == 2 + extra


def test_issue_flow_shows_each_report_then_issues_only_after_confirming(complete, login, django_capture_on_commit_callbacks):
    client = login(complete.admin)
    url = reverse("certificates:issue", args=[complete.cohort.pk])
    ids = [complete.enrolment_a.pk, complete.enrolment_b.pk]
    page = client.post(url, {"enrolment": ids}).content.decode()
    assert "Not eligible — will not be issued" in page
    assert "K1 — " in page and "Eligible" in page
    assert not Certificate.objects.exists()
    # Without ticking the confirmation, nothing happens.
    page = client.post(url, {"enrolment": ids, "step": "confirm"}).content.decode()
    assert "Tick the box" in page
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"enrolment": ids, "step": "confirm", "confirm": "on"}, follow=True)
    assert "Issuing 1 certificate" in response.content.decode()
    assert "1 not eligible, not issued" in response.content.decode()
    certificate = Certificate.objects.get()
    assert certificate.enrolment == complete.enrolment_a
    assert [m.to for m in mail.outbox] == [[complete.trainee_a.email]]


def test_a_double_submitted_confirmation_still_gives_one_certificate(complete, login, django_capture_on_commit_callbacks):
    client = login(complete.admin)
    url = reverse("certificates:issue", args=[complete.cohort.pk])
    data = {"enrolment": [complete.enrolment_a.pk], "step": "confirm", "confirm": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, data)
    assert Certificate.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_enrolment_from_another_cohort_cannot_be_slipped_into_the_issue_form(complete, login):
    from factories.courses import CohortFactory, EnrolmentFactory

    other = EnrolmentFactory(cohort=CohortFactory(program=complete.cohort.program))
    page = login(complete.admin).post(
        reverse("certificates:issue", args=[complete.cohort.pk]), {"enrolment": [other.pk]}
    ).content.decode()
    assert str(other.trainee) not in page


def test_trainee_sees_and_downloads_their_certificate_pdf_and_credential(issued, login):
    client = login(issued.trainee_a)
    page = client.get(reverse("certificates:mine")).content.decode()
    assert issued.certificate.serial in page
    pdf = client.get(reverse("certificates:pdf", args=[issued.certificate.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    credential = client.get(reverse("certificates:credential", args=[issued.certificate.pk]))
    assert json.loads(credential.content)["proof"][0]["type"] == "DataIntegrityProof"
    assert credential["Cache-Control"] == "private, no-store"


def test_a_missing_pdf_is_rendered_again_on_download(issued, login):
    certificate = Certificate.objects.get()
    certificate.pdf.storage.delete(certificate.pdf.name)
    response = login(issued.trainee_a).get(reverse("certificates:pdf", args=[certificate.pk]))
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("who", ["trainee_b", "trainer_a", "trainer_unassigned", "editor"])
def test_nobody_else_downloads_a_trainees_certificate(issued, login, who):
    client = login(getattr(issued, who))
    for name in ("certificates:pdf", "certificates:credential"):
        assert client.get(reverse(name, args=[issued.certificate.pk])).status_code in (403, 404)


def test_public_verification_page_says_valid_then_revoked(issued, client):
    url = reverse("certificates:verify", args=[issued.certificate.verification_code])
    page = client.get(url).content.decode()
    assert "Valid." in page and issued.trainee_a.full_name in page and issued.certificate.serial in page
    services.certificate_revoke(actor=issued.admin, certificate=issued.certificate, reason="Withdrawn.")
    page = client.get(url).content.decode()
    assert "Revoked" in page and "Valid." not in page
    # The reason is for the trainee, not the public.
    assert "Withdrawn." not in page


def test_an_unknown_code_is_not_found_and_lookups_are_rate_limited(db, client, settings):
    response = client.get(reverse("certificates:verify", args=["0" * 32]))
    assert response.status_code == 404 and "Not found." in response.content.decode()
    statuses = [client.get(reverse("certificates:verify", args=[f"{i:032d}"])).status_code for i in range(40)]
    assert statuses.count(429) >= 10
    assert "Too many checks" in client.get(reverse("certificates:verify", args=["x"])).content.decode()


def test_did_document_serves_the_issuer_key(db, client):
    document = client.get("/.well-known/did.json").json()
    assert document["id"] == "did:web:testserver"
    method = document["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["controller"] == "did:web:testserver"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    assert document["assertionMethod"] == [method["id"]]


def test_status_list_is_signed_and_served_with_the_revoked_bit(issued, client, settings):
    services.certificate_revoke(actor=issued.admin, certificate=issued.certificate, reason="Error.")
    url = reverse("certificates:status_list", args=[issued.certificate.status_list_id])
    served = client.get(url).json()
    assert served["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    bits = status_list.decode(served["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= 131072
    assert status_list.bit_is_set(bits, issued.certificate.status_index)
    assert issued.certificate.credential["credentialStatus"]["statusListCredential"] == settings.SITE_URL + url


def test_achievement_definition_is_public_and_stable(issued, client):
    achievement = issued.certificate.credential["credentialSubject"]["achievement"]
    from django.conf import settings

    served = client.get(achievement["id"].replace(settings.SITE_URL, "")).json()
    assert served["id"] == achievement["id"]
    assert [a["targetCode"] for a in served["alignment"]] == [a["targetCode"] for a in achievement["alignment"]]


def test_verify_form_checks_a_pasted_credential_and_explains_each_check(issued, client):
    url = reverse("certificates:verify_file")
    text = json.dumps(issued.certificate.credential)
    page = client.post(url, {"credential_text": text}).content.decode()
    assert "The credential checks out" in page
    tampered = json.loads(text)
    tampered["credentialSubject"]["achievement"]["name"] = "Doctor of Medicine"
    page = client.post(url, {"credential_text": json.dumps(tampered)}).content.decode()
    assert "did not pass every check" in page
    services.certificate_revoke(actor=issued.admin, certificate=issued.certificate, reason="Error.")
    page = client.post(url, {"credential_text": text}).content.decode()
    assert "revoked" in page.lower() and "The credential checks out" not in page


@pytest.mark.parametrize("text, message", [
    ("", "Paste a credential"),
    ("{not json", "not valid JSON"),
    ("[1, 2]", "JSON object"),
])
def test_verify_form_explains_bad_input(db, client, text, message):
    response = client.post(reverse("certificates:verify_file"), {"credential_text": text})
    assert response.status_code == 400 and message in response.content.decode()


def test_admin_revokes_with_a_reason_through_the_page_and_can_reissue(issued, login, django_capture_on_commit_callbacks):
    client = login(issued.admin)
    detail = reverse("certificates:detail", args=[issued.certificate.pk])
    revoke = reverse("certificates:revoke", args=[issued.certificate.pk])
    # The certificate's page only leads to the revoke page; nothing there revokes.
    page = client.get(detail).content.decode()
    assert f'<a class="btn btn-outline-danger" href="{revoke}">Revoke this certificate…</a>' in page
    assert f'action="{revoke}"' not in page
    response = client.post(revoke, {"reason": "", "confirm": "on"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Certificate.objects.live().count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(revoke, {"reason": "License suspended by the board.", "confirm": "on"},
                               follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert "revoked" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:reissue", args=[issued.certificate.pk]), follow=True)
    new = Certificate.objects.live().get()
    assert new.pk != issued.certificate.pk and f"Certificate {new.serial} issued." in response.content.decode()


def test_trainee_without_a_certificate_is_shown_what_is_left(world, login):
    page = login(world.trainee_a).get(reverse("certificates:mine")).content.decode()
    assert "You have no certificate yet" in page
    assert reverse("competencies:my_outcomes") in page
    assert reverse("certificates:mine") in page  # in the trainee's navigation


def test_matrix_cells_tell_screen_readers_each_status_in_words(complete, login):
    import re

    page = login(complete.admin).get(_matrix_url(complete)).content.decode()
    cells = re.findall(r'<td class="status-[a-z_]+"[^>]*>.*?<span class="visually-hidden">([^<]*)</span></td>', page)
    assert len(cells) == 2 * 23  # both trainees, every outcome
    assert set(cells) <= {"Met", "Awaiting review", "In progress", "Not started"}
    assert cells[:23] == ["Met"] * 23 or cells[23:] == ["Met"] * 23  # trainee A met them all


def test_the_certificate_scope_gives_holders_their_own_and_admins_all(issued):
    certificate = issued.certificate
    assert list(certificates_visible_to(issued.trainee_a)) == [certificate]
    assert list(Certificate.objects.held_by(issued.trainee_a)) == [certificate]
    assert not certificates_visible_to(issued.trainee_b).exists()
    assert not certificates_visible_to(issued.trainer_a).exists()
    assert list(certificates_visible_to(issued.admin)) == [certificate]


def test_status_list_answers_a_conditional_get_until_a_revocation_re_signs_it(issued, client):
    url = reverse("certificates:status_list", args=[issued.certificate.status_list_id])
    etag = client.get(url)["ETag"]  # the first fetch signs the list, and names it

    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""

    services.certificate_revoke(actor=issued.admin, certificate=issued.certificate, reason="Error.")
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    bits = status_list.decode(changed.json()["credentialSubject"]["encodedList"])
    assert status_list.bit_is_set(bits, issued.certificate.status_index)


def test_revoking_asks_for_confirmation_and_says_what_it_does(issued, login):
    client = login(issued.admin)
    revoke = reverse("certificates:revoke", args=[issued.certificate.pk])
    page = client.get(revoke).content.decode()
    assert f"Revoke certificate {issued.certificate.serial}?" in page
    assert "The certificate stops verifying at once" in page and "It cannot be undone." in page
    assert "is told by e-mail, with your reason" in page
    # A reason alone is not enough: the confirmation is asked for beside its box, and the
    # reason typed is kept.
    response = client.post(revoke, {"reason": "License suspended by the board."})
    body = response.content.decode()
    assert response.status_code == 400
    assert '<div class="invalid-feedback" id="confirm-error">Tick this to confirm the revocation.</div>' in body
    assert ">License suspended by the board.</textarea>" in body
    assert Certificate.objects.live().count() == 1
    response = client.post(revoke, {"reason": "License suspended by the board.", "confirm": "on"})
    assert response.status_code == 302
    assert not Certificate.objects.live().exists()
    # Once revoked, the page sends the admin back to the certificate.
    response = client.get(revoke, follow=True)
    assert response.redirect_chain[-1][0] == reverse("certificates:detail", args=[issued.certificate.pk])
    assert "is already revoked" in response.content.decode()
