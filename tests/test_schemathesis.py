"""Property-based API testing: every operation of /api/schema/, every method, with every check on.

The operations are collected from the schema the app generates (the document /api/schema/ serves,
which a test below checks), so operations added later are covered without touching this file. OPTIONS
and HEAD, which the schema leaves out like most schemas do, are added here for every path: HEAD
answers as GET without a body, OPTIONS describes the view (weaver.lib.api.Metadata).

Each generated request goes in-process to the WSGI app, as one of alice (coordinator), bob (member,
applicant, in the cluster), rita (reviewer), charlie (another network's coordinator) or nobody, with
path parameters that are the world's real slug and ids, whatever schemathesis generated, or wild
values (any unicode text, NUL included, huge and negative numbers). Every built-in check runs;
a valid request may still break a business rule or belong to someone else, so positive data may be
answered 400, 401, 403 or 404, never anything else but a 2xx.

WEAVER_SCHEMATHESIS_EXAMPLES sets the examples per operation (default 5, ~2 minutes; use 100 to
shake out rare failures locally).
"""

import copy
import os

import pytest
import requests
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from networks.models import Role
from tests.api_world import api_world
from tests.factories import NetworkFactory, RoleFactory, UserFactory
from tests.weaver.test_api_routes import model_of
from weaver.wsgi import application

MAX_EXAMPLES = int(os.environ.get("WEAVER_SCHEMATHESIS_EXAMPLES", "5"))
PERSONAS = ["alice", "bob", "rita", "charlie", None]
SLUG_PARAMETERS = ("network_slug", "slug")
# Anything a client could put in a path segment: text with NUL, slashes, dots, emoji; huge numbers.
WILD = st.one_of(
    st.text(min_size=1, max_size=24).filter(lambda text: "/" not in text and text.strip(".")),
    st.integers(min_value=2**31, max_value=10**40).map(str),
    st.integers(max_value=0).map(str),
    st.sampled_from(["\x00", "%", "%00", " ", "1.5", "1e3", "0x1F", "é", "🕸", "-", "..."]),
)
OPTIONS_RESPONSE = {
    "description": "What the view is, renders and parses (weaver.lib.api.Metadata).",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["name", "description", "renders", "parses", "schema"],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "renders": {"type": "array", "items": {"type": "string"}},
                    "parses": {"type": "array", "items": {"type": "string"}},
                    "schema": {"type": "string"},
                },
            }
        }
    },
}


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def with_head_and_options(document: dict) -> dict:
    """The schema plus HEAD (GET without a body) and OPTIONS (the view's metadata) on every path."""
    document = copy.deepcopy(document)
    for item in document["paths"].values():
        operations = [
            op for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")
        ]
        path_parameters = {
            p["name"]: p for op in operations for p in op.get("parameters", []) if p["in"] == "path"
        }
        errors = {
            code: response
            for op in operations
            for code, response in op["responses"].items()
            if code[0] in "45"
        }
        if "get" in item:
            head = copy.deepcopy(item["get"])
            head["operationId"] += "_head"
            head["responses"] = {
                code: {"description": r["description"]} for code, r in head["responses"].items()
            }
            item["head"] = head
        item["options"] = {
            "operationId": operations[0]["operationId"] + "_options",
            "parameters": list(path_parameters.values()),
            "security": operations[0].get("security", []),
            "responses": {**errors, "200": OPTIONS_RESPONSE},
        }
    return document


def model_for(path: str):
    """The model whose id a path's {id} is, read from the view the path resolves to."""
    concrete = path.format(network_slug="x", slug="x", id="1", user_id="1")
    match = resolve(concrete)
    return model_of(match.func.cls, match.func.initkwargs)


CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all"},
        # A request valid by the schema may break a business rule (400), come from nobody (401), from
        # someone without the right (403) or aim at what the persona cannot see (404).
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["200", "201", "202", "204", "400", "401", "403", "404"]
            }
        },
    }
)

try:
    SCHEMA_ERROR = None
    schema = schemathesis.openapi.from_dict(with_head_and_options(generated_schema()), config=CONFIG)
    schema.app = application  # requests (checks' probes too) go to the app in-process
except Exception as exc:  # a broken schema must fail a test here, not abort the whole run's collection
    SCHEMA_ERROR = exc
    schema = schemathesis.openapi.from_dict(
        {"openapi": "3.0.3", "info": {"title": "-", "version": "-"}, "paths": {}}
    )


def test_the_schema_can_be_generated():
    assert SCHEMA_ERROR is None, f"{type(SCHEMA_ERROR).__name__}: {SCHEMA_ERROR}"


def test_every_operation_is_tested_with_head_and_options_besides():
    document = with_head_and_options(generated_schema())
    methods = {method for item in document["paths"].values() for method in item}
    assert {"get", "post", "put", "patch", "delete", "head", "options"} <= methods
    assert all("options" in item for item in document["paths"].values())


@pytest.mark.django_db
def test_the_live_server_serves_the_schema_these_tests_are_built_from(live_server):
    response = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert response.status_code == 200
    assert response.json() == generated_schema()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module's tests, committed; each test's changes are rolled back after it."""
    from weaver.celery import app

    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    with django_db_blocker.unblock():
        network = NetworkFactory(name="Healthy Valleys", slug="healthy-valleys")
        personas = {name: UserFactory(username=name) for name in ("alice", "bob", "charlie")}
        RoleFactory(network=network, user=personas["alice"], role=Role.COORDINATOR)
        RoleFactory(network=network, user=personas["bob"], role=Role.MEMBER)
        elsewhere = NetworkFactory(name="Elsewhere", slug="elsewhere")
        RoleFactory(network=elsewhere, user=personas["charlie"], role=Role.COORDINATOR)
        built = api_world(network=network, **personas)
        yield built
        call_command("flush", interactive=False, verbosity=0)
    app.conf.task_always_eager = eager


@pytest.fixture
def app():
    """The WSGI app, in-process on the test's connection (as Django's test client, which keeps it open)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def real_value(world, path: str, name: str):
    if name in SLUG_PARAMETERS:
        return world.network.slug
    return world.id_for(model_for(path))


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema_and_never_fails(case, data, world, db, app):
    # Path parameters: where schemathesis made them invalid on purpose, as it made them; otherwise
    # mostly the world's real ones (or nearly every request would be a 404), else what schemathesis
    # made, else anything at all that stays one path segment (a "/" or ".." would address another
    # route, whose answers the checks would hold against this operation's description).
    params = case.path_parameters or {}
    if not case.meta.is_negative_at(ParameterLocation.PATH):
        for name in list(params):
            choice = data.draw(st.integers(0, 3), label=f"{name} source")
            if choice <= 1:
                params[name] = real_value(world, case.operation.path, name)
            elif choice == 3:
                params[name] = data.draw(WILD, label=name)
    persona = data.draw(st.sampled_from(PERSONAS), label="persona")
    headers = {"Authorization": f"Token {world.tokens[persona]}"} if persona else {}
    case.call_and_validate(headers=headers)
