"""Python's cyclic garbage collector, tuned for what this site does.

The collector runs whenever allocations outnumber deallocations by a threshold, and
every so often walks every tracked object the process holds. Two things here make that
costly: a long-lived process holds the few hundred thousand objects of Django, Wagtail
and their imports, which every full collection walks again. Freezing them once the
application has loaded takes them out of every later walk; domain code runs with the
collector as Python sets it.
"""

import gc


def freeze_startup_objects() -> None:
    """Move everything loaded so far (modules, classes, settings, URL patterns,
    templates compiled at startup) out of the collector's view: it lives as long as the
    process, so walking it on every full collection only costs time. Called once the
    application has loaded, in each web and task worker."""
    gc.collect()
    gc.freeze()
