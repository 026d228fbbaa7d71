"""The load balancer's two questions: is the process alive, and can it serve?"""

import pytest
from django.db import connection
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"


def test_readyz_checks_the_database_and_the_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.content == b"ready"
    assert "no-cache" in response["Cache-Control"]


def test_readyz_says_what_is_down_and_nothing_more(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError('connection to server at "10.0.0.5", port 5432 failed')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"down: database"  # no host, no error text for the caller
