"""Meta-networks: joining, sharing agreements, leaving, and the figures and scale-crossers they let through.

A meta-network of three local networks, worked by hand (organisations count as members):
  North (shares people): Ann, Bea, Cal, Dan + Clinic, School; ties Ann-Bea, Bea-Cal, Cal-Dan
      -> 6 members, 3 ties, density 6/30 = 0.2
  South (shares people): BEA@x.org, Dan, Eve + "clinic " ; an archived Ann; ties Bea-Dan, Dan-Eve
      -> 4 members, 2 ties, density 4/12 = 0.333333
  East (figures only): Ann, Fay, Gil + Clinic; ties Ann-Fay, Fay-Gil, Gil-Ann, Ann-Clinic
      -> 4 members, 4 ties, density 8/12 = 0.666667
Scale-crossers: Bea and Dan (North, South) and the Clinic (North, South); East's Ann and Clinic never.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from multiscale import selectors, services
from multiscale.models import MemberNetwork, OrganisationMatch
from networks.models import Role
from tests.factories import (
    MemberFactory,
    NetworkFactory,
    OrganisationFactory,
    RelationshipFactory,
    RoleFactory,
    UserFactory,
)


def _people(network, *names):
    made = {}
    for name in names:
        made[name] = MemberFactory(network=network, name=name, email=f"{name.lower()}@x.org")
    return made


def _ties(network, *pairs):
    for a, b in pairs:
        RelationshipFactory(network=network, source=a, target=b)


@pytest.fixture
def world(db):
    meta = NetworkFactory(name="Valleys Together", slug="valleys")
    north = NetworkFactory(name="North Valley", slug="north")
    south = NetworkFactory(name="South Valley", slug="south")
    east = NetworkFactory(name="East Valley", slug="east")
    mia = UserFactory(username="mia")
    RoleFactory(network=meta, user=mia, role=Role.COORDINATOR)
    for local in (north, south, east):
        RoleFactory(network=local, user=UserFactory(username=f"coord-{local.slug}"), role=Role.COORDINATOR)

    n = _people(north, "Ann", "Bea", "Cal", "Dan")
    OrganisationFactory(network=north, name="Clinic")
    OrganisationFactory(network=north, name="School")
    _ties(north, (n["Ann"], n["Bea"]), (n["Bea"], n["Cal"]), (n["Cal"], n["Dan"]))

    s = {
        "Bea": MemberFactory(network=south, name="Beatrice", email="BEA@x.org"),
        "Dan": MemberFactory(network=south, name="Dan", email="dan@x.org"),
        "Eve": MemberFactory(network=south, name="Eve", email="eve@x.org"),
    }
    OrganisationFactory(network=south, name="clinic ")
    old_ann = MemberFactory(network=south, name="Ann", email="ann@x.org")
    old_ann.archived_at = old_ann.created_at
    old_ann.save()
    _ties(south, (s["Bea"], s["Dan"]), (s["Dan"], s["Eve"]))

    e = _people(east, "Ann", "Fay", "Gil")
    clinic = OrganisationFactory(network=east, name="Clinic")
    _ties(east, (e["Ann"], e["Fay"]), (e["Fay"], e["Gil"]), (e["Gil"], e["Ann"]), (e["Ann"], clinic))

    for local, sharing in ((north, "people"), (south, "people"), (east, "figures")):
        link = services.member_network_invite(user=mia, meta=meta, local_slug=local.slug, sharing=sharing)
        services.member_network_accept(user=None, link=link)
    return meta


def test_the_meta_map_has_the_hand_computed_figures_per_scale(world):
    result = selectors.meta_map(meta=world)
    assert [(n["network"], n["members"], n["ties"], n["density"]) for n in result["nodes"]] == [
        ("east", 4, 4, 0.666667),
        ("north", 6, 3, 0.2),
        ("south", 4, 2, 0.333333),
    ]
    assert result["ties"] == [{"a": "north", "b": "south", "shared_people": 2, "shared_organisations": 1}]
    assert result["across"] == {
        "networks": 3,
        "members": 14,
        "ties": 9,
        "networks_sharing_people": 2,
        "networks_sharing_organisations": 2,
        "distinct_people": 5,
        "scale_crossing_people": 2,
        "scale_crossing_organisations": 1,
        "crossing_share": 0.4,
    }


def test_scale_crossers_are_matched_by_email_ignoring_case_and_organisations_by_name(world):
    rows = selectors.scale_crossers(meta=world)
    assert [(r["kind"], r["name"], [n["slug"] for n in r["networks"]]) for r in rows] == [
        ("person", "Bea", ["north", "south"]),
        ("person", "Dan", ["north", "south"]),
        ("organisation", "Clinic", ["north", "south"]),
    ]
    assert rows[0]["networks"][1]["as"] == "Beatrice"


def test_narrowing_the_agreement_to_organisations_takes_the_people_out_at_once(world):
    link = MemberNetwork.objects.get(meta=world, local__slug="south")
    services.member_network_sharing_change(user=None, link=link, sharing="organisations")
    assert [r["name"] for r in selectors.scale_crossers(meta=world)] == ["Clinic"]
    assert selectors.meta_map(meta=world)["ties"] == [
        {"a": "north", "b": "south", "shared_people": None, "shared_organisations": 1}
    ]


def test_a_request_counts_for_nothing_until_it_is_accepted(world, db):
    west = NetworkFactory(name="West", slug="west")
    MemberFactory(network=west, name="Bea", email="bea@x.org")
    link = services.member_network_request(user=None, local=west, meta_slug="valleys", sharing="people")
    assert selectors.meta_map(meta=world)["across"]["networks"] == 3
    services.member_network_accept(user=None, link=link)
    crossers = selectors.scale_crossers(meta=world)
    assert [n["slug"] for n in crossers[0]["networks"]] == ["north", "south", "west"]


def test_leaving_removes_everything_the_network_shared(world):
    link = MemberNetwork.objects.get(meta=world, local__slug="south")
    services.member_network_leave(user=None, link=link)
    assert selectors.scale_crossers(meta=world) == []
    assert [n["network"] for n in selectors.meta_map(meta=world)["nodes"]] == ["east", "north"]


API = "/api/v1/networks"


def test_a_local_coordinator_asks_to_join_and_the_meta_coordinator_accepts(api, world):
    west = NetworkFactory(name="West", slug="west")
    wes = UserFactory(username="wes")
    RoleFactory(network=west, user=wes, role=Role.COORDINATOR)
    response = api(wes).post(f"{API}/west/member-networks/", {"meta": "valleys", "sharing": "figures"})
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert api(wes).post(f"{API}/west/member-networks/{pk}/accept/").status_code == 403
    mia = UserFactory(username="mia")
    accepted = api(mia).post(f"{API}/valleys/member-networks/{pk}/accept/")
    assert accepted.json()["status"] == "active"
    assert api(mia).patch(f"{API}/valleys/member-networks/{pk}/", {"sharing": "people"}).status_code == 403
    changed = api(wes).patch(f"{API}/west/member-networks/{pk}/", {"sharing": "organisations"})
    assert changed.json()["sharing"] == "organisations"
    assert api(mia).post(f"{API}/valleys/member-networks/{pk}/leave/").status_code == 204
    assert not MemberNetwork.objects.filter(pk=pk).exists()


def test_asking_to_join_a_network_that_is_not_a_meta_network_is_refused(api, world):
    coord = UserFactory(username="coord-north")
    response = api(coord).post(f"{API}/north/member-networks/", {"meta": "south", "sharing": "people"})
    assert response.status_code == 400
    assert "meta" in str(response.json())


def test_a_network_member_cannot_ask_to_join_or_leave(api, world):
    north_member = UserFactory(username="nm")
    RoleFactory(network=world, user=north_member, role=Role.MEMBER)
    link = MemberNetwork.objects.get(meta=world, local__slug="north")
    assert api(north_member).post(f"{API}/valleys/member-networks/{link.pk}/leave/").status_code == 403
    assert (
        api(north_member)
        .post(f"{API}/valleys/member-networks/", {"local": "x", "sharing": "people"})
        .status_code
        == 403
    )


def test_a_network_cannot_join_itself(api, world):
    mia = UserFactory(username="mia")
    response = api(mia).post(f"{API}/valleys/member-networks/", {"local": "valleys", "sharing": "people"})
    assert response.status_code == 400


def test_the_meta_map_and_crossers_take_the_same_queries_however_many_networks_share(world):
    def count():
        with CaptureQueriesContext(connection) as context:
            selectors.meta_map(meta=world)
            selectors.scale_crossers(meta=world)
        return len(context.captured_queries)

    before = count()
    for index in range(3):
        extra = NetworkFactory(name=f"Extra {index}", slug=f"extra-{index}")
        MemberFactory(network=extra, name="Bea", email="bea@x.org")
        link = services.member_network_request(user=None, local=extra, meta_slug="valleys", sharing="people")
        services.member_network_accept(user=None, link=link)
    assert count() == before
    assert len(selectors.scale_crossers(meta=world)[0]["networks"]) == 5


def test_an_organisation_matched_by_name_is_a_guess_until_a_steward_confirms_it(api, world):
    mia = UserFactory(username="mia")
    [clinic] = [r for r in selectors.scale_crossers(meta=world) if r["kind"] == "organisation"]
    assert (clinic["key"], clinic["confirmed"]) == ("clinic", False)
    assert api(mia).post(f"{API}/valleys/scale-crossers/confirm/", {"key": "Clinic "}).status_code == 204
    [clinic] = [r for r in selectors.scale_crossers(meta=world) if r["kind"] == "organisation"]
    assert clinic["confirmed"] is True
    assert all(r["confirmed"] for r in selectors.scale_crossers(meta=world) if r["kind"] == "person")


def test_only_a_name_that_crosses_networks_can_be_confirmed(api, world):
    mia = UserFactory(username="mia")
    response = api(mia).post(f"{API}/valleys/scale-crossers/confirm/", {"key": "school"})
    assert response.status_code == 400
    assert not OrganisationMatch.objects.exists()


def test_a_meta_member_cannot_confirm_and_an_outsider_gets_404(api, world, charlie):
    member = UserFactory(username="meta-member")
    RoleFactory(network=world, user=member, role=Role.MEMBER)
    assert api(member).post(f"{API}/valleys/scale-crossers/confirm/", {"key": "clinic"}).status_code == 403
    assert api(charlie).post(f"{API}/valleys/scale-crossers/confirm/", {"key": "clinic"}).status_code == 404


@pytest.mark.parametrize("how", ["leave", "narrow"])
def test_leaving_or_narrowing_drops_the_confirmations_it_no_longer_supports(world, how):
    services.organisation_match_confirm(user=None, meta=world, key="clinic")
    link = MemberNetwork.objects.get(meta=world, local__slug="south")
    if how == "leave":
        services.member_network_leave(user=None, link=link)
    else:
        services.member_network_sharing_change(user=None, link=link, sharing="figures")
    assert not OrganisationMatch.objects.filter(meta=world).exists()


def test_a_confirmation_still_supported_stays_when_another_network_changes(world):
    services.organisation_match_confirm(user=None, meta=world, key="clinic")
    link = MemberNetwork.objects.get(meta=world, local__slug="east")
    services.member_network_leave(user=None, link=link)
    assert OrganisationMatch.objects.filter(meta=world, key="clinic").exists()
