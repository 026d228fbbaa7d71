"""Long lists shown a page at a time, in a fixed number of queries.

A work queue is read oldest first, and what is decided leaves it: the page says whether
more follow by reading one row beyond it, so no COUNT runs and the query count does not
depend on how long the queue has grown.
"""

from dataclasses import dataclass

from django.http import QueryDict

from core.forms import posted_int

MAX_PAGE = 10_000


@dataclass(frozen=True)
class Window:
    rows: list
    number: int
    per_page: int
    has_next: bool
    param: str
    query: QueryDict  # the request's query string, for links that keep the other lists

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def _link(self, number: int) -> str:
        query = self.query.copy()
        query[self.param] = str(number)
        return f"?{query.urlencode()}"

    @property
    def next_link(self) -> str:
        return self._link(self.number + 1)

    @property
    def previous_link(self) -> str:
        return self._link(self.number - 1)


def window(queryset, request, *, param: str, per_page: int) -> Window:
    """The page of ``queryset`` named by ``?<param>=N`` (the first one when absent or
    not a page number), in one query."""
    # Bounded: an absurd page number must not overflow the database's OFFSET.
    number = min(max(posted_int(request.GET, param, 1) or 1, 1), MAX_PAGE)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Window(rows[:per_page], number, per_page, len(rows) > per_page, param, request.GET)
