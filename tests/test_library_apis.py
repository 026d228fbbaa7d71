"""allauth and Wagtail through their public APIs (issue 18, item 4). Where a library has
none, one short wrapper reaches its internals, with the reason written in it and a test
of its own:

- accounts/mfa.py: setting up an authenticator app from code (tests/accounts/test_mfa.py);
- cms/sites.py hands Wagtail a request's site as ``request._wagtail_site``, the attribute
  Wagtail's public ``Site.find_for_request`` documents (tests/cms/test_sites.py).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = [
    "accounts", "audit", "backups", "bench", "certificates", "cms", "competencies", "config",
    "consultation", "core", "courses", "demo", "jobs", "notifications",
]
LIBRARY_INTERNALS = [
    # allauth: anything under an ``internal`` package, and its private helpers.
    (re.compile(r"allauth(\.\w+)*\.internal\b"), {"accounts/mfa.py"}),
    (re.compile(r"_get_login_attempts_cache_key"), set()),
    # Wagtail's private names.
    (re.compile(r"\b_find_for_request\b|\b_get_raw_host\b"), set()),
    (re.compile(r"\._wagtail_site\b"), {"cms/sites.py"}),
    # Pages are routed by Wagtail's own Page.route (cms/routing.py is gone, issue 18
    # item 6): nothing sets the parent Wagtail's walk leaves on a page.
    (re.compile(r"\b_cached_parent_obj\b"), set()),
    # Replacing a library's function at start-up instead of using a hook.
    (re.compile(r"\b(wagtail|allauth)(\.\w+)*\.\w+\s*=[^=]|\bauth\.permission_denied\s*=[^=]"),
     set()),
]


def test_library_internals_are_reached_only_by_their_one_wrapper():
    offenders = []
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            name = str(path.relative_to(ROOT))
            text = path.read_text()
            for pattern, allowed in LIBRARY_INTERNALS:
                if name not in allowed and pattern.search(text):
                    offenders.append(f"{name}: {pattern.pattern}")
    assert offenders == []
