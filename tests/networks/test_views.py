import pytest
from django.urls import reverse

from networks import services
from networks.models import Member, Network, Relationship, Role
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory, allow_network_creation


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # The personas' passwords are hashed per test; the default hasher makes that a second each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ana(network, alice):
    org = OrganisationFactory(network=network, name="Hillside Food Bank", community="North")
    return services.member_create(
        user=alice,
        network=network,
        name="Ana Ruiz",
        email="ana@example.org",
        community="North",
        tags=["food-access"],
        organisations=[org],
    )


@pytest.fixture
def ben(network, alice):
    return services.member_create(user=alice, network=network, name="Ben Ode", email="ben@example.org")


@pytest.fixture
def tie(network, alice, ana, ben):
    return services.relationship_add(user=alice, network=network, source=ana, target=ben, kind="knows")


def url(name, network, obj=None):
    args = [network.slug] if obj is None else [network.slug, obj.pk]
    return reverse(f"networks:{name}", args=args)


READ_PAGES = [
    ("network-detail", None),
    ("member-list", None),
    ("organisation-list", None),
    ("member-detail", "ana"),
]
EDIT_PAGES = [
    ("network-edit", None),
    ("member-create", None),
    ("member-edit", "ana"),
    ("member-archive", "ana"),
    ("relationship-create", "ana"),
    ("relationship-edit", "tie"),
    ("relationship-end", "tie"),
]


def page_url(request, network, name, fixture):
    return url(name, network, request.getfixturevalue(fixture) if fixture else None)


@pytest.mark.parametrize(("name", "fixture"), READ_PAGES + EDIT_PAGES)
def test_every_page_renders_for_the_coordinator(client, request, network, alice, tie, name, fixture):
    client.force_login(alice)
    response = client.get(page_url(request, network, name, fixture))
    assert response.status_code == 200
    assert response.context["network"] == network
    assert response.context["can_edit"] is True


def test_my_networks_lists_the_networks_i_hold_a_role_in_with_my_roles(client, alice, network, other_network):
    client.force_login(alice)
    response = client.get(reverse("networks:network-list"))
    assert response.status_code == 200
    assert list(response.context["networks"]) == [network]
    assert network.purpose in response.text
    assert "Coordinator" in response.text
    assert other_network.name not in response.text


@pytest.mark.parametrize(("name", "fixture"), READ_PAGES)
def test_a_member_can_read_the_pages(client, request, network, bob, tie, name, fixture):
    client.force_login(bob)
    response = client.get(page_url(request, network, name, fixture))
    assert response.status_code == 200
    assert response.context["can_edit"] is False


@pytest.mark.parametrize(("name", "fixture"), EDIT_PAGES)
def test_a_member_cannot_open_the_edit_pages(client, request, network, bob, tie, name, fixture):
    client.force_login(bob)
    assert client.get(page_url(request, network, name, fixture)).status_code == 403


@pytest.mark.parametrize(("name", "fixture"), READ_PAGES + EDIT_PAGES)
def test_an_outsider_gets_404_everywhere(client, request, network, charlie, tie, name, fixture):
    client.force_login(charlie)
    assert client.get(page_url(request, network, name, fixture)).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, network):
    response = client.get(url("member-list", network))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_logging_in_leads_to_my_networks(client, alice, network):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "weaver-test-pass"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("networks:network-list")
    assert network.name in response.text


def test_edit_buttons_are_hidden_from_a_member(client, network, bob, ana, tie):
    client.force_login(bob)
    text = client.get(url("member-detail", network, ana)).text
    assert url("member-edit", network, ana) not in text
    assert url("relationship-create", network, ana) not in text
    assert url("relationship-end", network, tie) not in text
    assert url("member-create", network) not in client.get(url("member-list", network)).text


def test_edit_buttons_are_shown_to_the_coordinator(client, network, alice, ana, tie):
    client.force_login(alice)
    text = client.get(url("member-detail", network, ana)).text
    assert url("member-edit", network, ana) in text
    assert url("relationship-create", network, ana) in text
    assert url("relationship-end", network, tie) in text


def post_cases(network, ana, ben, tie):
    return [
        (url("network-edit", network), {"name": "Renamed", "purpose": "New purpose"}),
        (url("member-create", network), {"kind": "person", "name": "Zed"}),
        (url("member-edit", network, ana), {"kind": "person", "name": "Changed"}),
        (url("relationship-create", network, ana), {"target": ben.pk, "kind": "advises", "strength": 3,
                                                      "direction": "undirected"}),
        (url("relationship-edit", network, tie), {"kind": "knows", "strength": 5, "direction": "mutual"}),
        (url("relationship-end", network, tie), {}),
        (url("member-archive", network, ana), {"action": "archive"}),
    ]  # fmt: skip


def snapshot(network):
    return (
        Network.objects.values_list("name", "purpose").get(pk=network.pk),
        list(Member.objects.filter(network=network).values_list("name", "archived_at").order_by("pk")),
        list(Relationship.objects.filter(network=network).values_list("kind", "strength", "ended_on")),
    )


def test_a_member_cannot_change_anything_by_posting(client, network, bob, ana, ben, tie):
    client.force_login(bob)
    before = snapshot(network)
    for target, data in post_cases(network, ana, ben, tie):
        assert client.post(target, data).status_code == 403, target
    assert snapshot(network) == before


def test_an_outsider_posting_gets_404_and_changes_nothing(client, network, charlie, ana, ben, tie):
    client.force_login(charlie)
    before = snapshot(network)
    for target, data in post_cases(network, ana, ben, tie):
        assert client.post(target, data).status_code == 404, target
    assert snapshot(network) == before


def test_the_coordinator_can_make_every_change_by_posting(client, network, alice, ana, ben, tie):
    client.force_login(alice)
    for target, data in post_cases(network, ana, ben, tie):
        assert client.post(target, data).status_code == 302, target
    network.refresh_from_db()
    ana.refresh_from_db()
    tie.refresh_from_db()
    assert network.name == "Renamed"
    assert ana.name == "Changed" and ana.is_archived
    assert Member.objects.filter(network=network, name="Zed").exists()
    assert Relationship.objects.filter(network=network, kind="advises").exists()
    assert tie.strength == 5 and not tie.is_active


def test_another_networks_member_is_a_404_even_for_a_coordinator(client, alice, network, other_network):
    stranger = MemberFactory(network=other_network)
    foreign_tie = RelationshipFactory(network=other_network)
    client.force_login(alice)
    assert client.get(url("member-detail", network, stranger)).status_code == 404
    assert client.post(url("relationship-end", network, foreign_tie)).status_code == 404
    assert client.post(url("member-archive", network, stranger)).status_code == 404


def test_creating_a_network_makes_me_its_coordinator(client, bob):
    client.force_login(allow_network_creation(bob))
    response = client.post(
        reverse("networks:network-list"), {"name": "River Learning Circle", "purpose": "Learn together."}
    )
    network = Network.objects.get(slug="river-learning-circle")
    assert response.status_code == 302 and response.url == network.get_absolute_url()
    assert network.roles.filter(user=bob, role=Role.COORDINATOR).exists()


def test_a_taken_network_web_name_is_explained_next_to_the_field(client, bob, network):
    client.force_login(allow_network_creation(bob))
    response = client.post(
        reverse("networks:network-list"), {"name": "Other", "slug": network.slug, "purpose": "x"}
    )
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors


def test_by_default_only_staff_and_those_they_allow_create_networks_on_the_page(client, bob, charlie):
    client.force_login(bob)
    page = client.get(reverse("networks:network-list")).text
    assert "Start a new network" not in page
    response = client.post(reverse("networks:network-list"), {"name": "Mine", "purpose": "Mine."})
    assert response.status_code == 403 and not Network.objects.filter(name="Mine").exists()
    charlie.is_staff = True
    charlie.save()
    client.force_login(charlie)
    assert "Start a new network" in client.get(reverse("networks:network-list")).text
    assert client.post(reverse("networks:network-list"), {"name": "Ours", "purpose": "x"}).status_code == 302


def test_with_network_creators_set_to_any_every_login_creates_networks(client, settings, bob):
    settings.WEAVER_NETWORK_CREATORS = "any"
    client.force_login(bob)
    response = client.post(reverse("networks:network-list"), {"name": "Mine", "purpose": "Mine."})
    assert response.status_code == 302 and Network.objects.filter(name="Mine").exists()


def test_the_network_home_leads_with_the_purpose_and_counts(client, network, alice, ana, ben, tie):
    RelationshipFactory(network=network, source=ana, target=ben, kind="advises", ended_on="2024-01-01")
    client.force_login(alice)
    response = client.get(url("network-detail", network))
    assert response.context["counts"] == {"people": 2, "organisations": 1, "ties": 1, "communities": 1}
    text = response.text
    main = text[text.index("<main") :]
    assert main.index(network.purpose) < main.index("Recent changes")
    assert "Alice" in text and "connected Ana Ruiz and Ben Ode" in text


def test_the_member_list_filters_by_search_type_community_tag_and_archived(client, network, alice, ana, ben):
    gone = MemberFactory(network=network, name="Gone Person", community="South")
    services.member_archive(user=alice, member=gone)
    client.force_login(alice)

    def names(**params):
        response = client.get(url("member-list", network), params)
        return [m.name for m in response.context["page"].object_list]

    assert names() == ["Ana Ruiz", "Ben Ode", "Hillside Food Bank"]
    assert names(q="ruiz") == ["Ana Ruiz"]
    assert names(kind="organisation") == ["Hillside Food Bank"]
    assert names(community="north") == ["Ana Ruiz", "Hillside Food Bank"]
    assert names(tag="Food-Access") == ["Ana Ruiz"]
    assert names(archived="true") == ["Gone Person"]
    assert "Gone Person" in names(archived="all")


def test_the_member_list_is_paginated_and_keeps_the_filters(client, network, alice):
    for i in range(30):
        MemberFactory(network=network, name=f"Person {i:02}", community="East")
    client.force_login(alice)
    response = client.get(url("member-list", network), {"community": "East", "page": 2})
    page = response.context["page"]
    assert page.number == 2 and len(page.object_list) == 5
    assert "community=East&amp;page=1" in response.text


def test_a_nonsense_page_number_shows_a_page_instead_of_failing(client, network, alice, ana):
    client.force_login(alice)
    assert client.get(url("member-list", network), {"page": "zzz"}).status_code == 200
    assert client.get(url("organisation-list", network), {"page": "999"}).status_code == 200


def test_the_member_page_shows_tags_organisations_and_both_kinds_of_ties(
    client, network, alice, ana, ben, tie
):
    carla = MemberFactory(network=network, name="Carla Old")
    old = services.relationship_add(user=alice, network=network, source=carla, target=ana, kind="mentors")
    services.relationship_end(user=alice, relationship=old)
    client.force_login(alice)
    response = client.get(url("member-detail", network, ana))
    assert [t.other_member for t in response.context["active_ties"]] == [ben]
    assert [t.other_member for t in response.context["ended_ties"]] == [carla]
    assert "food-access" in response.text and "Hillside Food Bank" in response.text


def test_the_organisation_list_counts_its_people(client, network, alice, ana):
    client.force_login(alice)
    response = client.get(url("organisation-list", network))
    [org] = response.context["page"].object_list
    assert org.name == "Hillside Food Bank" and org.people_count == 1


def test_the_organisation_page_lists_its_people(client, network, alice, ana):
    org = Member.objects.get(network=network, name="Hillside Food Bank")
    client.force_login(alice)
    assert list(client.get(url("member-detail", network, org)).context["affiliated"]) == [ana]


def field_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_a_duplicate_email_is_explained_next_to_the_email_field(client, network, alice, ana):
    client.force_login(alice)
    response = client.post(
        url("member-create", network), {"kind": "person", "name": "Ana Two", "email": "ANA@example.org"}
    )
    assert response.status_code == 200
    assert field_errors(response, "email") == ["Another member of this network already has this email."]
    assert 'id="error_1_id_email"' in response.text


def test_a_self_tie_is_explained_next_to_the_member_field(client, network, alice, ana):
    client.force_login(alice)
    response = client.post(
        url("relationship-create", network, ana),
        {"target": ana.pk, "kind": "knows", "strength": 3, "direction": "undirected"},
    )
    assert response.status_code == 200
    assert field_errors(response, "target") == ["A member cannot have a relationship with themselves."]
    assert not Relationship.objects.filter(source=ana, target=ana).exists()


@pytest.mark.parametrize("strength", ["0", "6", "two"])
def test_a_strength_outside_one_to_five_is_explained_next_to_the_strength_field(
    client, network, alice, ana, ben, strength
):
    client.force_login(alice)
    response = client.post(
        url("relationship-create", network, ana),
        {"target": ben.pk, "kind": "knows", "strength": strength, "direction": "undirected"},
    )
    assert field_errors(response, "strength") == ["Strength must be a whole number from 1 to 5."]
    assert not Relationship.objects.filter(network=network).exists()


def test_a_second_active_tie_of_the_same_type_is_refused_on_the_form(client, network, alice, ana, ben, tie):
    client.force_login(alice)
    response = client.post(
        url("relationship-create", network, ben),
        {"target": ana.pk, "kind": "Knows", "strength": 3, "direction": "undirected"},
    )
    assert "already have an active 'knows' relationship" in field_errors(response, "target")[0]


def test_an_end_date_before_the_start_is_explained_and_the_tie_stays_active(client, network, alice, tie):
    client.force_login(alice)
    response = client.post(url("relationship-end", network, tie), {"ended_on": "2000-01-01"})
    assert field_errors(response, "ended_on")
    tie.refresh_from_db()
    assert tie.is_active


def test_a_member_from_another_network_cannot_be_picked_for_a_tie(client, network, other_network, alice, ana):
    stranger = MemberFactory(network=other_network)
    client.force_login(alice)
    response = client.post(
        url("relationship-create", network, ana),
        {"target": stranger.pk, "kind": "knows", "strength": 3, "direction": "undirected"},
    )
    assert field_errors(response, "target")
    assert not Relationship.objects.filter(target=stranger).exists()


def test_editing_a_member_replaces_tags_and_organisations(client, network, alice, ana):
    new_org = OrganisationFactory(network=network, name="Valley Clinic")
    client.force_login(alice)
    response = client.post(
        url("member-edit", network, ana),
        {
            "kind": "person",
            "name": "Ana Ruiz",
            "email": "ana@example.org",
            "tags": "peer-support, school-health",
            "organisations": [new_org.pk],
        },
    )
    assert response.status_code == 302
    assert sorted(t.name for t in ana.tags.all()) == ["peer-support", "school-health"]
    assert list(ana.organisations.all()) == [new_org]


def test_archiving_and_bringing_back_a_member(client, network, alice, ana):
    client.force_login(alice)
    client.post(url("member-archive", network, ana), {"action": "archive"})
    ana.refresh_from_db()
    assert ana.is_archived
    client.post(url("member-archive", network, ana), {"action": "unarchive"})
    ana.refresh_from_db()
    assert not ana.is_archived


def test_the_history_says_who_changed_what_in_plain_words(client, network, alice, ana, ben, tie):
    client.force_login(alice)
    client.post(
        url("member-edit", network, ana),
        {
            "kind": "person",
            "name": "Ana Ruiz",
            "email": "ana.ruiz@example.org",
            "tags": "food-access, housing",
        },
    )
    client.post(
        url("relationship-edit", network, tie),
        {"kind": "knows", "strength": 5, "direction": "undirected", "started_on": tie.started_on.isoformat()},
    )
    client.post(url("relationship-end", network, tie), {})
    entries = client.get(url("member-detail", network, ana)).context["history"]
    told = [
        (e.who, e.action, [(c.label, c.old, c.new, c.added, c.removed) for c in e.changes]) for e in entries
    ]
    assert told[0] == ("Alice", "ended the “knows” relationship between Ana Ruiz and Ben Ode", [])
    assert told[1] == ("Alice", "changed the “knows” relationship between Ana Ruiz and Ben Ode",
                       [("Strength", "3", "5", [], [])])  # fmt: skip
    assert told[2][:2] == ("Alice", "changed Ana Ruiz")
    assert ("Email", "ana@example.org", "ana.ruiz@example.org", [], []) in told[2][2]
    assert ("Organisations", "Hillside Food Bank", "(none)", [], ["Hillside Food Bank"]) in told[2][2]
    assert ("Tags", "food-access", "food-access, housing", ["housing"], []) in told[2][2]
    assert told[-1][:2] == ("Alice", "added Ana Ruiz (person)")


def test_the_history_page_shows_the_change_to_a_member_reading_it(client, network, alice, bob, ana):
    client.force_login(alice)
    client.post(url("member-edit", network, ana), {"kind": "person", "name": "Ana María Ruiz"})
    client.force_login(bob)
    text = client.get(url("member-detail", network, ana)).text
    assert "changed Ana María Ruiz" in text
    assert "Ana Ruiz" in text and "Ana María Ruiz" in text


def test_a_wrong_password_is_explained_on_the_login_page(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_logging_out_returns_to_the_login_page(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert client.get(reverse("networks:network-list")).status_code == 302


def test_the_member_list_needs_the_same_few_queries_however_many_members(
    client, network, alice, ana, django_assert_max_num_queries
):
    for i in range(30):
        member = MemberFactory(network=network, name=f"Person {i:02}")
        member.tags.set(services.tags_resolve(network=network, names=["peer-support"]))
        member.organisations.set(Member.objects.filter(network=network, kind=Member.Kind.ORGANISATION))
    client.force_login(alice)
    client.get(url("member-list", network))
    with django_assert_max_num_queries(12):
        assert client.get(url("member-list", network)).status_code == 200


def test_a_tag_too_long_for_the_database_is_an_error_next_to_the_field(client, network, alice):
    client.force_login(alice)
    response = client.post(
        url("member-create", network), {"kind": "person", "name": "Zed", "tags": "t" * 300}
    )
    assert response.status_code == 200
    assert "longer than 80 characters" in " ".join(response.context["form"].errors["tags"])
    assert not Member.objects.filter(network=network, name="Zed").exists()
