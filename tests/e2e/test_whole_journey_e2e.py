"""The whole journey, through the real UI only, with a screenshot of every step.

An admin creates a cohort, enrols a new trainee, verifies the license and assigns two
trainers; the trainee reads every required lesson and passes its knowledge check (after
failing the first), asks for sign-off on every outcome and logs E1 and E2 hours with
the named trainers; each trainer signs in with a second factor, decides and confirms;
the admin sees the trainee turn eligible in the cohort matrix and issues; the trainee
downloads the PDF and the Open Badges credential; a visitor verifies it; the admin
revokes it and the public page says so.

Only the accounts exist beforehand (``load_demo`` plus one new clinician made the way
the accounts tests make theirs); everything else is done by people in the browser.
Screenshots go to ``$E2E_ARTIFACTS`` (default ``test-artifacts/journey/``).
"""

import datetime
import json
import os
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lesson_steps import answer_check  # same folder
from pdf_reading import pdf_text as read_pdf_text  # tests/

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CURRICULUM = json.loads((ROOT / "cms" / "data" / "kap_curriculum.json").read_text())
PASSWORD = "kapstone-demo-pass"  # every demo account's (load_demo)
TOTP_SECRET = "KAPSTONEDEMOKAPSTONEDEMOKAPSTONE"  # the demo staff's authenticator (load_demo)
ADMIN = "admin@kapstone.test"
OKAFOR, FERREIRA = "trainer.okafor@kapstone.test", "trainer.ferreira@kapstone.test"
OKAFOR_NAME, FERREIRA_NAME = "Dr. Maya Okafor", "Dr. Luis Ferreira"
TRAINEE, TRAINEE_NAME = "robin.hale@kapstone.test", "Robin Hale, LPC"
COHORT = "Journey cohort"
KNOWLEDGE = [f"K{n}" for n in range(1, 10)]
COMPETENCIES = [f"C{n}" for n in range(1, 13)]


class Steps:
    """Numbered full-page screenshots, one per step of the story; a run replaces the
    previous run's PNGs in the folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def shot(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def steps():
    return Steps(Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "test-artifacts" / "journey"))


def _field(page, label: str):
    """A field of the Wagtail admin's edit form by its label (the sidebar menu has
    labelled lists too, and required labels end in an asterisk)."""
    form = page.locator("form", has=page.locator("[name=csrfmiddlewaretoken]"))
    return form.get_by_label(label)


def _choose(select, text: str) -> None:
    """Pick the option whose label contains ``text``."""
    select.select_option(label=select.locator("option", has_text=text).first.inner_text().strip())


def _sign_in_with_authenticator(page, email: str, totp_now, steps, name: str) -> None:
    """Password, then the code an authenticator app set up with the demo secret shows."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-Factor Authentication")
    steps.shot(page, name)
    for _ in range(2):  # a code already used in this period (by an earlier test) is refused
        page.get_by_label("Code").fill(totp_now(TOTP_SECRET))
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_load_state()
        if "/accounts/2fa/authenticate/" not in page.url:
            return
        time.sleep(30 - time.time() % 30 + 0.2)
    raise AssertionError(f"the authenticator code for {email} was refused twice")


def _outcome_status(page, code: str):
    return page.locator(f"tr#outcome-{code} .badge").first


def test_whole_journey(server, new_page, sign_in, totp_now, steps, tmp_path):
    today = datetime.datetime.now(datetime.UTC).date()
    server.manage(
        "shell", "-c",
        "from accounts.models import User\n"
        "from allauth.account.models import EmailAddress\n"
        f"u = User.objects.create_user(email={TRAINEE!r}, password={PASSWORD!r}, full_name={TRAINEE_NAME!r})\n"
        "EmailAddress.objects.create(user=u, email=u.email, verified=True, primary=True)\n",
    )

    # --- The admin sets up the cohort -----------------------------------------------
    admin = new_page()
    _sign_in_with_authenticator(admin, ADMIN, totp_now, steps, "admin-signs-in-with-an-authenticator-code")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Cohorts and enrolments")
    admin.locator("#main").get_by_role("link", name="Cohorts", exact=True).click()
    admin.get_by_role("link", name=re.compile("^Add cohort")).first.click()
    _field(admin, "Program").select_option(label="Postgraduate Certificate in Ketamine-Assisted Psychotherapy")
    _field(admin, "Name").fill(COHORT)
    _field(admin, "Starts on").fill(today.isoformat())
    _field(admin, "Capacity").fill("12")
    admin.get_by_role("button", name=re.compile("^(Create|Save)")).first.click()
    expect(admin.get_by_text(re.compile(f"Cohort '.*{COHORT}' created"))).to_be_visible()
    steps.shot(admin, "admin-created-the-cohort")

    admin.goto("/manage/")
    admin.get_by_role("link", name="Enrol a trainee").click()
    _choose(_field(admin, "Trainee"), TRAINEE_NAME)
    _choose(_field(admin, "Cohort"), COHORT)
    _field(admin, "Profession").select_option(index=1)
    _field(admin, "License type").fill("LPC")
    _field(admin, "License number").fill("LPC-55120")
    _field(admin, "License jurisdiction").fill("Colorado")
    _field(admin, "License expires on").fill((today + datetime.timedelta(days=600)).isoformat())
    admin.get_by_role("button", name=re.compile("^(Create|Save)")).first.click()
    expect(admin.get_by_text(re.compile(f"Enrolment '{TRAINEE_NAME} in .*{COHORT}' created"))).to_be_visible()
    steps.shot(admin, "admin-enrolled-the-trainee")

    admin.goto("/manage/")
    cohort_row = admin.get_by_role("table", name="Cohorts").get_by_role("row", name=re.compile(f"^{COHORT}"))
    expect(cohort_row.locator(".badge-warn")).to_have_text("1")  # one license to verify
    admin.get_by_role("link", name="Review enrolments and licenses").click()
    admin.get_by_role("link", name=re.compile(TRAINEE_NAME)).first.click()
    admin.get_by_label("Mark the license as verified now").check()
    admin.get_by_role("button", name=re.compile("^Save")).first.click()
    expect(admin.get_by_text(re.compile(f"Enrolment '{TRAINEE_NAME} in .*' updated"))).to_be_visible()
    enrolment_row = admin.get_by_role("row", name=re.compile(f"^{TRAINEE_NAME}"))
    expect(enrolment_row).to_contain_text(today.strftime("%Y"))  # "License verified at" filled in
    steps.shot(admin, "admin-verified-the-license")

    for trainer_name, role in ((OKAFOR_NAME, "Consultant"), (FERREIRA_NAME, "Assessor")):
        admin.goto("/manage/")
        admin.get_by_role("link", name="Assign a trainer").click()
        _choose(_field(admin, "Trainer"), trainer_name)
        _choose(_field(admin, "Trainee"), TRAINEE_NAME)
        _choose(_field(admin, "Cohort"), COHORT)
        _field(admin, "Role").select_option(label=role)
        _field(admin, "Starts on").fill(today.isoformat())
        admin.get_by_role("button", name=re.compile("^(Create|Save)")).first.click()
        expect(admin.get_by_text(re.compile("Trainer assignment .* created"))).to_be_visible()
    for trainer_name, role in ((OKAFOR_NAME, "Consultant"), (FERREIRA_NAME, "Assessor")):
        expect(admin.get_by_role("row", name=re.compile(f"{trainer_name}.*{TRAINEE_NAME}.*{COHORT}.*{role}"))).to_be_visible()
    steps.shot(admin, "admin-assigned-two-trainers")
    admin.goto("/manage/")
    expect(cohort_row.locator("td").nth(6)).to_have_text("0")  # no license left to verify
    expect(cohort_row.locator("td").nth(7)).to_have_text("2")  # trainers

    # --- The trainee studies every required lesson ----------------------------------
    trainee = new_page()
    assert sign_in(trainee, TRAINEE) is False  # trainees are not asked for a second factor
    expect(trainee.get_by_role("heading", level=1)).to_have_text("My program")
    facts = trainee.locator("dl.facts")
    expect(facts).to_contain_text(COHORT)
    expect(facts).to_contain_text("Verified")
    expect(facts).to_contain_text(f"{OKAFOR_NAME} (consultant), {FERREIRA_NAME} (assessor)")
    expect(trainee.locator(".next-steps")).to_contain_text(
        f"Arrange consultation with {OKAFOR_NAME} or {FERREIRA_NAME}, then log each session under My hours")
    steps.shot(trainee, "trainee-home-with-cohort-license-and-trainers")

    lessons = [lesson for course in CURRICULUM["courses"] for lesson in course["lessons"] if lesson["required"]]
    trainee.get_by_role("link", name=f"Start: {lessons[0]['title']}").click()
    for number, lesson in enumerate(lessons):
        if number:  # on to the next lesson with the pager, as a reader would
            trainee.get_by_role("navigation", name="Lessons").get_by_role("link", name=f"{lesson['title']} →").click()
        expect(trainee.get_by_role("heading", level=1)).to_have_text(lesson["title"])
        if not any(block["type"] == "knowledge_check" for block in lesson["body"]):
            # No check: one step completes it (passing a check completes the others).
            trainee.get_by_role("button", name="Complete lesson").click()
            trainee.wait_for_load_state()
            expect(trainee.locator("#lesson-status")).to_contain_text("Complete")
            continue
        if number == 0:
            answer_check(trainee, lesson, correct=False)
            expect(trainee.get_by_text(re.compile(r"You scored \d+%; the pass mark is"))).to_be_visible()
            steps.shot(trainee, "trainee-fails-the-first-knowledge-check")
        answer_check(trainee, lesson, correct=True)
        expect(trainee.get_by_text("You scored 100% and passed")).to_be_visible()
        expect(trainee.locator("#lesson-status")).to_contain_text("Complete")
        if number == 0:
            steps.shot(trainee, "trainee-passes-it-on-the-second-try")
    trainee.goto("/trainee/")
    expect(trainee.get_by_text(f"{len(lessons)} of {len(lessons)} lessons (100%)").first).to_be_visible()
    steps.shot(trainee, "trainee-completed-every-lesson")

    # --- ... asks for sign-off on every Knowledge and Competency outcome -------------
    trainee.get_by_role("link", name="My outcomes").click()
    outcome_urls = {code: trainee.get_by_role("link", name=code, exact=True).get_attribute("href")
                    for code in KNOWLEDGE + COMPETENCIES}
    for code in KNOWLEDGE + COMPETENCIES:
        trainee.goto(outcome_urls[code])  # the link of that outcome on My outcomes
        expect(trainee.get_by_role("heading", level=1)).to_contain_text(code)
        # A review request carries at least one piece of evidence (pre-selected).
        trainee.get_by_label("Title").fill(f"Supervised practice for {code}")
        trainee.get_by_role("textbox", name="Written reflection").fill(
            f"A session in which I practised {code}, with what I would do differently.")
        trainee.get_by_role("button", name="Add evidence").click()
        expect(trainee.get_by_text("Evidence added.")).to_be_visible()
        expect(trainee.get_by_label(f"Supervised practice for {code}")).to_be_checked()
        trainee.get_by_role("button", name="Ask my trainers for review").click()
        expect(trainee.get_by_text("Your trainers have been asked to review this outcome.")).to_be_visible()
        expect(trainee.locator("h1 .badge")).to_have_text("Awaiting review")
        if code == "C1":
            steps.shot(trainee, "trainee-asks-for-review-of-a-competency")
    trainee.goto("/trainee/outcomes/")
    for code in KNOWLEDGE + COMPETENCIES:
        expect(_outcome_status(trainee, code)).to_have_text("Awaiting review")
    steps.shot(trainee, "trainee-outcomes-awaiting-review")

    # --- ... and logs E1 hours with one trainer, E2 hours with the other -------------
    trainee.goto("/trainee/hours/")
    for category, trainer_name in (("E1", OKAFOR_NAME), ("E2", FERREIRA_NAME)):
        for start in ("09:00", "14:00"):
            trainee.get_by_label("Trainer", exact=True).select_option(label=trainer_name)
            trainee.get_by_label("Date", exact=True).fill(today.isoformat())
            trainee.get_by_label("Start time", exact=True).fill(start)
            trainee.get_by_label("Minutes", exact=True).fill("300")
            trainee.get_by_role("radio", name=re.compile(f"^{category} ")).check()
            trainee.get_by_role("button", name="Log session").click()
            expect(trainee.get_by_text("Session logged")).to_be_visible()
    for category in ("E1", "E2"):
        expect(trainee.locator(f"section[aria-labelledby=cat-{category}] .progress-row")).to_contain_text(
            "0:00 of 10:00 hours confirmed; 10:00 waiting for confirmation")
    expect(trainee.get_by_role("table", name="Log").locator(".badge-warn")).to_have_count(4)
    steps.shot(trainee, "trainee-logged-e1-and-e2-hours")
    trainee.goto("/trainee/outcomes/")
    for code in ("E1", "E2"):
        expect(_outcome_status(trainee, code)).to_have_text("Awaiting review")
    steps.shot(trainee, "trainee-sees-hours-awaiting-confirmation")

    # The admin's matrix: everything waits on the trainers, nothing is eligible yet.
    admin.goto("/manage/")
    admin.get_by_role("link", name=COHORT).click()
    row = admin.get_by_role("row", name=re.compile(TRAINEE_NAME))
    expect(row.locator("td.status-awaiting_review")).to_have_count(len(KNOWLEDGE + COMPETENCIES) + 2)
    expect(row).to_contain_text("23 missing")
    expect(row.get_by_label(f"Select {TRAINEE_NAME}")).to_have_count(0)
    steps.shot(admin, "admin-matrix-shows-not-yet-eligible")

    # --- Each trainer signs in with a second factor, decides and confirms ------------
    waiting = KNOWLEDGE + COMPETENCIES
    for email, codes, category in ((OKAFOR, KNOWLEDGE, "E1"), (FERREIRA, COMPETENCIES, "E2")):
        trainer = new_page()
        _sign_in_with_authenticator(trainer, email, totp_now, steps, f"{email.split('@')[0]}-signs-in-with-a-second-factor")
        expect(trainer.get_by_role("heading", level=1)).to_have_text("My trainees")
        expect(trainer.get_by_role("main")).to_contain_text(TRAINEE_NAME)
        trainer.goto("/trainer/queue/")
        steps.shot(trainer, f"{email.split('@')[0]}-review-queue")
        for code in codes:
            card = trainer.locator("section.card").filter(
                has=trainer.get_by_role("heading", name=f"{code} — {TRAINEE_NAME}", exact=True))
            if code == codes[0]:
                card.get_by_label("Not yet", exact=True).check()
                card.get_by_label(re.compile("Comment")).fill("Tell me how this shows in your practice.")
                card.get_by_role("button", name="Record decision").click()
                expect(trainer.get_by_text(f"{code} for {TRAINEE_NAME}: not yet.")).to_be_visible()
                trainee.goto("/trainee/outcomes/")
                expect(_outcome_status(trainee, code)).to_have_text("In progress")
                expect(trainee.locator(f"tr#outcome-{code}")).to_contain_text("Tell me how this shows in your practice.")
                trainee.get_by_role("link", name=code, exact=True).click()
                trainee.get_by_role("button", name="Ask my trainers for review").click()
                expect(trainee.locator("h1 .badge")).to_have_text("Awaiting review")
                trainer.goto("/trainer/queue/")
            card.get_by_label("Met", exact=True).check()
            card.get_by_role("button", name="Record decision").click()
            expect(trainer.get_by_text(f"{code} for {TRAINEE_NAME}: met.")).to_be_visible()
        sessions = trainer.get_by_role("row").filter(has_text=TRAINEE_NAME).filter(has_text=category)
        expect(sessions).to_have_count(2)
        for _ in range(2):
            sessions.first.get_by_role("button", name="Confirm").click()
            trainer.wait_for_load_state()
        expect(sessions).to_have_count(0)
        waiting = [code for code in waiting if code not in codes]  # both trainers see every request
        expect(trainer.locator("section.card", has_text=TRAINEE_NAME)).to_have_count(len(waiting))
        steps.shot(trainer, f"{email.split('@')[0]}-decided-and-confirmed")
        trainer.context.close()

    trainee.goto("/trainee/outcomes/")
    expect(trainee.get_by_text("23 of 23 outcomes met.")).to_be_visible()
    steps.shot(trainee, "trainee-every-outcome-met")

    # --- The admin sees the trainee turn eligible and issues -------------------------
    admin.reload()
    expect(row.locator(".badge-ok")).to_have_text("Eligible")
    expect(row.locator("td.num")).to_have_text(["10:00", "10:00"])  # confirmed E1 and E2 hours
    row.locator(".badge-ok").scroll_into_view_if_needed()  # the wide matrix scrolls sideways
    steps.shot(admin, "admin-matrix-shows-eligible")
    admin.get_by_label(f"Select {TRAINEE_NAME}").check()
    admin.get_by_role("button", name=re.compile("Review and issue")).click()
    expect(admin.get_by_role("heading", name=re.compile(TRAINEE_NAME))).to_contain_text("Eligible")
    admin.get_by_label(re.compile("I have read each trainee")).check()
    steps.shot(admin, "admin-reviews-before-issuing")
    admin.get_by_role("button", name="Issue certificates").click()
    expect(admin.get_by_text(re.compile("Issuing 1 certificate"))).to_be_visible()
    serial = row.get_by_role("link", name=re.compile(r"KAP-\d{4}-\d{5}")).inner_text()
    steps.shot(admin, "admin-issued-the-certificate")
    server.mail_containing(serial)

    # --- The trainee downloads the PDF and the credential ----------------------------
    trainee.goto("/trainee/")
    trainee.get_by_role("link", name=re.compile("certificate", re.I)).first.click()
    expect(trainee.get_by_role("heading", level=1)).to_have_text("My certificates")
    expect(trainee.get_by_text(serial)).to_be_visible()
    expect(trainee.locator("section.card .badge-ok")).to_have_text("Valid")
    steps.shot(trainee, "trainee-certificate-page")
    with trainee.expect_download() as pdf_download:
        trainee.get_by_role("link", name=re.compile("Download the certificate")).click()
    pdf_path = tmp_path / "certificate.pdf"
    pdf_download.value.save_as(pdf_path)
    flat = " ".join(read_pdf_text(pdf_path.read_bytes(), layout=True).split())
    for expected in (TRAINEE_NAME, serial, "Postgraduate Certificate in Ketamine-Assisted Psychotherapy",
                     "10:00 h of consultation about cases the trainee conducted (E1)",
                     "10:00 h of consultation about the trainee's own experience (E2)",
                     "License LPC, Colorado", "no license"):
        assert expected in flat, (expected, flat)
    with trainee.expect_download() as credential_download:
        trainee.get_by_role("link", name=re.compile("Open Badges 3.0 credential")).click()
    credential_path = tmp_path / "credential.json"
    credential_download.value.save_as(credential_path)
    credential = json.loads(credential_path.read_text())
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["credentialSubject"]["achievement"]["name"].startswith("Postgraduate Certificate")
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["issuer"]["id"].startswith("did:web:")
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    verify_url = trainee.locator("a[href*='/verify/']").first.get_attribute("href")

    # --- An anonymous visitor verifies it --------------------------------------------
    public = new_page()
    public.goto(verify_url)
    expect(public.get_by_role("status")).to_contain_text("Valid.")
    expect(public.locator("dl")).to_contain_text(TRAINEE_NAME)
    expect(public.locator("dl")).to_contain_text(serial)
    steps.shot(public, "public-verification-valid")
    public.goto("/verify/")
    public.get_by_label(re.compile("upload the credential file")).set_input_files(str(credential_path))
    public.get_by_role("button", name="Verify").click()
    expect(public.get_by_text("The credential checks out")).to_be_visible()
    steps.shot(public, "public-credential-file-checks-out")

    # --- The admin revokes; verification then says revoked ---------------------------
    admin.get_by_role("link", name=serial).click()
    admin.get_by_role("link", name="Revoke this certificate…").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Revoke certificate")
    admin.get_by_label("Reason").fill("Issued before the license board's confirmation arrived.")
    admin.get_by_label(re.compile("I understand")).check()
    steps.shot(admin, "admin-confirms-the-revocation")
    admin.get_by_role("button", name=re.compile("^Revoke certificate")).click()
    expect(admin.get_by_text(re.compile("revoked; the trainee has been told"))).to_be_visible()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Revoked")
    steps.shot(admin, "admin-revoked-the-certificate")
    server.mail_containing("was revoked")

    public.goto(verify_url)
    expect(public.get_by_role("status")).to_contain_text(re.compile("^Revoked"))
    steps.shot(public, "public-verification-revoked")
    public.goto("/verify/")
    public.get_by_label(re.compile("upload the credential file")).set_input_files(str(credential_path))
    public.get_by_role("button", name="Verify").click()
    expect(public.get_by_text("The credential was revoked by its issuer")).to_be_visible()
    steps.shot(public, "public-credential-file-revoked")

    trainee.goto("/certificates/")
    expect(trainee.locator("section.card .badge-bad")).to_contain_text("Revoked")
    expect(trainee.get_by_text("Issued before the license board's confirmation arrived.")).to_be_visible()
    steps.shot(trainee, "trainee-sees-the-revocation")
