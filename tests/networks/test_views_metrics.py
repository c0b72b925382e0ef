"""Pages that read metric snapshots: dashboard, progress, what changed, map, suggestions, member figures."""

import gzip
import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networks import selectors, snapshots
from networks.models import Relationship, Snapshot, SuggestionDecision
from tests.factories import PASSWORD, MemberFactory, OrganisationFactory, RelationshipFactory


def _login(client, user):
    client.login(request=RequestFactory().post("/"), username=user.username, password=PASSWORD)
    return client


def _compute(network) -> Snapshot:
    snapshot = Snapshot.objects.create(network=network)
    return snapshots.snapshot_compute(snapshot_id=snapshot.pk)


@pytest.fixture
def kite(network):
    """Ana, Ben, Cai in a triangle; Dee hangs off Cai; Fay hangs off Dee; Ana works at Riverside Trust."""
    org = OrganisationFactory(network=network, name="Riverside Trust")
    ana, ben, cai, dee, fay = (
        MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cai", "Dee", "Fay")
    )
    ana.organisations.add(org)
    for a, b in [(ana, ben), (ben, cai), (cai, ana), (cai, dee), (dee, fay)]:
        RelationshipFactory(network=network, source=a, target=b)
    return {"org": org, "ana": ana, "ben": ben, "cai": cai, "dee": dee, "fay": fay}


@pytest.fixture
def computed(network, kite):
    return _compute(network)


def _url(name, network, **kwargs):
    return reverse(f"networks:{name}", kwargs={"slug": network.slug, **kwargs})


PAGES = ["dashboard", "snapshot-compare", "map", "suggestions", "snapshot-progress"]


# Every page renders, with and without a snapshot


@pytest.mark.parametrize("name", PAGES)
def test_each_page_renders_for_a_coordinator_before_any_snapshot(client, network, alice, name):
    response = _login(client, alice).get(_url(name, network))
    assert response.status_code == 200
    if name == "dashboard":
        assert "No figures yet" in response.content.decode()
        assert "Compute the first figures" in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_each_page_renders_for_a_coordinator_with_a_snapshot(client, network, alice, computed, name):
    response = _login(client, alice).get(_url(name, network))
    assert response.status_code == 200


def test_the_dashboard_explains_each_health_figure_and_shows_the_top_suggestions(
    client, network, alice, computed, kite
):
    page = _login(client, alice).get(_url("dashboard", network)).content.decode()
    for label in ["Density", "Clustering", "Unclosed pairs", "On the edge", "Communities"]:
        assert label in page
    assert "introduction you could make" in page
    assert "exact figures" in page
    assert "Ana" in page and "Dee" in page  # Dee and Ana share Cai: the top suggestion
    assert 'id="trend-data"' in page
    assert "Recompute" in page


def test_the_dashboard_counts_triangles_closed_and_dismissed_this_quarter(
    client, network, alice, computed, kite
):
    _login(client, alice)
    client.post(_url("suggestion-accept", network), {"a": kite["dee"].pk, "b": kite["ana"].pk})
    client.post(_url("suggestion-dismiss", network), {"a": kite["dee"].pk, "b": kite["ben"].pk})
    # Fay hangs off Dee and shares no contact with Ben: bringing her in closes no triangle.
    client.post(
        _url("suggestion-accept", network),
        {"a": kite["fay"].pk, "b": kite["ben"].pk, "kind": "connect_periphery"},
    )
    response = client.get(_url("dashboard", network))
    assert response.context["closed_this_quarter"] == 1
    assert response.context["other_accepted_this_quarter"] == 1
    assert response.context["dismissed_this_quarter"] == 1
    assert "Also 1 other suggestion accepted" in response.content.decode()


def test_a_member_reads_the_dashboard_without_the_recompute_button(client, network, bob, computed):
    page = _login(client, bob).get(_url("dashboard", network)).content.decode()
    assert "Network health" in page
    assert "Recompute</button>" not in page


# Access: alice can, bob can't (403), charlie gets 404


@pytest.mark.parametrize("name", [*PAGES, "map-data"])
def test_an_outsider_gets_404_on_every_page(client, network, charlie, computed, name):
    assert _login(client, charlie).get(_url(name, network)).status_code == 404


def test_an_outsider_gets_404_on_the_map_panel_and_posts(client, network, charlie, computed, kite):
    _login(client, charlie)
    assert client.get(_url("map-member", network, pk=kite["ana"].pk)).status_code == 404
    assert client.post(_url("snapshot-recompute", network)).status_code == 404
    pair = {"a": kite["dee"].pk, "b": kite["ana"].pk}
    assert client.post(_url("suggestion-accept", network), pair).status_code == 404
    assert client.post(_url("suggestion-dismiss", network), pair).status_code == 404


def test_a_member_cannot_recompute_accept_or_dismiss(client, network, bob, computed, kite):
    _login(client, bob)
    pair = {"a": kite["dee"].pk, "b": kite["ana"].pk}
    assert client.post(_url("snapshot-recompute", network)).status_code == 403
    assert client.post(_url("suggestion-accept", network), pair).status_code == 403
    assert client.post(_url("suggestion-dismiss", network), pair).status_code == 403
    assert not SuggestionDecision.objects.exists()
    assert Snapshot.objects.filter(network=network).count() == 1


def test_an_anonymous_visitor_is_sent_to_log_in(client, network, computed):
    response = client.get(_url("dashboard", network))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Recompute and live progress


def test_recompute_queues_a_snapshot_and_the_progress_partial_polls(client, network, alice, computed):
    response = _login(client, alice).post(_url("snapshot-recompute", network), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    pending = Snapshot.objects.get(network=network, status="queued")
    assert pending.trigger == "manual" and pending.requested_by == alice
    html = response.content.decode()
    assert 'id="snapshot-progress"' in html and 'hx-trigger="every 1s"' in html


def test_recompute_without_htmx_redirects_to_the_dashboard(client, network, alice, computed):
    response = _login(client, alice).post(_url("snapshot-recompute", network))
    assert response.status_code == 302 and response["Location"] == _url("dashboard", network)


def test_the_progress_partial_shows_the_running_stage_and_percent(client, network, alice, computed):
    running = Snapshot.objects.create(network=network, status="running", progress=40, stage="communities")
    html = _login(client, alice).get(_url("snapshot-progress", network) + "?watching=1").content.decode()
    assert "communities" in html and "40%" in html and 'hx-trigger="every 1s"' in html
    assert running.pk


def test_the_progress_partial_stops_polling_when_the_snapshot_is_done(
    client, network, alice, kite, django_capture_on_commit_callbacks
):
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url("snapshot-recompute", network), HTTP_HX_REQUEST="true")
    assert Snapshot.objects.get(network=network).status == "done"
    html = client.get(_url("snapshot-progress", network) + "?watching=1").content.decode()
    assert 'id="snapshot-progress"' in html
    assert "hx-trigger" not in html
    assert "Show the new figures" in html


def test_a_failed_snapshot_is_explained_in_plain_words(client, network, alice, computed):
    Snapshot.objects.create(
        network=network, status="failed", error="MemoryError: ", finished_at=computed.finished_at
    ).save()
    html = _login(client, alice).get(_url("dashboard", network)).content.decode()
    assert "did not finish" in html and "ran out of memory" in html
    assert "hx-trigger" not in html


# Suggestions


def test_accepting_a_suggestion_creates_the_tie_with_provenance_suggestion(
    client, network, alice, computed, kite
):
    _login(client, alice)
    response = client.post(
        _url("suggestion-accept", network), {"a": kite["dee"].pk, "b": kite["ana"].pk, "kind": "introduce"}
    )
    assert response.status_code == 302
    tie = Relationship.objects.get(source=kite["dee"], target=kite["ana"])
    assert tie.provenance == "suggestion" and tie.is_active
    assert SuggestionDecision.objects.get(member_a=kite["ana"], member_b=kite["dee"]).decision == "accepted"


def test_dismissing_a_suggestion_hides_the_pair_from_every_list(client, network, alice, computed, kite):
    _login(client, alice)
    before = client.get(_url("suggestions", network)).context["page"].paginator.count
    client.post(_url("suggestion-dismiss", network), {"a": kite["dee"].pk, "b": kite["ana"].pk})
    response = client.get(_url("suggestions", network))
    pairs = {frozenset((s["a"], s["b"])) for s in response.context["page"].object_list}
    assert frozenset((kite["dee"].pk, kite["ana"].pk)) not in pairs
    assert response.context["page"].paginator.count == before - 1
    member_page = client.get(_url("member-detail", network, pk=kite["dee"].pk))
    assert all(
        kite["ana"].pk not in (s["a"], s["b"]) for s in member_page.context["member_metrics"]["suggestions"]
    )


def test_a_pair_answered_twice_reports_it_instead_of_failing(client, network, alice, computed, kite):
    _login(client, alice)
    pair = {"a": kite["dee"].pk, "b": kite["ana"].pk}
    client.post(_url("suggestion-accept", network), pair)
    response = client.post(_url("suggestion-accept", network), pair, follow=True)
    assert response.status_code == 200
    assert "already been answered" in response.content.decode()
    assert Relationship.objects.filter(source=kite["dee"], target=kite["ana"]).count() == 1


def test_accepting_with_a_member_of_another_network_is_a_404(
    client, network, other_network, alice, computed, kite
):
    stranger = MemberFactory(network=other_network)
    response = _login(client, alice).post(
        _url("suggestion-accept", network), {"a": kite["dee"].pk, "b": stranger.pk}
    )
    assert response.status_code == 404
    response = client.post(_url("suggestion-accept", network), {"a": "x", "b": kite["dee"].pk})
    assert response.status_code == 404


def test_suggestions_filter_by_kind_and_by_member(client, network, alice, computed, kite):
    _login(client, alice)
    everything = client.get(_url("suggestions", network)).context["page"].paginator.object_list
    assert {s["kind"] for s in everything} >= {"introduce"}
    introductions = client.get(_url("suggestions", network) + "?kind=introduce").context["page"].object_list
    assert introductions and all(s["kind"] == "introduce" for s in introductions)
    fay = client.get(_url("suggestions", network) + f"?member={kite['fay'].pk}").context["page"].object_list
    assert fay and all(kite["fay"].pk in (s["a"], s["b"]) for s in fay)
    by_name = client.get(_url("suggestions", network) + "?q=fay").context["page"].object_list
    assert [s["rank"] for s in by_name] == [s["rank"] for s in fay]
    assert client.get(_url("suggestions", network) + "?kind=nonsense&member=abc").status_code == 200


def test_accepting_goes_back_to_the_page_it_came_from_but_never_off_site(
    client, network, alice, computed, kite
):
    _login(client, alice)
    back = _url("member-detail", network, pk=kite["dee"].pk)
    response = client.post(
        _url("suggestion-dismiss", network), {"a": kite["dee"].pk, "b": kite["ben"].pk, "next": back}
    )
    assert response["Location"] == back
    response = client.post(
        _url("suggestion-dismiss", network),
        {"a": kite["fay"].pk, "b": kite["cai"].pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == _url("suggestions", network)


# The map's data


def test_map_data_has_positions_metrics_ties_and_tags(client, network, alice, computed, kite):
    data = _login(client, alice).get(_url("map-data", network)).json()
    assert data["snapshot"]["id"] == computed.pk and data["view"] == "all"
    assert {n["label"] for n in data["nodes"]} == {"Ana", "Ben", "Cai", "Dee", "Fay", "Riverside Trust"}
    cai = next(n for n in data["nodes"] if n["label"] == "Cai")
    assert set(cai) == {
        "id",
        "label",
        "kind",
        "place",
        "x",
        "y",
        "degree",
        "betweenness",
        "community",
        "roles",
        "tags",
    }
    assert cai["degree"] == 3 and "gatekeeper" in cai["roles"] and cai["x"] is not None
    assert len(data["edges"]) == 5 and all(len(e) == 3 for e in data["edges"])
    assert sorted(map(sorted, data["bridges"])) == sorted(
        [sorted([kite["cai"].pk, kite["dee"].pk]), sorted([kite["dee"].pk, kite["fay"].pk])]
    )
    assert {"communities", "tags"} <= set(data)


def test_map_data_is_compressed_for_browsers_that_accept_gzip(client, network, alice, computed):
    _login(client, alice)
    plain = client.get(_url("map-data", network))
    packed = client.get(_url("map-data", network), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == plain.json()


def test_map_data_switches_to_people_and_organisations_views(client, network, alice, computed, kite):
    _login(client, alice)
    people = client.get(_url("map-data", network) + "?view=people").json()
    assert "Riverside Trust" not in {n["label"] for n in people["nodes"]}
    organisations = client.get(_url("map-data", network) + "?view=organisations").json()
    assert [n["label"] for n in organisations["nodes"]] == ["Riverside Trust"]
    assert organisations["edges"] == []
    assert client.get(_url("map-data", network) + "?view=everything").status_code == 400


def test_the_organisations_map_is_read_from_the_snapshot_not_projected_on_request(
    client, network, alice, kite, django_capture_on_commit_callbacks
):
    school = OrganisationFactory(network=network, name="Hill School")
    kite["ben"].organisations.add(school)  # Ana (Riverside Trust) knows Ben (Hill School)
    _compute(network)
    _login(client, alice)
    with CaptureQueriesContext(connection) as queries:
        data = client.get(_url("map-data", network) + "?view=organisations").json()
    ids = sorted([kite["org"].pk, school.pk])
    assert data["edges"] == [[*ids, 3]]
    assert {n["label"]: n["degree"] for n in data["nodes"]} == {"Riverside Trust": 1, "Hill School": 1}
    assert not [q for q in queries.captured_queries if "networks_relationship" in q["sql"]]


def test_map_data_without_a_snapshot_is_empty(client, network, alice):
    data = _login(client, alice).get(_url("map-data", network)).json()
    assert data["snapshot"] is None and data["nodes"] == []


def _grow(network, size, prefix):
    people = [MemberFactory(network=network, name=f"{prefix}{i}") for i in range(size)]
    for i in range(size - 1):
        RelationshipFactory(network=network, source=people[i], target=people[i + 1])
        if i % 3 == 0 and i + 2 < size:
            RelationshipFactory(network=network, source=people[i], target=people[i + 2])
    _compute(network)


@pytest.mark.parametrize("view", ["all", "people", "organisations"])
def test_map_data_takes_the_same_number_of_queries_whatever_the_size(
    client, network, alice, django_assert_max_num_queries, view
):
    _login(client, alice)
    _grow(network, 8, "S")
    url = _url("map-data", network) + f"?view={view}"
    with django_assert_max_num_queries(12):
        small = client.get(url).json()
    _grow(network, 80, "L")
    with django_assert_max_num_queries(12):
        large = client.get(url).json()
    if view != "organisations":
        assert len(large["nodes"]) > len(small["nodes"])


def test_the_map_panel_shows_roles_in_plain_words(client, network, alice, computed, kite):
    html = _login(client, alice).get(_url("map-member", network, pk=kite["cai"].pk)).content.decode()
    assert "Gatekeeper" in html and "cut off" in html
    assert _url("member-detail", network, pk=kite["cai"].pk) in html


# The member page


def test_the_member_page_shows_their_figures_ego_network_and_suggestions(
    client, network, bob, computed, kite
):
    response = _login(client, bob).get(_url("member-detail", network, pk=kite["cai"].pk))
    html = response.content.decode()
    assert 'id="member-metrics"' in html and "Gatekeeper" in html
    ego = response.context["member_metrics"]["ego"]
    assert {c["name"] for c in ego["contacts"]} == {"Ana", "Ben", "Dee"}
    assert ego["tie_count"] == 1  # Ana and Ben know each other
    dee = client.get(_url("member-detail", network, pk=kite["dee"].pk))
    assert dee.context["member_metrics"]["suggestions"]
    assert "Connect</button>" not in dee.content.decode()  # bob reads, doesn't decide


def test_the_member_page_without_a_snapshot_has_no_figures_card(client, network, alice, kite):
    html = _login(client, alice).get(_url("member-detail", network, pk=kite["cai"].pk)).content.decode()
    assert 'id="member-metrics"' not in html


# What changed


def test_what_changed_compares_the_two_latest_snapshots_by_default(client, network, alice, computed, kite):
    RelationshipFactory(network=network, source=kite["dee"], target=kite["ana"])
    newer = _compute(network)
    response = _login(client, alice).get(_url("snapshot-compare", network))
    comparison = response.context["comparison"]
    assert comparison["older"].pk == computed.pk and comparison["newer"].pk == newer.pk
    assert [(t["a"]["name"], t["b"]["name"]) for t in comparison["triangles_closed"]] == [("Ana", "Dee")]
    assert "Ana" in response.content.decode()


def test_what_changed_rejects_snapshots_of_another_network(client, network, other_network, alice, computed):
    _compute(network)
    foreign = Snapshot.objects.create(network=other_network, status="done")
    response = _login(client, alice).get(_url("snapshot-compare", network) + f"?older={foreign.pk}")
    assert response.status_code == 400
    assert client.get(_url("snapshot-compare", network) + "?older=abc").status_code == 400


def test_snapshot_compare_lists_new_and_ended_ties_members_and_triangles_closed(network, kite):
    older = _compute(network)
    ana, ben, dee, fay = (kite[k] for k in ("ana", "ben", "dee", "fay"))
    gus = MemberFactory(network=network, name="Gus")
    RelationshipFactory(network=network, source=dee, target=ana)  # shared Cai: a triangle closed
    RelationshipFactory(network=network, source=gus, target=fay)  # Gus is new
    RelationshipFactory(network=network, source=fay, target=ben)  # no shared contact before
    tie = Relationship.objects.get(source=ana, target=ben)
    tie.end()
    tie.save()
    newer = _compute(network)

    change = selectors.snapshot_compare(older=older, newer=newer)

    def names(pairs):
        return sorted((p["a"]["name"], p["b"]["name"]) for p in pairs)

    assert [m["name"] for m in change["new_members"]] == ["Gus"]
    assert change["gone_members"] == []
    assert names(change["new_ties"]) == [("Ana", "Dee"), ("Ben", "Fay"), ("Fay", "Gus")]
    assert names(change["ended_ties"]) == [("Ana", "Ben")]
    assert names(change["triangles_closed"]) == [("Ana", "Dee")]
    assert [s["name"] for s in change["triangles_closed"][0]["shared"]] == ["Cai"]
    assert [m["name"] for m in change["left_periphery"]] == ["Fay"]  # one tie before, three now
    figures = {f["name"]: f for f in change["figures"]}
    assert figures["members"]["older"] == 6 and figures["members"]["newer"] == 7


def test_snapshot_compare_leaves_out_archived_members_and_their_ties(network, kite):
    older = _compute(network)
    kite["fay"].archived_at = older.finished_at
    kite["fay"].save()
    newer = _compute(network)
    change = selectors.snapshot_compare(older=older, newer=newer)
    assert [m["name"] for m in change["gone_members"]] == ["Fay"]
    assert [(t["a"]["name"], t["b"]["name"]) for t in change["ended_ties"]] == [("Dee", "Fay")]
    assert change["new_ties"] == [] and change["triangles_closed"] == []
