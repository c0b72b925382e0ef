"""Every route under /api/, walked from the URL resolver: OPTIONS and the browsable API never fail."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from tests.api_world import api_world


def api_routes(patterns=None, prefix="", kwargs=()):
    """(URL name, path kwarg names, view class or None) of every named route whose address starts /api/."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        regex = entry.pattern.regex
        here = prefix + str(entry.pattern)
        names = (*kwargs, *regex.groupindex)
        if isinstance(entry, URLResolver):
            yield from api_routes(entry.url_patterns, here, names)
        elif isinstance(entry, URLPattern) and here.startswith("api/") and entry.name:
            callback = entry.callback
            yield entry.name, names, getattr(callback, "cls", None), getattr(callback, "initkwargs", {})


def model_of(view_class, initkwargs):
    """The model a DRF view's queryset is of, read as the schema generator does (no request)."""
    view = view_class(**initkwargs)
    view.swagger_fake_view = True
    view.kwargs, view.request, view.format_kwarg = {}, None, None
    return view.get_queryset().model


def route_paths(world):
    for name, kwarg_names, view_class, initkwargs in api_routes():
        kwargs = {}
        for kwarg in kwarg_names:
            if kwarg in ("network_slug", "slug"):
                kwargs[kwarg] = world.network.slug
            elif kwarg.endswith("_pk"):  # a parent in a nested route, named after its model: round_pk
                kwargs[kwarg] = world.id_for_model_name(kwarg.removesuffix("_pk"))
            else:  # the view's own object, else the model the kwarg is named after (member_id)
                kwargs[kwarg] = world.id_for(model_of(view_class, initkwargs)) or world.id_for_model_name(
                    kwarg.removesuffix("_id")
                )
                assert kwargs[kwarg] is not None, f"{name}: tests/api_world.py has no object for {kwarg}"
        yield reverse(name, kwargs=kwargs)


@pytest.fixture
def world(network, alice, bob, charlie):
    return api_world(network=network, alice=alice, bob=bob, charlie=charlie)


def test_the_walk_finds_the_api_routes_of_every_app():
    names = {name for name, *_ in api_routes()}
    assert {"api-network-list", "api-member-detail", "api-metrics-recompute", "api-suggestion-list"} <= names
    assert {"api-round-ranking", "api-proposal-submit", "api-cluster-detail", "api-lesson-list"} <= names
    assert {"api-schema", "api-docs"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_options_on_every_api_route_answers_json_and_never_fails(world, persona):
    client = Client(HTTP_AUTHORIZATION=f"Token {world.tokens[persona]}")
    paths = list(route_paths(world))
    assert len(paths) > 60
    for path in paths:
        response = client.options(path)
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        if path.startswith("/api/v1/"):
            assert response["Content-Type"] == "application/json", path


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_the_browsable_api_renders_every_api_route_without_failing(world, persona):
    client = Client()
    client.force_login(world_user(world, persona))
    for path in route_paths(world):
        response = client.get(path, HTTP_ACCEPT="text/html")
        if path == reverse("api-schema"):
            assert response.status_code == 406  # the schema is YAML or JSON, never HTML
            continue
        # 400: an action needing a query parameter (clusters/propose/?tag=) rendered as a page too.
        assert response.status_code in (200, 400, 403, 404, 405), (path, response.status_code)


def world_user(world, persona):
    return Token.objects.get(key=world.tokens[persona]).user
