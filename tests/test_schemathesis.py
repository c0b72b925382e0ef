"""Property-based API testing: every operation of /api/schema/, against the live test server, as alice.

The operations are collected from the schema the app generates (the document /api/schema/ serves,
which a test below checks), so operations added later are covered without touching this file.
Schemathesis's lazy fixture loader does not run under pytest 9, hence the collection-time schema.
Each operation gets a few generated requests (positive and negative) sent over HTTP to
pytest-django's live server; any 5xx or any response that breaks the schema fails the test.
"""

import re

import pytest
import requests
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import positive_data_acceptance

from networks import snapshots
from networks.models import Snapshot
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
MAX_EXAMPLES = 5


@pytest.fixture
def world(network, alice):
    """A small network for the generated requests to land in."""
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    people = [MemberFactory(network=network, name=name) for name in ("Ana", "Ben", "Chen", "Dee")]
    people[0].organisations.add(clinic)
    people[0].tags.create(network=network, name="diabetes")
    ties = [
        RelationshipFactory(network=network, source=people[0], target=people[1]),
        RelationshipFactory(network=network, source=people[1], target=clinic, kind="works with"),
        RelationshipFactory(network=network, source=people[1], target=people[2]),
    ]
    # A done snapshot, so metrics/, metrics/members/ and suggestions/ answer 200 and are checked too.
    snapshot = snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)
    assert snapshot.status == Snapshot.Status.DONE and snapshot.suggestions
    return {
        "slug": network.slug,
        "ids": [clinic.pk, *(p.pk for p in people), *(t.pk for t in ties), snapshot.pk],
        "token": Token.objects.create(user=alice).key,
    }


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


try:
    SCHEMA_ERROR = None
    schema = schemathesis.openapi.from_dict(generated_schema())
except Exception as exc:  # a broken schema must fail a test here, not abort the whole run's collection
    SCHEMA_ERROR = exc
    schema = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "-", "version": "-"}, "paths": {}}
    )


def test_the_schema_can_be_generated():
    assert SCHEMA_ERROR is None, f"{type(SCHEMA_ERROR).__name__}: {SCHEMA_ERROR}"


@pytest.mark.django_db
def test_the_live_server_serves_the_schema_these_tests_are_built_from(live_server):
    response = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert response.status_code == 200
    assert response.json() == generated_schema()


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema_and_never_fails(case, data, world, live_server):
    # Aim well-formed path parameters at real objects, or nearly every request would be a 404.
    params = case.path_parameters or {}
    for name in ("network_slug", "slug"):
        if isinstance(params.get(name), str) and SLUG.match(params[name]):
            params[name] = world["slug"]
    if isinstance(params.get("id"), int) and not isinstance(params["id"], bool):
        params["id"] = data.draw(st.sampled_from(world["ids"]) | st.integers(min_value=1), label="id")
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Token {world['token']}"},
        # Valid-looking data may still break a business rule (a self-tie, an id from elsewhere):
        # those 400s are right, so only the schema and the absence of 5xx are checked.
        excluded_checks=[positive_data_acceptance],
    )
