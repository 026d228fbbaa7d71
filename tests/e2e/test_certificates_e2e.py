"""The certificate journey in the browser: the admin issues, the trainee downloads the
PDF and the credential, the public page says valid, the admin revokes, it says revoked."""

import json
import re

import pytest

pytestmark = pytest.mark.e2e

ADMIN, TRAINEE = "admin@kapstone.test", "trainee.nakamura@kapstone.test"


def test_issue_download_verify_revoke(as_user, new_page, server, tmp_path):
    admin = as_user(ADMIN)
    admin.goto("/manage/")
    admin.get_by_role("link", name=re.compile(r"\d{4} cohort")).first.click()
    admin.get_by_label("Select Dana Nakamura, MD").check()
    admin.get_by_role("button", name=re.compile("Review and issue")).click()
    assert admin.get_by_text("Eligible", exact=True).first.is_visible()
    admin.get_by_label(re.compile("I have read each trainee")).check()
    admin.get_by_role("button", name="Issue certificates").click()
    assert admin.get_by_text(re.compile("Issuing 1 certificate")).is_visible()
    serial = admin.get_by_role("row", name=re.compile("Dana Nakamura")).get_by_role(
        "link", name=re.compile(r"KAP-\d{4}-\d{5}")).inner_text()
    server.mail_containing(serial)

    trainee = as_user(TRAINEE)
    trainee.goto("/certificates/")
    assert trainee.get_by_text(serial).is_visible()
    with trainee.expect_download() as pdf_download:
        trainee.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf_path = tmp_path / "certificate.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with trainee.expect_download() as credential_download:
        trainee.get_by_role("link", name=re.compile("Open Badges 3.0 credential")).click()
    credential_path = tmp_path / "credential.json"
    credential_download.value.save_as(credential_path)
    credential = json.loads(credential_path.read_text())
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    verify_url = trainee.locator("a[href*='/verify/']").first.get_attribute("href")

    public = new_page()
    public.goto(verify_url)
    assert public.get_by_text("Valid.").is_visible()
    assert public.get_by_text("Dana Nakamura, MD").is_visible()
    public.goto("/verify/")
    public.get_by_label(re.compile("upload the credential file")).set_input_files(str(credential_path))
    public.get_by_role("button", name="Verify").click()
    assert public.get_by_text("The credential checks out").is_visible()

    admin.get_by_role("link", name=serial).click()
    admin.get_by_role("link", name="Revoke this certificate…").click()
    admin.get_by_label("Reason").fill("Issued in error during the demo.")
    admin.get_by_label(re.compile("I understand")).check()
    admin.get_by_role("button", name=re.compile("^Revoke certificate")).click()
    assert admin.get_by_text(re.compile("revoked; the trainee has been told")).is_visible()
    server.mail_containing("was revoked")

    public.goto(verify_url)
    assert public.get_by_text(re.compile("^Revoked")).is_visible()
    public.goto("/verify/")
    public.get_by_label(re.compile("upload the credential file")).set_input_files(str(credential_path))
    public.get_by_role("button", name="Verify").click()
    assert public.get_by_text("The credential was revoked by its issuer").is_visible()
