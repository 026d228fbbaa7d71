"""What courses' pages learn from the apps above them, through Wagtail's hooks.

courses sits below competencies, which keeps each trainee's outcome record. A courses
page that shows a trainee's standing (My trainees) asks through the helper here;
``competencies/wagtail_hooks.py`` registers the answer with ``wagtail.hooks.register``.
As with ``cms.hooks``, the hooks are collected once per process, so asking costs no
query of its own, and with nothing registered the page shows no progress.
"""

from wagtail import hooks

# fn(enrolment_ids: list[int]) -> {enrolment id: progress}: each enrolment's outcomes
# met and consultation hours confirmed, in a fixed number of queries for any number.
TRAINEE_PROGRESS = "kapstone_trainee_progress"


def trainee_progress(enrolment_ids: list[int]) -> dict:
    """Each enrolment's progress as the registered hooks read it (empty: none registered)."""
    progress: dict = {}
    if not enrolment_ids:
        return progress
    for fn in hooks.get_hooks(TRAINEE_PROGRESS):
        progress.update(fn(enrolment_ids))
    return progress
