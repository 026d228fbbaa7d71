"""One way to e-mail a person: :func:`notify`.

Every message is a set of templates under ``templates/email/``: ``<name>_subject.txt``
(one line; the site's prefix is added here), ``<name>.txt`` (the body) and, where links
or layout help, ``<name>.html`` (sent as the HTML alternative). The message is rendered
now and recorded as a sealed ``send_email`` job in the caller's transaction, so it goes
out once that transaction commits and never if it rolls back.
"""

import datetime
import decimal
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from jobs.services import enqueue

# What a context may hold. The rendered text is what gets sealed and sent; a model
# instance would let a template reach fields (consultation notes, say) the caller never
# meant to put in an e-mail, so callers pass the few values a message shows.
_PLAIN = (str, int, float, decimal.Decimal, bool, datetime.date, datetime.time, type(None))


def _check_plain(value, path: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_plain(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]")
        return
    raise TypeError(
        f"notify() context {path} is a {type(value).__name__}; pass plain values "
        "(strings, numbers, dates, and lists or dicts of them)."
    )


def render(template: str, context: Mapping) -> tuple[str, str, str]:
    """``(subject, text, html)`` of the message ``template`` (html is "" when the
    message has no HTML template). Raises ``TemplateDoesNotExist`` for a missing
    subject or text template."""
    for key, value in context.items():
        _check_plain(value, key)
    subject = render_to_string(f"email/{template}_subject.txt", context)
    # One line, whatever the template's trailing newline: a header cannot carry more.
    subject = settings.EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    # Blank lines around the template's tags are layout, not message: one final newline.
    text = render_to_string(f"email/{template}.txt", context).strip("\n") + "\n"
    try:
        html = render_to_string(f"email/{template}.html", context)
    except TemplateDoesNotExist:
        html = ""
    return subject, text, html


def notify(to: str | Iterable[str], template: str, context: Mapping) -> None:
    """E-mail ``to`` (an address or several, on one message) the message ``template``
    rendered with ``context``, once the current transaction commits. No address, no
    message."""
    recipients = [to] if isinstance(to, str) else list(to)
    # Rendered even for nobody, so a broken template or context fails where it is used.
    subject, text, html = render(template, context)
    if not recipients:
        return
    enqueue("notifications.tasks.send_email", to=recipients, subject=subject, body=text, html=html)
