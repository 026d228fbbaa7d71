"""Serving a page in one query for the whole URL path, not two per level.

Wagtail's ``Page.route`` walks the tree one level at a time: the child with the next
slug, then its specific page (``.specific``), for every segment of the path. A lesson
four levels down cost eight queries before its view ran. Every page below the home page
has a ``url_path`` (Wagtail keeps it in step on save and move), so the pages along the
path are those whose ``url_path`` is one of the path's prefixes: one query, which also
joins each page type's own table so that no ``.specific`` query follows.

The answer is Wagtail's own: the last page if it is live, else a 404. A page type that
routes itself (``route`` overridden) is handed the rest of the path as Wagtail would;
anything unexpected (a missing segment, a page of a type not joined) falls back to
Wagtail's walk, which decides.
"""

from functools import cache

from django.http import Http404
from wagtail.models import Page, get_page_models
from wagtail.url_routing import RouteResult


@cache
def _page_tables() -> dict[type, str]:
    """Each page type inheriting from Page directly, with the name that joins its table."""
    tables = {}
    for model in get_page_models():
        link = model._meta.parents.get(Page)
        if model is not Page and link is not None and not model._meta.proxy:
            tables[model] = link.related_query_name()
    return tables


def _specific(row: Page) -> Page | None:
    """The row as its own page type, from the joined table (None: not joined)."""
    model = row.specific_class
    name = _page_tables().get(model)
    if name is None:
        return None
    return getattr(row, name, None)


def route_below(home: Page, request, path_components: list[str]) -> RouteResult:
    """Route ``path_components`` below ``home`` like ``Page.route`` does, in one query.

    The pages passed on the way are kept on the page served (``routed_ancestors``,
    from ``home`` down), which spares the queries that would look them up again.
    """
    if not path_components:
        return Page.route(home, request, path_components)
    prefixes, url_path = [], home.url_path
    for slug in path_components:
        url_path += f"{slug}/"
        prefixes.append(url_path)
    rows = list(
        Page.objects.filter(url_path__in=prefixes, path__startswith=home.path, depth__gt=home.depth)
        .select_related(*_page_tables().values())
        .order_by("depth")
    )
    chain = [home]
    for depth, row in enumerate(rows, start=home.depth + 1):
        page = _specific(row)
        parent = chain[-1]
        if page is None or row.depth != depth or not row.path.startswith(parent.path):
            return Page.route(home, request, path_components)  # Wagtail's walk decides
        page._cached_parent_obj = parent  # as Wagtail's walk does: get_parent() is free
        chain.append(page)
        if type(page).route is not Page.route:  # routes itself: hand it the rest
            page.routed_ancestors = chain[:-1]
            return page.route(request, path_components[depth - home.depth :])
    if len(chain) != len(path_components) + 1:
        return Page.route(home, request, path_components)
    page = chain[-1]
    if not page.live:
        raise Http404
    page.routed_ancestors = chain[:-1]
    return RouteResult(page)


class RoutedPageMixin:
    """Page types served through ``route_below``: the view-restriction check reads the
    pages passed on the way instead of querying the ancestors again."""

    routed_ancestors: list[Page] | None = None

    def get_view_restrictions(self):
        from wagtail.models import PageViewRestriction

        ancestors = self.routed_ancestors
        # An alias takes its source's restrictions: Wagtail's own lookup resolves those.
        # Above a home page at depth 2 there is only the tree's root, never an alias.
        if (not ancestors or ancestors[0].depth > 2
                or any(page.alias_of_id for page in (*ancestors, self))):
            return super().get_view_restrictions()
        step = self.steplen
        paths = [self.path[:end] for end in range(step, len(self.path) + 1, step)]
        return PageViewRestriction.objects.filter(page__path__in=paths)
