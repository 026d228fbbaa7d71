"""A fingerprint of everything the database holds, to prove a request changed nothing.

Sessions and ``last_login`` change whenever a test signs someone in, and the audit
trail is meant to grow (refusals are recorded), so they are left out; tests that care
about the trail look at the new events themselves. Wagtail's reference index is
rebuilt from other tables (it follows every audit event written), so it is left out too.
"""

import hashlib

from django.apps import apps
from django.db import connection

# Wagtail's reference index is derived data: it follows every audit event written.
_SKIPPED_MODELS = {"sessions.session", "audit.auditevent", "wagtailcore.referenceindex"}
_SKIPPED_FIELDS = {"last_login"}


def db_fingerprint() -> dict[str, str]:
    """Model label → a hash of all its rows."""
    prints = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in _SKIPPED_MODELS or model._meta.proxy or not model._meta.managed:
            continue
        # Raw rows: the stored values, not Python objects whose repr may vary.
        quote = connection.ops.quote_name
        columns = ", ".join(
            quote(f.column) for f in model._meta.local_concrete_fields if f.name not in _SKIPPED_FIELDS
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608 - model metadata
                f"ORDER BY {quote(model._meta.pk.column)}"
            )
            rows = cursor.fetchall()
        prints[label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return prints


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))
