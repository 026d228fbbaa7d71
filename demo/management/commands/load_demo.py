"""Load the demo program: the KAP certificate, one cohort and one person per role.

Safe to run again: everything is looked up by a natural key first, so a second run
changes nothing and prints the same logins.
"""

import datetime
import io
from pathlib import Path
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Site

from accounts.mfa import totp_activate
from accounts.models import User
from accounts.services import profile_update
from cms.models import HomePage, LessonPage
from cms.services import curriculum_load_bundled
from competencies import services as records
from competencies.services import framework_load_bundled
from consultation import services as consultation
from consultation.models import ConsultationKind, ConsultationSession
from consultation.selectors import hours_requirements
from core.roles import Role
from courses import services
from courses.models import Cohort, Enrolment, LessonProgress, Program, TrainerAssignment
from demo.certificate_images import seal_png, signature_png
from demo.completion import complete_enrolment, complete_lessons
from notifications.kinds import Delivery
from notifications.kinds import Kind as NotificationKind
from notifications.models import Notification
from notifications.services import notification_open

DEMO_PASSWORD = "kapstone-demo-pass"
# Base32; the same secret every run so an authenticator app set up once keeps working.
DEMO_TOTP_SECRET = "KAPSTONEDEMOKAPSTONEDEMOKAPSTONE"

# email: preferred name, time zone ("" = the program's), kinds e-mailed in the daily digest
PROFILES = {
    "admin@kapstone.test": ("Alex", "", ()),
    "editor@kapstone.test": ("Sam", "", ()),
    "trainer.okafor@kapstone.test": ("Maya", "", ()),
    "trainer.ferreira@kapstone.test": ("Luis", "", ()),
    "trainee.ellis@kapstone.test": ("Jordan", "America/Los_Angeles", ()),
    "trainee.raman@kapstone.test": ("Priya", "", (NotificationKind.HOURS, NotificationKind.REVIEWS)),
    "trainee.nakamura@kapstone.test": ("Dana", "", ()),
}

PEOPLE = [
    # email, full name, roles
    ("admin@kapstone.test", "Alex Morgan", [Role.PROGRAM_ADMIN]),
    ("editor@kapstone.test", "Sam Whitfield", [Role.CURRICULUM_EDITOR]),
    ("trainer.okafor@kapstone.test", "Dr. Maya Okafor", [Role.TRAINER]),
    ("trainer.ferreira@kapstone.test", "Dr. Luis Ferreira", [Role.TRAINER]),
    ("trainee.ellis@kapstone.test", "Jordan Ellis, LMFT", []),
    ("trainee.raman@kapstone.test", "Priya Raman, PMHNP", []),
    ("trainee.nakamura@kapstone.test", "Dana Nakamura, MD", []),
]


class Command(BaseCommand):
    help = "Create the demo KAP certificate program with one person per role (idempotent)."

    def handle(self, *args, **options):
        # The logins come last, after the load has committed and its e-mails have gone
        # (they are sent on commit), so they are the last thing printed before the server.
        self._load()
        self._print_logins()

    @transaction.atomic
    def _load(self) -> None:
        users = {email: self._person(email, name, roles) for email, name, roles in PEOPLE}
        admin = users["admin@kapstone.test"]
        for email in ("admin@kapstone.test", "editor@kapstone.test",
                      "trainer.okafor@kapstone.test", "trainer.ferreira@kapstone.test"):
            self._second_factor(users[email])

        version = framework_load_bundled(actor=admin)
        program, _ = Program.objects.get_or_create(
            slug="kap-certificate",
            defaults={
                "name": "Postgraduate Certificate in Ketamine-Assisted Psychotherapy",
                "summary": (
                    "A postgraduate certificate for licensed mental health professionals — "
                    "prescribers and therapists working together — in the safe, ethical and "
                    "effective use of ketamine-assisted psychotherapy."
                ),
                "ce_hours": 150,
                "framework": version.framework,
            },
        )
        if not program.signature_image or not program.seal_image:
            program.signatory = program.signatory or "Dr. Helen Marsh, Program director"
            program.signature_image.save("signature.png", signature_png(), save=False)
            program.seal_image.save("seal.png", seal_png(), save=False)
            services.program_save(program=program, actor=admin)
        today = timezone.localdate()
        cohort, _ = Cohort.objects.get_or_create(
            program=program,
            name=f"{today.year} cohort",
            defaults={
                "starts_on": today - datetime.timedelta(days=30),
                "ends_on": today + datetime.timedelta(days=335),
                "capacity": 40,
            },
        )
        self._enrol(admin, users["trainee.ellis@kapstone.test"], cohort,
                    profession=Enrolment.Profession.THERAPIST, license_type="LMFT",
                    license_number="104233", license_jurisdiction="California")
        self._enrol(admin, users["trainee.raman@kapstone.test"], cohort,
                    profession=Enrolment.Profession.PRESCRIBER, license_type="PMHNP",
                    license_number="NP-889120", license_jurisdiction="Oregon")
        self._enrol(admin, users["trainee.nakamura@kapstone.test"], cohort,
                    profession=Enrolment.Profession.PRESCRIBER, license_type="MD",
                    license_number="G-77310", license_jurisdiction="Washington")
        okafor = users["trainer.okafor@kapstone.test"]
        ferreira = users["trainer.ferreira@kapstone.test"]
        ellis = users["trainee.ellis@kapstone.test"]
        raman = users["trainee.raman@kapstone.test"]
        nakamura = users["trainee.nakamura@kapstone.test"]
        for trainer, trainee, role in (
            (okafor, ellis, TrainerAssignment.Role.CONSULTANT),
            (okafor, ellis, TrainerAssignment.Role.ASSESSOR),
            (ferreira, ellis, TrainerAssignment.Role.ASSESSOR),
            (ferreira, raman, TrainerAssignment.Role.CONSULTANT),
            (ferreira, raman, TrainerAssignment.Role.ASSESSOR),
            (okafor, nakamura, TrainerAssignment.Role.CONSULTANT),
            (ferreira, nakamura, TrainerAssignment.Role.ASSESSOR),
        ):
            if not TrainerAssignment.objects.current().filter(
                trainer=trainer, trainee=trainee, cohort=cohort, role=role
            ).exists():
                services.assignment_create(
                    actor=admin, trainer=trainer, trainee=trainee, cohort=cohort, role=role,
                    starts_on=cohort.starts_on,
                )
        if not cohort.open_for_applications:
            cohort.open_for_applications = True
            services.cohort_save(cohort=cohort, actor=admin)
        self._home_page()
        program_page = curriculum_load_bundled(program=program)
        self._demo_progress(Enrolment.objects.get(trainee=ellis, cohort=cohort), program_page)
        self._ready_for_certificate(Enrolment.objects.get(trainee=nakamura, cohort=cohort),
                                    [okafor, ferreira], admin)
        self._consultations(Enrolment.objects.get(trainee=ellis, cohort=cohort), okafor)
        self._consultations(Enrolment.objects.get(trainee=raman, cohort=cohort), ferreira)
        self._profiles(users)
        self._signing_key()

    def _profiles(self, users) -> None:
        """Preferred names, a trainee in California's time zone, a trainee who reads
        hours and reviews in the daily digest, and a notification already read."""
        for email, (preferred, zone, digest) in PROFILES.items():
            user = users[email]
            if user.preferred_name:
                continue
            profile_update(
                user=user, preferred_name=preferred, time_zone=zone,
                deliveries={kind: (Delivery.DIGEST if kind in digest else Delivery.IMMEDIATE)
                            for kind in NotificationKind.values},
            )
            oldest = Notification.objects.filter(user=user).order_by("created_at", "pk").first()
            if oldest is not None:
                notification_open(user=user, notification_id=oldest.pk)

    def _person(self, email, name, roles) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        for role in roles:
            if not user.groups.filter(name=role.value).exists():
                user.groups.add(Group.objects.get(name=role.value))
        return user

    def _second_factor(self, user) -> None:
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            totp_activate(user=user, secret=DEMO_TOTP_SECRET, recovery_codes=True)

    def _enrol(self, admin, trainee, cohort, **license):
        if Enrolment.objects.filter(trainee=trainee, cohort=cohort).exists():
            return
        services.enrolment_create(
            actor=admin, trainee=trainee, cohort=cohort,
            license_expires_on=timezone.localdate() + datetime.timedelta(days=700),
            license_verified=True, enrolled_on=cohort.starts_on, **license,
        )

    def _home_page(self) -> None:
        if HomePage.objects.exists():
            return
        root = Page.get_first_root_node()
        home = HomePage(
            title="Kapstone",
            slug="kapstone-home",
            lead=(
                "Training records for the postgraduate certificate in ketamine-assisted "
                "psychotherapy: the curriculum, every outcome, consultation hours with "
                "trainers, and a certificate anyone can verify."
            ),
            body=[
                ("heading", {"text": "Who the certificate is for", "level": "h2"}),
                ("paragraph", (
                    "<p>Licensed mental health professionals — prescribers and therapists "
                    "who collaborate in care — who want to practise ketamine-assisted "
                    "psychotherapy within the scope of their license.</p>"
                )),
                ("callout", {
                    "title": "What a certificate is, and is not",
                    "body": (
                        "<p>The certificate recognises completion of training. It confers no "
                        "license and no prescribing authority.</p>"
                    ),
                }),
            ],
        )
        root.add_child(instance=home)
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        # The Wagtail site names the address SITE_URL serves, so Wagtail's own absolute
        # links (its root URL, the admin's "view live") agree with the e-mails and the
        # certificate's verify address.
        address = urlsplit(settings.SITE_URL)
        hostname = address.hostname or "localhost"
        port = address.port or (443 if address.scheme == "https" else 80)
        if site is None:
            Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True,
                                site_name="Kapstone")
        else:
            site.root_page = home
            site.site_name = "Kapstone"
            site.hostname, site.port = hostname, port
            site.save()
        # Wagtail's own "Welcome to your new Wagtail site!" page is replaced, not kept.
        if old_root is not None and old_root.specific_class is Page and old_root.depth == 2:
            old_root.delete()

    def _demo_progress(self, enrolment, program_page) -> None:
        """Jordan Ellis has finished the first lesson, so the demo shows real progress."""
        if LessonProgress.objects.filter(enrolment=enrolment).exists():
            return
        lesson = LessonPage.objects.live().descendant_of(program_page).order_by("path").first()
        if lesson is None:
            return
        complete_lessons(enrolment, [lesson])
        # A reflection on C3 waiting in Dr. Okafor's queue.
        item = records.evidence_add(
            actor=enrolment.trainee, enrolment=enrolment, outcome_code="C3", kind="written",
            title="Confidentiality in a group integration session",
            text=(
                "In an integration group a participant began describing another member's "
                "session outside the room. I paused the group, restated the agreement we made "
                "at intake about what stays in the room, and afterwards checked in with the "
                "member whose experience had been shared. I documented the breach and the "
                "repair in line with my board's rules."
            ),
        )
        records.signoff_request(
            actor=enrolment.trainee, enrolment=enrolment, outcome_code="C3",
            message="I think this shows how I keep confidentiality in group work.",
            evidence_ids=[item.pk],
        )

    def _ready_for_certificate(self, enrolment, trainers, admin) -> None:
        """Dana Nakamura has met every requirement: the admin can issue a certificate."""
        if LessonProgress.objects.filter(enrolment=enrolment).exists():
            return
        complete_enrolment(enrolment, trainers=trainers, admin=admin)

    def _consultations(self, enrolment, trainer) -> None:
        """Two entries with notes, through the services as a trainee would log them: a
        consultation about a case the trainee conducted (its notes are read by the trainer)
        that the trainer confirmed, and one about the trainee's own experience whose notes
        stay private to the trainee. Each goes under the first experience outcome of the
        enrolment's framework version with that kind."""
        if ConsultationSession.objects.filter(enrolment=enrolment).exists():
            return
        by_kind = {}
        for requirement in hours_requirements(enrolment):
            by_kind.setdefault(requirement.kind, requirement.code)
        today = timezone.localdate()
        trainee = enrolment.trainee
        case = consultation.session_log(
            actor=trainee, enrolment=enrolment, trainer=trainer,
            date=today - datetime.timedelta(days=14), start_time=datetime.time(17, 0),
            minutes=60, category=by_kind[ConsultationKind.CASES], case_reference="Case A-03",
            notes=(
                "Discussed the preparation session for a client in their fifties with "
                "treatment-resistant depression: how to set intentions without promising "
                "outcomes, and when to involve the prescriber about blood pressure readings."
            ),
        )
        consultation.session_confirm(trainer=trainer, session=case, revision=case.revision)
        consultation.session_log(
            actor=trainee, enrolment=enrolment, trainer=trainer,
            date=today - datetime.timedelta(days=7), start_time=datetime.time(12, 30),
            minutes=90, category=by_kind[ConsultationKind.OWN_EXPERIENCE],
            notes=(
                "My own second experiential session. Noticed how much I wanted to narrate "
                "the experience while it was happening; I want to bring this to supervision "
                "before I sit with clients who do the same."
            ),
            share_notes_with_trainer=False,
        )

    def _signing_key(self) -> None:
        """The development issuer key, made once the way a real site makes its own
        (``manage.py credential_keygen``)."""
        path = Path(settings.CREDENTIAL_SIGNING_KEY_FILE)
        if not settings.CREDENTIAL_SIGNING_KEY and not path.exists():
            call_command("credential_keygen", "--output", str(path), stdout=io.StringIO())
            self.stdout.write(f"Made the development credential signing key: {path}")

    def _print_logins(self) -> None:
        out = self.stdout
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            out.write(f"E-mails the demo sends while loading are written to {settings.EMAIL_FILE_PATH}/")
        out.write(self.style.SUCCESS(f"\nKapstone demo is ready. Sign in at {settings.SITE_URL}/accounts/login/"))
        out.write(f"Password for every demo account: {DEMO_PASSWORD}\n")
        for email, name, roles in PEOPLE:
            label = ", ".join(r.value for r in roles) or "Trainee"
            out.write(f"  {label:<18} {email:<34} {name}")
        out.write(
            "\nTrainers, the curriculum editor and the program admin must pass two-factor\n"
            f"authentication. Their authenticator secret is {DEMO_TOTP_SECRET}\n"
            "(add it to any TOTP app), or print the current code with:\n"
            "  make totp WHO=admin@kapstone.test\n"
            "\nJordan Ellis and Priya Raman have each logged two consultations with notes: one\n"
            "about a case they conducted, which their trainer confirmed (the trainer reads its\n"
            "notes), and one about their own experience, whose notes only they can read\n"
            "(encrypted in the database).\n"
            "\nDana Nakamura has met every requirement: sign in as the admin, open Cohorts → the\n"
            "cohort, tick her row and issue her certificate; then check it at /verify/<code>/.\n"
        )
