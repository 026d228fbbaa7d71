"""Enumerate every URL pattern Django can resolve and turn each into a concrete URL.

Used by the access-policy test (and by later issues' tests that need the same walk).
"""

import re
import uuid
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_CONVERTER_SAMPLES = {
    "int": "1",
    "slug": "sample",
    "str": "sample",
    "path": "sample/path",
    "uuid": str(uuid.UUID(int=1)),
}
_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?(?P<body>(?:[^()]|\([^()]*\))*)\)")


@dataclass(frozen=True)
class Route:
    url: str
    name: str
    has_args: bool
    kwargs_names: tuple[str, ...]


def _sample_group(match: re.Match, overrides: dict[str, str]) -> str:
    name, body = match.group("name"), match.group("body")
    if name and name in overrides:
        return overrides[name]
    if body.endswith("*"):
        return ""
    if "\\d" in body or name in {"pk", "id"}:
        return "1"
    if "|" in body and "\\" not in body:
        return body.split("|")[0]
    return "sample"


def _regex_to_url(regex: str, overrides: dict[str, str]) -> str:
    text = regex.lstrip("^").rstrip("$")
    text = _GROUP.sub(lambda m: _sample_group(m, overrides), text)
    text = text.replace(".*", "").replace("\\.", ".").replace("\\-", "-")
    return text


def _piece(pattern, overrides: dict[str, str]) -> tuple[str, bool, list[str]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        names = [m.group("name") for m in _ROUTE_PARAM.finditer(route)]

        def sub(m):
            if m.group("name") in overrides:
                return overrides[m.group("name")]
            if m.group("name") in {"pk", "id"} or m.group("name").endswith("_id"):
                return "1"
            return _CONVERTER_SAMPLES.get(m.group("converter") or "str", "sample")

        return _ROUTE_PARAM.sub(sub, route), bool(names), names
    if isinstance(pattern, RegexPattern):
        regex = pattern.regex.pattern
        has_args = bool(pattern.regex.groups)
        return _regex_to_url(regex, overrides), has_args, list(pattern.regex.groupindex)
    raise TypeError(pattern)


def walk_routes(overrides: dict[str, dict[str, str]] | None = None) -> list[Route]:
    """Every URL pattern as a concrete URL. ``overrides`` maps a URL name to sample
    values for its parameters (real object ids for our own views)."""
    overrides = overrides or {}
    routes: list[Route] = []

    def walk(resolver, prefix: str, namespace: str, prefix_args: bool, names: list[str]):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                piece, has_args, kw = _piece(pattern.pattern, {})
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}{pattern.namespace}:"
                walk(pattern, prefix + piece, ns, prefix_args or has_args, names + kw)
            elif isinstance(pattern, URLPattern):
                full_name = f"{namespace}{pattern.name}" if pattern.name else ""
                piece, has_args, kw = _piece(pattern.pattern, overrides.get(full_name, {}))
                routes.append(
                    Route(
                        url="/" + prefix + piece,
                        name=full_name or f"<unnamed {prefix}{pattern.pattern}>",
                        has_args=prefix_args or has_args,
                        kwargs_names=tuple(names + kw),
                    )
                )

    walk(get_resolver(), "", "", False, [])
    return routes
