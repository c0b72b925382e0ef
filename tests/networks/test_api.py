"""REST API for networks, members, organisations and relationships: CRUD, validation, filters, actions."""

import datetime

import pytest
from rest_framework.test import APIClient

from networks.models import Member, NetworkRole, Relationship, Role
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory, allow_network_creation

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def members_url(network, pk=None, action=None):
    url = f"/api/v1/networks/{network.slug}/members/"
    if pk is not None:
        url += f"{pk}/"
    if action:
        url += f"{action}/"
    return url


def ties_url(network, pk=None, action=None):
    url = f"/api/v1/networks/{network.slug}/relationships/"
    if pk is not None:
        url += f"{pk}/"
    if action:
        url += f"{action}/"
    return url


def field_errors(response) -> dict[str, list[str]]:
    """The 400 body as {field: [messages]} (drf-standardized-errors lists them flat)."""
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    errors: dict[str, list[str]] = {}
    for error in response.json()["errors"]:
        errors.setdefault(error["attr"], []).append(error["detail"])
    return errors


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# Networks


def test_a_login_allowed_to_create_networks_creates_one_and_becomes_its_coordinator(charlie):
    client = APIClient()
    client.force_authenticate(allow_network_creation(charlie))
    response = client.post(
        "/api/v1/networks/", {"name": "River Towns", "slug": "river-towns", "purpose": "Cleaner rivers."}
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "river-towns"
    assert response.json()["roles"] == ["coordinator"]
    assert NetworkRole.objects.filter(
        network__slug="river-towns", user=charlie, role=Role.COORDINATOR
    ).exists()


def test_a_login_not_allowed_to_create_networks_gets_403_unless_creators_is_any(settings, charlie):
    client = APIClient()
    client.force_authenticate(charlie)
    body = {"name": "River Towns", "slug": "river-towns", "purpose": "Cleaner rivers."}
    response = client.post("/api/v1/networks/", body)
    assert response.status_code == 403 and response.json()["errors"][0]["code"] == "permission_denied"
    assert not NetworkRole.objects.filter(network__slug="river-towns").exists()
    settings.WEAVER_NETWORK_CREATORS = "any"
    assert client.post("/api/v1/networks/", body).status_code == 201


def test_creating_a_network_with_a_taken_or_malformed_slug_is_a_400(api, network, alice):
    allow_network_creation(alice)
    taken = api.post("/api/v1/networks/", {"name": "X", "slug": network.slug, "purpose": "p"})
    assert "slug" in field_errors(taken)
    malformed = api.post("/api/v1/networks/", {"name": "X", "slug": "not a slug!", "purpose": "p"})
    assert "slug" in field_errors(malformed)
    missing_purpose = api.post("/api/v1/networks/", {"name": "X", "slug": "x"})
    assert "purpose" in field_errors(missing_purpose)


def test_network_list_shows_only_the_callers_networks_with_their_roles(api, network, other_network):
    response = api.get("/api/v1/networks/")
    assert response.status_code == 200
    assert [row["slug"] for row in response.json()["results"]] == [network.slug]
    assert response.json()["results"][0]["roles"] == ["coordinator"]


def test_coordinator_can_restate_the_purpose_but_not_the_slug(api, network):
    url = f"/api/v1/networks/{network.slug}/"
    moved = api.patch(url, {"purpose": "Healthier valleys, together.", "slug": "moved"})
    assert moved.status_code == 400
    assert [(e["code"], "slug" in e["detail"]) for e in moved.json()["errors"]] == [("read_only", True)]
    response = api.patch(url, {"purpose": "Healthier valleys, together.", "slug": network.slug})
    assert response.status_code == 200, response.content
    network.refresh_from_db()
    assert network.purpose == "Healthier valleys, together."
    assert network.slug == "healthy-valleys"


# Members


def test_coordinator_adds_a_person_with_tags_and_an_organisation(api, alice, network):
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    response = api.post(
        members_url(network),
        {
            "name": " Ana Ruiz ",
            "email": "ana@example.org",
            "community": "North",
            "tags": ["youth", "Diabetes"],
            "organisations": [clinic.pk],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Ana Ruiz"
    assert body["kind"] == "person"
    assert body["tags"] == ["Diabetes", "youth"]
    assert body["organisations"] == [clinic.pk]
    assert body["organisation_names"] == ["Valley Clinic"]
    assert body["archived"] is False
    member = Member.objects.get(pk=body["id"])
    assert member.network == network
    assert member.history.first().history_user == alice


def test_a_member_without_a_name_is_a_400_naming_the_field(api, network):
    assert "name" in field_errors(api.post(members_url(network), {"email": "x@example.org"}, format="json"))


def test_a_second_member_with_the_same_email_is_refused(api, network):
    MemberFactory(network=network, email="ana@example.org")
    response = api.post(members_url(network), {"name": "Ana", "email": "ANA@example.org"}, format="json")
    assert field_errors(response)["email"] == ["Another member of this network already has this email."]


def test_an_organisation_from_another_network_is_refused_without_naming_it(api, network, other_network):
    elsewhere = OrganisationFactory(network=other_network, name="Secret Org")
    response = api.post(members_url(network), {"name": "Ana", "organisations": [elsewhere.pk]}, format="json")
    errors = field_errors(response)
    assert "organisations" in errors
    assert "Secret Org" not in response.content.decode()


@pytest.mark.parametrize("bad", [["abc"], [10**20], "not a list", [None]])
def test_bad_organisation_ids_are_a_400(api, network, bad):
    response = api.post(members_url(network), {"name": "Ana", "organisations": bad}, format="json")
    assert "organisations" in field_errors(response)


def test_a_person_cannot_be_affiliated_with_another_person(api, network):
    person = MemberFactory(network=network)
    response = api.post(members_url(network), {"name": "Ana", "organisations": [person.pk]}, format="json")
    assert "organisations" in field_errors(response)


def test_an_organisation_cannot_be_affiliated_with_organisations(api, network):
    clinic = OrganisationFactory(network=network)
    response = api.post(
        members_url(network),
        {"name": "Valley Trust", "kind": "organisation", "organisations": [clinic.pk]},
        format="json",
    )
    assert field_errors(response)["organisations"] == ["Only people can be affiliated with organisations."]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "Ana", "kind": "robot"}, "kind"),
        ({"name": "Ana", "email": "not-an-email"}, "email"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Ana", "joined_on": "yesterday"}, "joined_on"),
        ({"name": "Ana", "tags": ["t" * 81]}, "tags"),
        ({"name": "Ana\x00"}, "name"),
        ({"name": "Ana", "tags": "youth"}, "tags"),
    ],
)
def test_invalid_member_fields_are_a_400_naming_the_field(api, network, payload, field):
    assert field in field_errors(api.post(members_url(network), payload, format="json"))


def test_a_bad_tag_is_reported_on_tags_with_its_number(api, network):
    response = api.post(members_url(network), {"name": "Ana", "tags": ["ok", "t" * 81]}, format="json")
    assert field_errors(response)["tags"] == ["Tag 2: Ensure this field has no more than 80 characters."]


def test_tags_differing_only_in_the_case_of_non_ascii_letters_are_one_tag(api, network):
    first = api.post(members_url(network), {"name": "Ana", "tags": ["Über"]}, format="json")
    second = api.post(members_url(network), {"name": "Ben", "tags": ["über", "ÜBER"]}, format="json")
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert second.json()["tags"] == ["Über"]


def test_request_bodies_must_be_json(api, network):
    response = api.post(members_url(network), {"name": "Ana"}, format="multipart")
    assert response.status_code == 415
    assert not Member.objects.exists()


def test_malformed_json_is_a_400(api, network):
    response = api.post(members_url(network), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


@pytest.mark.parametrize("path", ["members/", "clusters/", "funds/"])
def test_too_deeply_nested_json_is_a_400_not_a_500(api, network, path):
    body = "[" * 100_000 + "]" * 100_000
    response = api.post(f"/api/v1/networks/{network.slug}/{path}", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_a_lone_surrogate_in_a_name_is_a_400_not_a_database_error(api, network):
    response = api.post(members_url(network), '{"name": "Ana \\ud800"}', content_type="application/json")
    assert "name" in field_errors(response)


def test_patch_replaces_tags_and_keeps_other_fields(api, network):
    member = MemberFactory(network=network, name="Ben", community="South")
    api.patch(members_url(network, member.pk), {"tags": ["a", "b"]}, format="json")
    response = api.patch(members_url(network, member.pk), {"tags": ["c"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["c"]
    assert response.json()["community"] == "South"
    assert list(member.tags.values_list("name", flat=True)) == ["c"]


def test_put_changes_a_member_and_records_who_did_it(api, alice, network):
    member = MemberFactory(network=network, name="Ben")
    response = api.put(
        members_url(network, member.pk),
        {"name": "Benjamin", "kind": "person", "email": "ben@example.org"},
        format="json",
    )
    assert response.status_code == 200, response.content
    member.refresh_from_db()
    assert (member.name, member.email) == ("Benjamin", "ben@example.org")
    assert member.history.first().history_user == alice


def test_archive_and_unarchive_actions(api, network):
    member = MemberFactory(network=network)
    archived = api.post(members_url(network, member.pk, "archive"))
    assert archived.status_code == 200, archived.content
    assert archived.json()["archived"] is True
    assert archived.json()["archived_at"]
    assert api.post(members_url(network, member.pk, "archive")).status_code == 200
    restored = api.post(members_url(network, member.pk, "unarchive"))
    assert restored.json()["archived"] is False
    member.refresh_from_db()
    assert member.archived_at is None


def test_members_cannot_be_deleted_over_the_api(api, network):
    member = MemberFactory(network=network)
    assert api.delete(members_url(network, member.pk)).status_code == 405
    assert Member.objects.filter(pk=member.pk).exists()


def test_member_filters(api, network):
    OrganisationFactory(network=network, name="Valley Clinic", community="South")
    ana = MemberFactory(network=network, name="Ana", community="North", description="runs the diabetes group")
    MemberFactory(network=network, name="Ben", community="south")
    gone = MemberFactory(network=network, name="Gone", community="North")
    ana.tags.create(network=network, name="Diabetes")
    gone.archived_at = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    gone.save()

    assert names(api.get(members_url(network), {"q": "diabetes"})) == ["Ana"]
    assert names(api.get(members_url(network), {"kind": "organisation"})) == ["Valley Clinic"]
    assert names(api.get(members_url(network), {"community": "SOUTH"})) == ["Ben", "Valley Clinic"]
    assert names(api.get(members_url(network), {"tag": "diabetes"})) == ["Ana"]
    assert names(api.get(members_url(network), {"archived": "true"})) == ["Gone"]
    assert names(api.get(members_url(network), {"archived": "false"})) == ["Ana", "Ben", "Valley Clinic"]
    assert names(api.get(members_url(network), {"ordering": "-name"}))[0] == "Valley Clinic"


def test_an_unknown_kind_or_a_non_boolean_archived_filter_is_a_400(api, network):
    assert "kind" in field_errors(api.get(members_url(network), {"kind": "robot"}))
    assert field_errors(api.get(members_url(network), {"archived": "maybe"}))["archived"] == [
        "Enter true or false."
    ]
    assert "active" in field_errors(api.get(ties_url(network), {"active": "2"}))


def test_pagination_and_its_limits(api, network):
    for i in range(5):
        MemberFactory(network=network, name=f"M{i}")
    page = api.get(members_url(network), {"page_size": 2, "page": 2}).json()
    assert page["count"] == 5
    assert [row["name"] for row in page["results"]] == ["M2", "M3"]
    assert page["next"] and page["previous"]
    assert len(api.get(members_url(network), {"page_size": 10**12}).json()["results"]) == 5
    assert api.get(members_url(network), {"page_size": "lots"}).json()["errors"][0]["code"] == "parse_error"
    assert api.get(members_url(network), {"page": 99}).status_code == 404
    assert api.get(members_url(network), {"page": "abc"}).status_code == 404


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999", "0", "-1"])
def test_bad_ids_in_the_address_are_a_404(api, network, bad_id):
    assert api.get(members_url(network, bad_id)).status_code == 404
    assert api.get(ties_url(network, bad_id)).status_code == 404


def test_a_nul_byte_in_the_query_string_is_a_400(api, network):
    response = api.get(members_url(network) + "?q=%00")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"
    assert api.get(ties_url(network) + "?kind=a%00b").status_code == 400


def test_organisations_lists_only_organisations(api, network):
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    person = MemberFactory(network=network)
    url = f"/api/v1/networks/{network.slug}/organisations/"
    assert names(api.get(url)) == ["Valley Clinic"]
    assert api.get(f"{url}{clinic.pk}/").json()["kind"] == "organisation"
    assert api.get(f"{url}{person.pk}/").status_code == 404
    assert api.post(url, {"name": "New Org"}).status_code == 405


# Relationships


@pytest.fixture
def ana(network):
    return MemberFactory(network=network, name="Ana")


@pytest.fixture
def ben(network):
    return MemberFactory(network=network, name="Ben")


def test_coordinator_ties_two_members(api, alice, network, ana, ben):
    response = api.post(
        ties_url(network),
        {"source": ana.pk, "target": ben.pk, "kind": " Works With ", "strength": 4},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source_name"], body["target_name"]) == ("Ana", "Ben")
    assert body["kind"] == "works with"
    assert body["strength"] == 4
    assert body["is_active"] is True
    assert body["provenance"] == "manual"
    assert Relationship.objects.get(pk=body["id"]).history.first().history_user == alice


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"strength": 9}, "strength"),
        ({"strength": 0}, "strength"),
        ({"strength": "strong"}, "strength"),
        ({"direction": "sideways"}, "direction"),
        ({"provenance": "rumour"}, "provenance"),
        ({"started_on": "not a date"}, "started_on"),
        ({"kind": "k" * 61}, "kind"),
    ],
)
def test_invalid_relationship_fields_are_a_400_naming_the_field(api, network, ana, ben, payload, field):
    response = api.post(ties_url(network), {"source": ana.pk, "target": ben.pk, **payload}, format="json")
    assert field in field_errors(response)


def test_a_self_tie_is_refused(api, network, ana):
    response = api.post(ties_url(network), {"source": ana.pk, "target": ana.pk}, format="json")
    assert field_errors(response)["target"] == ["A member cannot have a relationship with themselves."]


def test_a_second_active_tie_of_the_same_type_is_refused_either_way_round(api, network, ana, ben):
    RelationshipFactory(network=network, source=ana, target=ben, kind="knows")
    response = api.post(
        ties_url(network), {"source": ben.pk, "target": ana.pk, "kind": "knows"}, format="json"
    )
    assert "already have an active 'knows' relationship" in field_errors(response)["target"][0]
    other_type = api.post(
        ties_url(network), {"source": ben.pk, "target": ana.pk, "kind": "funds"}, format="json"
    )
    assert other_type.status_code == 201


@pytest.mark.parametrize("bad", ["abc", 10**20, None, 1.5, True])
def test_bad_member_ids_in_a_tie_are_a_400(api, network, ana, bad):
    response = api.post(ties_url(network), {"source": ana.pk, "target": bad}, format="json")
    assert "target" in field_errors(response)


def test_a_member_of_another_network_cannot_be_tied(api, network, other_network, ana):
    outsider = MemberFactory(network=other_network, name="Outsider")
    response = api.post(ties_url(network), {"source": outsider.pk, "target": ana.pk}, format="json")
    assert "source" in field_errors(response)
    assert "Outsider" not in response.content.decode()


def test_patch_changes_strength_but_never_the_ends(api, network, ana, ben):
    carl = MemberFactory(network=network, name="Carl")
    tie = RelationshipFactory(network=network, source=ana, target=ben)
    moved = api.patch(ties_url(network, tie.pk), {"strength": 5, "source": carl.pk}, format="json")
    assert moved.status_code == 400 and moved.json()["errors"][0]["code"] == "read_only"
    response = api.patch(ties_url(network, tie.pk), {"strength": 5, "source": ana.pk}, format="json")
    assert response.status_code == 200, response.content
    tie.refresh_from_db()
    assert (tie.strength, tie.source_id) == (5, ana.pk)
    assert "strength" in field_errors(api.patch(ties_url(network, tie.pk), {"strength": 9}, format="json"))


def test_changing_a_ties_type_into_a_duplicate_is_refused(api, network, ana, ben):
    RelationshipFactory(network=network, source=ana, target=ben, kind="knows")
    tie = RelationshipFactory(network=network, source=ana, target=ben, kind="funds")
    response = api.patch(ties_url(network, tie.pk), {"kind": "knows"}, format="json")
    assert "kind" in field_errors(response)


def test_ending_a_tie_keeps_it_and_frees_its_place(api, network, ana, ben):
    tie = RelationshipFactory(network=network, source=ana, target=ben, started_on=datetime.date(2024, 1, 1))
    response = api.post(ties_url(network, tie.pk, "end"), {"ended_on": "2024-06-30"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert response.json()["ended_on"] == "2024-06-30"
    again = api.post(ties_url(network), {"source": ana.pk, "target": ben.pk}, format="json")
    assert again.status_code == 201


def test_ending_a_tie_defaults_to_today_and_rejects_a_date_before_its_start(api, network, ana, ben):
    tie = RelationshipFactory(network=network, source=ana, target=ben, started_on=datetime.date(2024, 1, 1))
    early = api.post(ties_url(network, tie.pk, "end"), {"ended_on": "2023-12-31"}, format="json")
    assert "ended_on" in field_errors(early)
    assert "ended_on" in field_errors(api.post(ties_url(network, tie.pk, "end"), {"ended_on": "soon"}))
    today = api.post(ties_url(network, tie.pk, "end"))
    assert today.status_code == 200
    assert today.json()["ended_on"] == datetime.date.today().isoformat()


def test_relationship_filters(api, network, ana, ben):
    carl = MemberFactory(network=network, name="Carl")
    RelationshipFactory(network=network, source=ana, target=ben, kind="knows")
    ended = RelationshipFactory(network=network, source=ben, target=carl, kind="funds", provenance="fund")
    ended.ended_on = datetime.date(2024, 1, 1)
    ended.save()

    def pairs(**params):
        return sorted(
            (row["source_name"], row["target_name"])
            for row in api.get(ties_url(network), params).json()["results"]
        )

    assert pairs(member=ana.pk) == [("Ana", "Ben")]
    assert pairs(member=ben.pk) == [("Ana", "Ben"), ("Ben", "Carl")]
    assert pairs(kind="FUNDS") == [("Ben", "Carl")]
    assert pairs(provenance="fund") == [("Ben", "Carl")]
    assert pairs(active="true") == [("Ana", "Ben")]
    assert pairs(active="false") == [("Ben", "Carl")]
    assert pairs(member=10**30) == []


@pytest.mark.parametrize(("param", "value"), [("member", "abc"), ("member", "NaN"), ("provenance", "rumour")])
def test_bad_relationship_filters_are_a_400(api, network, param, value):
    assert param in field_errors(api.get(ties_url(network), {param: value}))


def test_list_queries_do_not_grow_with_the_number_of_members(api, network, django_assert_max_num_queries):
    clinic = OrganisationFactory(network=network)
    for _ in range(10):
        member = MemberFactory(network=network)
        member.organisations.add(clinic)
        member.tags.create(network=network, name=f"tag-{member.pk}")
    with django_assert_max_num_queries(8):
        assert api.get(members_url(network)).status_code == 200
