"""Each process remembers which site a request is for (cms/sites.py): no site query on
every request, and a change to a site or its home page shows on the next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Site

from cms import sites
from cms.models import HomePage

pytestmark = pytest.mark.django_db


def _site_queries(client, path, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    return response, [q["sql"] for q in captured.captured_queries if "wagtailcore_site" in q["sql"]]


def test_the_site_is_found_once_then_remembered(client, curriculum):
    response, first = _site_queries(client, curriculum.url)
    assert response.status_code == 200 and len(first) == 1
    response, again = _site_queries(client, curriculum.url)
    assert response.status_code == 200 and again == []
    assert curriculum.title in response.content.decode()


def test_editing_the_home_page_shows_on_the_next_request(client, curriculum):
    client.get("/")
    home = HomePage.objects.get()
    home.title = "Renamed home"
    home.save_revision().publish()
    assert "Renamed home" in client.get("/").content.decode()


def test_a_changed_site_is_found_afresh(client, curriculum):
    assert client.get(curriculum.url).status_code == 200
    site = Site.objects.get()
    site.hostname, site.is_default_site = "elsewhere.example", False
    site.save()
    # No site answers this host any more: Wagtail serves no page here.
    assert client.get(curriculum.url).status_code == 404
    site.hostname, site.is_default_site = "localhost", True
    site.save()
    assert client.get(curriculum.url).status_code == 200
    Site.objects.all().delete()
    assert client.get(curriculum.url).status_code == 404


def test_with_the_cache_down_the_site_is_found_by_wagtail_each_time(client, curriculum, settings):
    from tests.courses.test_curriculum_cache import _free_port

    client.get(curriculum.url)
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{_free_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }}
    response, queries = _site_queries(client, curriculum.url)
    assert response.status_code == 200 and len(queries) == 1


def test_hosts_this_site_does_not_answer_are_not_remembered(client, curriculum):
    client.get(curriculum.url)
    remembered = set(sites._found)
    response, queries = _site_queries(client, curriculum.url, HTTP_HOST="made-up.example")
    assert response.status_code == 400
    assert set(sites._found) == remembered
    assert queries == []  # refused before anything looks for its site


def test_a_dropped_stamp_means_every_remembered_site_is_found_again(client, curriculum):
    client.get(curriculum.url)
    cache.clear()
    _, queries = _site_queries(client, curriculum.url)
    assert len(queries) == 1
