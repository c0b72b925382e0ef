"""Network data over the API: unknown fields are refused by name, read-only fields may be echoed back."""

import pytest
from rest_framework.test import APIClient

from tests.factories import MemberFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def errors(response) -> list[tuple[str, str, str]]:
    assert response.status_code == 400, response.content
    return [(e["attr"], e["code"], e["detail"]) for e in response.json()["errors"]]


def test_a_misspelt_field_is_a_400_naming_it_and_the_member_is_unchanged(api, network):
    ana = MemberFactory(network=network, name="Ana", community="North")
    url = f"/api/v1/networks/{network.slug}/members/{ana.pk}/"
    [(attr, code, detail)] = errors(api.patch(url, {"commnity": "South"}))
    assert (attr, code) == ("non_field_errors", "unknown_field")
    assert "“commnity”" in detail and "Did you mean “community”?" in detail
    ana.refresh_from_db()
    assert ana.community == "North"


def test_each_unknown_field_of_a_creation_is_named(api, network):
    response = api.post(f"/api/v1/networks/{network.slug}/members/", {"name": "Ben", "colour": 1, "age": 3})
    found = errors(response)
    assert {code for _, code, _ in found} == {"unknown_field"}
    assert sorted(detail.split("“")[1].split("”")[0] for _, _, detail in found) == ["age", "colour"]
    assert not network.members.filter(name="Ben").exists()


def test_a_member_read_and_sent_back_whole_with_a_change_is_accepted(api, network):
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    ana = MemberFactory(network=network, name="Ana", community="North")
    ana.organisations.add(clinic)
    url = f"/api/v1/networks/{network.slug}/members/{ana.pk}/"
    member = api.get(url).json()
    member["community"] = "South"
    response = api.put(url, member)
    assert response.status_code == 200, response.content
    assert response.json()["community"] == "South"


def test_a_changed_read_only_field_is_refused_instead_of_ignored(api, network):
    ana = MemberFactory(network=network, name="Ana")
    url = f"/api/v1/networks/{network.slug}/members/{ana.pk}/"
    [(attr, code, detail)] = errors(api.patch(url, {"archived": True}))
    assert (attr, code) == ("non_field_errors", "read_only") and "archived" in detail
    ana.refresh_from_db()
    assert not ana.is_archived


def test_an_action_s_body_refuses_unknown_fields_too(api, network):
    ana, ben = MemberFactory(network=network, name="Ana"), MemberFactory(network=network, name="Ben")
    tie = network.relationships.create(source=ana, target=ben, kind="knows")
    response = api.post(
        f"/api/v1/networks/{network.slug}/relationships/{tie.pk}/end/", {"ended": "2026-01-01"}
    )
    [(_, code, detail)] = errors(response)
    assert code == "unknown_field" and "Did you mean “ended_on”?" in detail
    tie.refresh_from_db()
    assert tie.ended_on is None


def test_a_number_sent_for_a_text_field_or_text_for_an_id_is_refused(api, network):
    ana = MemberFactory(network=network, name="Ana", community="North")
    url = f"/api/v1/networks/{network.slug}/members/{ana.pk}/"
    response = api.patch(url, {"community": 7, "organisations": ["1"], "tags": ["a", 2]})
    assert {attr: code for attr, code, _ in errors(response)} == {
        "community": "invalid",
        "organisations": "not_a_list",
        "tags": "not_a_list",
    }
    ana.refresh_from_db()
    assert ana.community == "North"
