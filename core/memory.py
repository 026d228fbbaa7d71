"""Python's cyclic garbage collector, tuned for what this site does — the one place
where the site tunes it (domain code runs with the collector as this leaves it).

The collector runs whenever allocations outnumber deallocations by a threshold, and
every so often walks every tracked object the process holds. Two things make that
costly here, and each web and task worker sets both right once the application has
loaded (``tune_collector``):

- a long-lived process holds the few hundred thousand objects of Django, Wagtail and
  their imports, which every full collection walks again: they are frozen, out of every
  later walk;
- the set forms build tens of thousands of small records at a time (eligibility for the
  whole program: 46,000 outcome records, 2,000 reports), none of them in a cycle. With
  Python's youngest-generation threshold of 700 that call ran 836 young, 76 middle and
  6 full collections, a quarter of its CPU time (0.95 s against 0.72 s, measured in
  the benchmark's database, docs/benchmarks.md); at 10,000 it runs about 50, 5 and none.
  Memory is unchanged in kind: garbage in a cycle is still collected, a little later.
"""

import gc

# Allocations (less deallocations) of tracked objects before the youngest generation is
# collected; Python's default is 700. The older generations keep Python's defaults.
YOUNG_THRESHOLD = 10_000


def tune_collector() -> None:
    """Freeze everything loaded so far (modules, classes, settings, URL patterns,
    templates compiled at startup: it lives as long as the process) and raise the
    youngest generation's threshold. Called once the application has loaded, in each
    web and task worker, and by the benchmark's batch phases, which stand in for one."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, oldest)
