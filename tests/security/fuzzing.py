"""Hypothesis strategies for what an attacker or a careless user types into a form,
and the checks every submission must pass."""

import hashlib
import json

from django.apps import apps
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import BaseForm
from hypothesis import strategies as st

from html_forms import Field, Form

MISSING = object()

NASTY = [
    "", " ", "\x00", "a\x00b", "\t\r\n", "\x1b[31m", "\ufeff", "\u202e\u0644\u0627", "💥" * 50,
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR '1'='1' --",
    '=HYPERLINK("http://x.invalid","go")', "@SUM(1+1)", "+1", "-1", "0", "-0", "1e309", "NaN",
    "inf", "9" * 40, "-" + "9" * 30, "1.5", "0x10", "١٢٣", "2026-02-30", "0000-00-00",
    "9999-12-31", "10000-01-01", "24:61", "../../etc/passwd", "/\\evil.invalid", "//evil.invalid",
    "http://evil.invalid", "%00", "null", "true", "[]", "{}", "{{ 7*7 }}", "${7*7}",
]
# Digits that are not ASCII digits, full-width forms and combining marks (issue 17,
# finding 9): "²".isdigit() is true and int("²") raises; int() reads "١" and "５" as 1
# and 5; a combining accent after a digit is still "a digit" to some checks.
UNICODE_DIGITS = [
    "²", "³", "¹", "١", "٣٤", "۵", "५", "৭", "５", "１２３", "①", "Ⅻ", "\U0001d7d9", "1\u0301",
    "\u0301", "e\u0301", "Ａ", "＜script＞", "１e３", "－１", "9\u20e3",
]
STRANGE_TEXT = st.one_of(
    st.sampled_from(UNICODE_DIGITS),
    # any kind of digit or number character, alone or in a run
    st.text(st.characters(categories=("Nd", "No", "Nl")), min_size=1, max_size=6),
    # full-width ASCII
    st.text(st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E), min_size=1, max_size=8),
    # a digit, letter or nothing followed by combining marks
    st.builds(lambda base, marks: base + marks, st.sampled_from(["1", "7", "a", "C", ""]),
              st.text(st.characters(categories=("Mn", "Me")), min_size=1, max_size=3)),
)
NASTY += UNICODE_DIGITS

# Longer than any max_length. (A body beyond Django's 2.5 MB limit is one explicit
# example per form: see ``too_big``.)
HUGE = st.sampled_from([121, 2_001, 20_001, 100_001]).map(lambda n: "x" * n)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
JSON_TEXT = json_values.map(json.dumps) | st.sampled_from([
    '{"@context": [], "type": ["VerifiableCredential"], "proof": {"proofValue": 1}}',
    '{"credentialSubject": {"id": null}, "issuer": 5}', "[" * 5000 + "]" * 5000, '{"a":' * 2000,
])

TEXT = st.one_of(
    st.sampled_from(NASTY),
    STRANGE_TEXT,
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x1F), max_size=8),  # control characters, NUL
    st.integers(-(2**80), 2**80).map(str),
    st.floats().map(str),
    st.dates().map(str),
    JSON_TEXT,
    HUGE,
)

_FILE_NAMES = [
    "evidence.pdf", "notes.txt", "photo.png", "scan.JPG", "thesis.docx", "framework.json",
    "framework.csv", "page.html", "image.svg", "shell.php", "noext", ".pdf", "a" * 300 + ".pdf",
    "évidence ü.pdf", "tab\tname.txt", "crlf\r\nname.txt", "nul\x00.pdf", "..pdf",
]
_FILE_BODIES = [
    b"", b"%PDF-1.4 not really", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff\xe0junk",
    b"PK\x03\x04junk", b"<script>alert(1)</script>", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"\xff\xfe\x00\x00", '{"CFDocument": {}, "CFItems": [{}]}'.encode(), b"ID,shortname\n=1+1,x\n",
    json.dumps({"type": ["VerifiableCredential"], "proof": {}}).encode(),
]
UPLOADS = st.builds(
    lambda name, body: SimpleUploadedFile(name, body),
    st.sampled_from(_FILE_NAMES) | st.text(max_size=20).map(lambda t: t.replace("/", "") + ".pdf"),
    st.sampled_from(_FILE_BODIES) | st.binary(max_size=300),
)

# Fields no form offers but a hostile client may add: protected columns and ids.
EXTRA_NAMES = [
    "confirmed", "status", "trainer", "trainee", "issued_by", "minutes", "enrolment", "pk", "id",
    "revision", "next", "action", "step", "version", "decided_by", "is_staff", "is_superuser",
]


def _field_values(field: Field):
    if field.kind == "file":
        return st.one_of(st.just(MISSING), UPLOADS)
    choices = [st.just(MISSING), TEXT, st.lists(TEXT, min_size=2, max_size=3)]
    if field.values:
        choices.append(st.sampled_from(field.values))
        if field.multiple:
            choices.append(st.lists(st.sampled_from(field.values), max_size=len(field.values)))
    return st.one_of(*choices)


def submissions(form: Form):
    """A dict of field → value(s) for one hostile submission of ``form``."""
    fields = {name: f for name, f in form.fields.items() if name != "csrfmiddlewaretoken"}
    return st.builds(
        _merge,
        st.fixed_dictionaries({name: _field_values(f) for name, f in fields.items()}),
        st.dictionaries(st.sampled_from(EXTRA_NAMES), TEXT, max_size=2),
    )


def too_big(form: Form) -> dict:
    """Every field the browser sends, plus one of 2.7 MB: over DATA_UPLOAD_MAX_MEMORY_SIZE."""
    return {**form.valid_data(), "padding": "x" * 2_700_000}


def _merge(values: dict, extra: dict) -> dict:
    data = {k: v for k, v in extra.items()}
    data.update({k: v for k, v in values.items() if v is not MISSING})
    return data


def describe(data: dict) -> str:
    def short(v):
        if isinstance(v, SimpleUploadedFile):
            return f"<file {v.name!r} {v.size} B>"
        r = repr(v)
        return r if len(r) < 60 else r[:57] + "…"

    return "{" + ", ".join(f"{k}: {short(v)}" for k, v in data.items()) + "}"


# --- What a rejected submission must leave untouched ------------------------------

# Writes a refusal is expected to make: the audit trail of the refusal itself.
REFUSAL_VERBS = {"access.refused", "import.failed", "login.failure_burst"}
_APPS = ("accounts", "audit", "certificates", "competencies", "consultation", "courses", "jobs")
_VOLATILE = {"last_login"}


def fingerprint() -> dict[str, str]:
    """A digest of every row of every table of the project's apps (refusals excluded).

    Raw SQL: the ORM's cost, paid twice for each of thousands of submissions, would
    dominate the run."""
    digests = {}
    with connection.cursor() as cursor:
        for app in _APPS:
            for model in apps.get_app_config(app).get_models():
                columns = [f.column for f in model._meta.concrete_fields if f.attname not in _VOLATILE]
                sql = "SELECT {} FROM {} ORDER BY {}".format(
                    ", ".join(connection.ops.quote_name(c) for c in columns),
                    connection.ops.quote_name(model._meta.db_table),
                    connection.ops.quote_name(model._meta.pk.column),
                )
                if model._meta.label == "audit.AuditEvent":
                    sql = sql.replace(" ORDER BY", " WHERE verb NOT IN ({}) ORDER BY".format(
                        ", ".join("%s" for _ in REFUSAL_VERBS)))
                    cursor.execute(sql, sorted(REFUSAL_VERBS))
                else:
                    cursor.execute(sql)
                digests[model._meta.label] = hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()
    return digests


def changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after.get(label))


def was_rejected(response) -> bool:
    """The user was told no: an error status, an error message, or a form with errors."""
    if response.status_code >= 400:
        return True
    # Only the messages this answer added: earlier ones wait in the cookie, unread.
    added = getattr(get_messages(response.wsgi_request), "_queued_messages", [])
    if any(m.level >= messages.ERROR for m in added):
        return True
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        if context is None:
            continue
        for value in context.flatten().values():
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
    return False
