"""Pages answer only the HTTP methods they handle: the rest get 405, never the page."""

import pytest

from tests.weaver.pages import UNSAFE_METHODS, declared_methods, pages

pytestmark = pytest.mark.django_db


def test_every_page_declares_the_methods_it_handles():
    undeclared = [page.name for page in pages() if declared_methods(page.callback) is None]
    assert not undeclared, f"add require_safe or require_http_methods to: {undeclared}"


def test_the_walk_finds_the_pages_of_every_app():
    names = {page.name for page in pages()}
    assert {"networks:member-detail", "funds:round-detail", "clusters:cluster-detail", "login"} <= names
    assert not any(name.startswith("admin:") for name in names)


def test_a_coordinator_gets_405_for_every_method_a_page_does_not_handle(client, network, alice):
    client.force_login(alice)
    # The method is checked before anything is looked up, so any id will do.
    values = {"str": "x", "slug": network.slug, "int": 1, "path": "x", "uuid": "0" * 32}
    answered = []
    for page in pages():
        allowed = declared_methods(page.callback) or set()
        url = page.url({name: values[converter] for converter, name, _ in page.parameters})
        for method in UNSAFE_METHODS:
            if method in allowed:
                continue
            response = client.generic(method, url)
            answered.append((method, url, response.status_code))
    wrong = [a for a in answered if a[2] != 405]
    assert not wrong, wrong
    assert len(answered) > 100
