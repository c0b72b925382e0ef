import pytest
from django.db import OperationalError

from weaver.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.services
@pytest.mark.django_db
def test_readyz_is_ok_when_postgresql_and_redis_answer(client, real_broker):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client, real_broker, monkeypatch):
    for key in ("broker_url", "broker_write_url"):
        monkeypatch.setattr(celery_app.conf, key, "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert "Error" in body["checks"]["broker"]


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("weaver.health.connection.cursor", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
    assert "connection refused" in response.json()["checks"]["database"]


@pytest.mark.django_db
def test_probes_answer_a_container_check_that_production_settings_would_refuse(client, settings):
    settings.ALLOWED_HOSTS = ["weaver.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    # The container's healthcheck calls http://127.0.0.1:8000/healthz: wrong host, plain HTTP.
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="127.0.0.1:8000").status_code == 200
    assert client.get("/networks/", HTTP_HOST="127.0.0.1:8000").status_code == 400
    assert client.get("/networks/", HTTP_HOST="weaver.example.org").status_code == 301
