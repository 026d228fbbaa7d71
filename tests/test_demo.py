"""The demo command: a coherent program, one person per role, safe to run twice."""

import ast
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from wagtail.models import Site

from accounts.models import User
from audit.models import AuditEvent
from cms.models import CoursePage, LessonPage, ProgramPage
from competencies.models import Outcome
from consultation.models import ConsultationSession
from courses.models import Enrolment, LessonProgress, TrainerAssignment

pytestmark = pytest.mark.django_db


def _counts():
    return (
        User.objects.count(), Enrolment.objects.count(), TrainerAssignment.objects.count(),
        ProgramPage.objects.count(), CoursePage.objects.count(), LessonPage.objects.count(),
        Outcome.objects.count(), LessonProgress.objects.count(), AuditEvent.objects.count(),
    )


def test_demo_loads_once_and_a_second_run_changes_nothing(capsys):
    call_command("load_demo")
    first = _counts()
    out = capsys.readouterr().out
    for email in ("admin@kapstone.test", "editor@kapstone.test", "trainer.okafor@kapstone.test",
                  "trainee.ellis@kapstone.test", "trainee.raman@kapstone.test"):
        assert email in out
    assert "kapstone-demo-pass" in out and "make totp WHO=admin@kapstone.test" in out
    call_command("load_demo")
    assert _counts() == first
    assert capsys.readouterr().out == out  # the same logins, word for word


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # e-mails go on a real commit
@override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
                   SITE_URL="http://127.0.0.1:8123")
def test_demo_prints_the_logins_last_at_the_sites_address(capsys):
    """The e-mails the load sends (on commit) come before the logins, not after them, and
    the address printed is the one the site is served at."""
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "Content-Type: text/plain" in out  # the console backend did print e-mails
    logins = out.index("Kapstone demo is ready")
    assert "Content-Type" not in out[logins:]
    assert "Sign in at http://127.0.0.1:8123/accounts/login/" in out[logins:]
    assert ":8000" not in out[logins:]
    # Wagtail's site answers at that address too, so its links agree with SITE_URL's.
    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8123"
    assert out.rstrip().endswith("/verify/<code>/.")


def test_demo_consultations_have_notes_shared_and_private():
    call_command("load_demo")
    by_trainee = {}
    for session in ConsultationSession.objects.select_related("enrolment__trainee", "trainer").filter(
        enrolment__trainee__email__in=["trainee.ellis@kapstone.test", "trainee.raman@kapstone.test"]
    ):
        by_trainee.setdefault(session.enrolment.trainee.email, []).append(session)
    assert sorted(by_trainee) == ["trainee.ellis@kapstone.test", "trainee.raman@kapstone.test"]
    for sessions in by_trainee.values():
        kinds = {(s.category, s.status) for s in sessions}
        assert kinds == {("E1", "confirmed"), ("E2", "pending")}
        for session in sessions:
            assert session.notes  # written through the service, decrypted on read
            trainee, trainer = session.enrolment.trainee, session.trainer
            assert session.notes_readable_by(trainee)
            assert session.notes_readable_by(trainer) is (session.category == "E1")
    # The notes are encrypted in the database, not stored as typed.
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes FROM consultation_consultationsession WHERE notes <> ''")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("experiential" in value or "preparation" in value for value in stored)


def test_demo_curriculum_is_complete_and_coherent():
    call_command("load_demo")
    courses = CoursePage.objects.live()
    lessons = LessonPage.objects.live()
    assert courses.count() >= 4 and lessons.count() >= 12
    assert sum(1 for lesson in lessons if lesson.check_ids) >= 8
    served = {link.code for lesson in lessons for link in lesson.outcome_links.all()}
    assert {f"K{i}" for i in range(1, 10)} <= served
    assert not {"E1", "E2"} & served
    # Every knowledge check is answerable: each question has a correct choice.
    for lesson in lessons:
        for spec in lesson.knowledge_checks().values():
            assert all(correct for _, _, correct in spec.questions)


def test_demo_logins_land_where_the_readme_says(client):
    call_command("load_demo")
    landing = {
        "admin@kapstone.test": "/manage/", "editor@kapstone.test": "/admin/",
        "trainer.okafor@kapstone.test": "/trainer/", "trainee.ellis@kapstone.test": "/trainee/",
    }
    for email, path in landing.items():
        client.force_login(User.objects.get(email=email))
        assert client.get("/home/")["Location"] == path
        assert client.get(path).status_code == 200
    client.force_login(User.objects.get(email="trainee.ellis@kapstone.test"))
    assert "Continue where you left off" in client.get("/trainee/").content.decode()
    assert "Awaiting review" in client.get("/trainee/outcomes/").content.decode()
    client.force_login(User.objects.get(email="trainer.okafor@kapstone.test"))
    assert "Confidentiality in a group integration session" in client.get("/trainer/queue/").content.decode()


# --- Demo and test helpers stay out of the production apps (issue 18, item 8) -----------

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_APPS = [
    "accounts", "audit", "backups", "certificates", "cms", "competencies", "config",
    "consultation", "core", "courses", "jobs", "notifications",
]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_production_app_imports_the_demo_or_the_test_factories():
    offenders = []
    for app in PRODUCTION_APPS:
        for path in (ROOT / app).rglob("*.py"):
            for name in _imported_modules(path):
                top = name.split(".")[0]
                if top in ("demo", "factories", "factory", "tests") or name.endswith(".factories"):
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
    assert not list(ROOT.glob("*/factories.py"))


def test_the_demo_makes_its_signing_key_the_way_a_real_site_does(tmp_path, settings):
    """Through `manage.py credential_keygen`, not the credentials package's internals."""
    settings.CREDENTIAL_SIGNING_KEY = ""
    settings.CREDENTIAL_SIGNING_KEY_FILE = str(tmp_path / "var" / "credential-key.json")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    key_file = tmp_path / "var" / "credential-key.json"
    assert key_file.exists() and key_file.stat().st_mode & 0o777 == 0o600
    assert f"Made the development credential signing key: {key_file}" in out.getvalue()
    assert out.getvalue().rstrip().endswith("then check it at /verify/<code>/.")
