"""1EdTech's Open Badges 3.0 ``AchievementCredential`` JSON Schema (draft 2019-09),
bundled in ``schemas/`` (origin and licence in ``schemas/SOURCES.md``).

Formats are checked by this module, not by whichever optional format packages happen to
be installed (jsonschema skips a format it has no checker for), so every machine checks
the same: ``date-time`` as RFC 3339 with a time zone, ``date`` as a full date.
"""

import datetime
import functools
import json
import re
from pathlib import Path

from jsonschema import Draft201909Validator, FormatChecker

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "ob_v3p0_achievementcredential.json"
OB3_TYPES = {"OpenBadgeCredential", "AchievementCredential"}

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_formats = FormatChecker(formats=())


@_formats.checks("date-time")
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True  # formats constrain strings only
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@_formats.checks("date")
def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True
    try:
        return bool(_DATE.match(value)) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


@functools.cache
def _validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, format_checker=_formats)


def is_open_badge(document) -> bool:
    types = document.get("type") if isinstance(document, dict) else None
    types = types if isinstance(types, list) else [types]
    return bool(OB3_TYPES.intersection(t for t in types if isinstance(t, str)))


def ob3_violations(document) -> list[str]:
    """Where ``document`` breaks the OB 3.0 AchievementCredential schema, one sentence
    per violation (path: message), deepest first; empty when it validates."""
    errors = sorted(_validator().iter_errors(document),
                    key=lambda error: (-len(error.path), str(list(error.path))))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {_explain(error)}"
            for error in errors]


def _explain(error) -> str:
    # jsonschema's messages begin with the offending value, which may be a whole object.
    if error.validator == "type":
        return f"must be of type {error.validator_value}, not {type(error.instance).__name__}"
    return _short(error.message)


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[:limit - 1] + "…"
