"""``notify(to, template, context)``: the one way Kapstone e-mails a person (issue 18).

It renders ``templates/email/<name>_subject.txt``, ``<name>.txt`` and, if there is one,
``<name>.html``; the message is recorded as a sealed job in the caller's transaction and
sent only once that commits."""

import ast
import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from factories.accounts import UserFactory
from jobs.models import Job
from notifications.kinds import KIND_OF_TEMPLATE
from notifications.services import notify, render
from notifications.tasks import send_email

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EMAIL_TEMPLATES = ROOT / "templates" / "email"

REVOKED = {
    "serial": "KAP-2026-00007", "program": "Certificate in Care & 'Practice'",
    "revoked_on": datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC),
    "reason": "Issued in error: <b>name</b> & licence",
    "verify_url": "https://kapstone.test/verify/abc/",
    "certificates_url": "https://kapstone.test/certificates/",
}


def _project_modules():
    """Every Python file of the project's own code (apps, config, bench), not tests or
    migrations."""
    for top in sorted(ROOT.iterdir()):
        if not top.is_dir() or top.name in {"tests", "node_modules"} or top.name.startswith("."):
            continue
        for path in sorted(top.rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def test_renders_subject_text_and_html_with_the_prefix_once():
    subject, text, html = render("certificate_revoked", REVOKED)
    assert subject == "[Kapstone] Your certificate KAP-2026-00007 was revoked"
    assert subject.count(settings.EMAIL_SUBJECT_PREFIX.strip()) == 1
    # Text is text: nothing HTML-escaped, one final newline.
    assert text.startswith("Your certificate KAP-2026-00007 for the Certificate in Care & 'Practice' "
                           "was revoked on 04 March 2026.\n\nReason: Issued in error: <b>name</b> & licence\n")
    assert text.endswith("questions: https://kapstone.test/certificates/\n")
    assert not text.endswith("\n\n")
    # HTML escapes what it shows and links what it names.
    assert "Issued in error: &lt;b&gt;name&lt;/b&gt; &amp; licence" in html and "<b>name" not in html
    assert '<a href="https://kapstone.test/verify/abc/"' in html
    assert '<html lang="en">' in html


def test_a_message_without_an_html_template_is_text_only():
    subject, text, html = render("application_declined", {"cohort": "KAP — Spring", "reason": "Full."})
    assert subject == "[Kapstone] Your application to KAP — Spring"
    assert "Reason: Full." in text and html == ""


def test_a_subject_is_one_line_whatever_the_values():
    subject, _, _ = render("application_approved", {"cohort": "Spring\r\nBcc: someone@else.test"})
    assert "\n" not in subject and "\r" not in subject
    assert subject == "[Kapstone] Welcome to Spring Bcc: someone@else.test"


def test_sent_after_commit_as_a_sealed_job(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify("trainee@kapstone.test", "certificate_revoked", REVOKED)
        assert mail.outbox == []  # recorded, not sent, while the transaction is open
        job = Job.objects.get(name=send_email.job_name)
        assert job.kwargs == {} and job.sealed  # the rendered message waits encrypted
        assert "licence" not in job.sealed
    [message] = mail.outbox
    assert message.to == ["trainee@kapstone.test"]
    assert message.subject == "[Kapstone] Your certificate KAP-2026-00007 was revoked"
    assert "Reason: Issued in error: <b>name</b> & licence" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html" and "&lt;b&gt;name" in html


def test_several_recipients_share_one_message_and_none_means_no_message(
    django_capture_on_commit_callbacks
):
    context = {"trainee": "Ann", "outcome_code": "C1", "outcome_statement": "Sets up the room."}
    with django_capture_on_commit_callbacks(execute=True):
        notify(["a@kapstone.test", "b@kapstone.test"], "signoff_requested", context)
        notify([], "signoff_requested", context)
    [message] = mail.outbox
    assert message.to == ["a@kapstone.test", "b@kapstone.test"]
    assert message.alternatives == []
    assert Job.objects.count() == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            notify("trainee@kapstone.test", "certificate_revoked", REVOKED)
            raise RuntimeError("the change that caused the message failed")
        notify("other@kapstone.test", "application_approved", {"cohort": "Spring"})
    assert [m.to for m in mail.outbox] == [["other@kapstone.test"]]
    assert Job.objects.count() == 1


@pytest.mark.parametrize("value", [
    "a model instance", "in a list", "in a dict", "an object",
])
def test_context_values_must_be_plain_data(value, django_capture_on_commit_callbacks):
    person = UserFactory(email="trainee@kapstone.test")
    bad = {
        "a model instance": person,
        "in a list": ["fine", person],
        "in a dict": {"who": person},
        "an object": object(),
    }[value]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(TypeError, match="plain values"):
            notify("trainee@kapstone.test", "application_approved", {"cohort": bad})
    assert not mail.outbox and not Job.objects.exists()


@pytest.mark.parametrize("to", ["someone@kapstone.test", []])
def test_a_missing_template_fails_loudly(to):
    with pytest.raises(TemplateDoesNotExist):
        notify(to, "no_such_message", {})
    assert not Job.objects.exists()


def _template_names_in_code() -> dict[str, list[str]]:
    """Every ``notify(...)`` call in the project's code: template name -> where. A call
    whose template is not a string literal is reported as such, so none escapes this."""
    names: dict[str, list[str]] = {}
    for path in _project_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if called != "notify":
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            template = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "template"), None)
            if isinstance(template, ast.Constant) and isinstance(template.value, str):
                names.setdefault(template.value, []).append(where)
            else:
                names.setdefault(f"<not a literal at {where}>", []).append(where)
    return names


def test_every_message_named_in_code_has_its_templates():
    names = _template_names_in_code()
    assert len(names) >= 14, sorted(names)  # consultation 6, sign-off 3, admission 2, certificate 3
    missing = []
    for name, where in sorted(names.items()):
        for suffix in ("_subject.txt", ".txt"):
            try:
                get_template(f"email/{name}{suffix}")
            except TemplateDoesNotExist:
                missing.append(f"email/{name}{suffix} (used at {', '.join(where)})")
    assert not missing, "Missing e-mail templates:\n" + "\n".join(missing)
    # And no template is left behind by a message that is no longer sent.
    on_disk = {p.name.removesuffix(".html").removesuffix(".txt").removesuffix("_subject")
               for p in EMAIL_TEMPLATES.iterdir()} - {"base"}
    # The daily digest is rendered by notifications.services.digests_send itself, and the
    # record-ready message is in KIND_OF_TEMPLATE like every message notify() sends.
    assert on_disk == set(names) | {"notification_digest"}
    # Every message has a kind, so each person's e-mail preference applies to it.
    assert set(names) <= set(KIND_OF_TEMPLATE)


def test_text_templates_are_not_html_escaped():
    """Subjects and text bodies are plain text: a name like O'Brien & Co must arrive as
    written, so every text template turns autoescaping off around all it says."""
    texts = sorted(EMAIL_TEMPLATES.glob("*.txt"))
    assert len(texts) >= 28
    wrong = [p.name for p in texts
             if not (p.read_text().startswith("{% autoescape off %}")
                     and p.read_text().rstrip().endswith("{% endautoescape %}"))]
    assert not wrong, wrong


def test_no_module_builds_an_email_itself():
    """The per-app ``_notify`` helpers and their f-string bodies are gone: only the
    notifications app builds and sends messages (and allauth's adapter hands its own,
    rendered from allauth's templates, to the same job)."""
    offences = []
    for path in _project_modules():
        source = path.read_text()
        name = str(path.relative_to(ROOT))
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "_notify":
                offences.append(f"{name}:{node.lineno} defines _notify")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("django.core.mail") \
                    and not name.startswith("notifications/"):
                offences.append(f"{name}:{node.lineno} imports django.core.mail")
            if isinstance(node, ast.ImportFrom) and node.module == "notifications.tasks" \
                    and name != "accounts/adapters.py":
                offences.append(f"{name}:{node.lineno} enqueues send_email itself")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "[Kapstone]" in node.value and not name.startswith("config/settings/"):
                offences.append(f"{name}:{node.lineno} writes a subject prefix")
            if isinstance(node, ast.JoinedStr):
                literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if "[Kapstone]" in literal:
                    offences.append(f"{name}:{node.lineno} builds a subject in an f-string")
    assert not offences, "\n".join(offences)
