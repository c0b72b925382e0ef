"""The OpenAPI schema is valid, warning-free, served at /api/schema/, and the docs work offline."""

import re

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from weaver.lib.api import schema_list_index_attrs


def test_the_schema_generates_with_no_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning or error into a failure of this command.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/networks/{network_slug}/members/{id}/archive/" in text
    assert "/api/v1/networks/{network_slug}/relationships/{id}/end/" in text


@pytest.mark.django_db
def test_the_schema_is_served_without_logging_in(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    members = schema["paths"]["/api/v1/networks/{network_slug}/members/"]["get"]
    assert {p["name"] for p in members["parameters"]} >= {"q", "kind", "community", "tag", "archived", "page"}


@pytest.mark.django_db
def test_the_interactive_docs_load_nothing_from_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com"):
        assert cdn not in html


def test_documented_error_attributes_of_list_items_match_their_real_positions():
    component = {"properties": {"attr": {"type": "string", "enum": ["criteria.INDEX.name"]}}}
    untouched = {"properties": {"attr": {"type": "string", "enum": ["name"]}}}
    result = {"components": {"schemas": {"A": component, "B": untouched}}}
    schema_list_index_attrs(result, None, None, True)
    pattern = component["properties"]["attr"]["pattern"]
    assert re.match(pattern, "criteria.0.name")
    assert re.match(pattern, "criteria.12.name")
    assert not re.match(pattern, "criteria.x.name")
    assert untouched["properties"]["attr"]["enum"] == ["name"]


def test_optional_query_choices_are_documented_as_taking_an_empty_value_as_they_do():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    suggestions = schema["paths"]["/api/v1/networks/{network_slug}/suggestions/"]["get"]
    [kind] = [p for p in suggestions["parameters"] if p["name"] == "kind"]
    assert "" in kind["schema"]["enum"] and "minLength" not in kind["schema"]
