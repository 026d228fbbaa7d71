"""Python's cyclic garbage collector, tuned for what this site does.

The collector runs whenever allocations outnumber deallocations by a threshold, and
every so often walks every tracked object the process holds. Two things here make that
costly: a long-lived process holds the few hundred thousand objects of Django, Wagtail
and their imports, which every full collection walks again; and the set forms (a whole
cohort's records, eligibility for every enrolment) build tens of thousands of small
objects that are all kept, so collection after collection runs and frees nothing. On
2,000 enrolments the collector took about 40% of eligibility's time.
"""

import gc
from contextlib import contextmanager


@contextmanager
def collector_paused():
    """Build a large, acyclic result without the collector running in between; it
    resumes (if it was running) when the block ends, and catches up at its next turn."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_startup_objects() -> None:
    """Move everything loaded so far (modules, classes, settings, URL patterns,
    templates compiled at startup) out of the collector's view: it lives as long as the
    process, so walking it on every full collection only costs time. Called once the
    application has loaded, in each web and task worker."""
    gc.collect()
    gc.freeze()
