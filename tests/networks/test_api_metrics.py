"""REST API for metrics, member metrics, suggestions, snapshots and graph exports: shapes, sorting,
filters, pagination, recompute and polling, accept/dismiss, exports read back by networkx and igraph,
the access matrix and a constant number of queries."""

import io
import json

import igraph
import networkx as nx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from networks import snapshots
from networks.models import MemberMetric, Relationship, Snapshot, SuggestionDecision
from tests.factories import MemberFactory, OrganisationFactory, RelationshipFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/networks/healthy-valleys"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_as(alice, bob, charlie):
    users = {"alice": alice, "bob": bob, "charlie": charlie, "anonymous": None}

    def make(name):
        client = APIClient()
        if users[name] is not None:
            client.force_authenticate(users[name])
        return client

    return make


@pytest.fixture
def api(client_as):
    return client_as("alice")


@pytest.fixture
def people(network):
    """Ana, Ben, Cai: a triangle; Dee hangs off Cai, Eli off Dee; Fay has no ties; Ana works at a clinic."""
    clinic = OrganisationFactory(network=network, name="Valley Clinic")
    members = {n: MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cai", "Dee", "Eli", "Fay")}
    members["Ana"].organisations.add(clinic)
    for a, b in [("Ana", "Ben"), ("Ben", "Cai"), ("Cai", "Ana"), ("Cai", "Dee"), ("Dee", "Eli")]:
        RelationshipFactory(network=network, source=members[a], target=members[b])
    RelationshipFactory(network=network, source=members["Ana"], target=clinic, kind="works at")
    return {**members, "Clinic": clinic}


def compute(network) -> Snapshot:
    return snapshots.snapshot_compute(snapshot_id=Snapshot.objects.create(network=network).pk)


@pytest.fixture
def snapshot(network, people):
    return compute(network)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def error_detail(response) -> str:
    return response.json()["errors"][0]["detail"]


# metrics/


def test_metrics_show_the_latest_done_snapshots_figures_method_timings_and_views(api, snapshot):
    response = api.get(f"{BASE}/metrics/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["snapshot"] == snapshot.pk
    assert data["finished_at"]
    assert data["network"]["members"] == 7
    assert data["network"]["triangles"] == 1
    assert data["network"]["isolates"] == 1
    assert data["method"]["betweenness"] == "exact"
    assert data["timings"]["betweenness"] >= 0
    assert data["views"]["people"]["members"] == 6
    assert data["views"]["organisations"]["members"] == 1


@pytest.fixture
def three_organisations(network):
    """Clinic, School and Library tied only through their people: Ana (Clinic) knows Ben and Cai
    (School), Cai knows Dee (Library). Projected, the organisations form a path Clinic–School–Library."""
    orgs = {n: OrganisationFactory(network=network, name=n) for n in ("Clinic", "School", "Library")}
    people = {n: MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cai", "Dee")}
    for person, org in [("Ana", "Clinic"), ("Ben", "School"), ("Cai", "School"), ("Dee", "Library")]:
        people[person].organisations.add(orgs[org])
    for a, b in [("Ana", "Ben"), ("Ana", "Cai"), ("Ben", "Cai"), ("Cai", "Dee")]:
        RelationshipFactory(network=network, source=people[a], target=people[b])
    return {**orgs, **people}


def test_each_view_records_how_its_betweenness_was_computed_and_serves_its_own_member_rows(
    api, network, three_organisations, monkeypatch
):
    from networks.metrics import snapshot as maths

    monkeypatch.setattr(maths, "VIEW_EXACT_MAX_MEMBERS", 2)
    snapshot = compute(network)

    data = api.get(f"{BASE}/metrics/").json()
    assert data["method"]["betweenness"] == "exact"  # 7 members, under the all-members threshold
    people, organisations = data["views"]["people"], data["views"]["organisations"]
    assert people["members"] == 4 and organisations["members"] == 3
    assert people["method"]["betweenness"] == "sampled"
    assert people["method"]["k"] == 4 and people["method"]["seed"] == 42
    assert organisations["method"]["betweenness"] == "sampled"
    detail = api.get(f"{BASE}/snapshots/{snapshot.pk}/").json()
    assert detail["views"]["people"]["method"]["betweenness"] == "sampled"
    assert "people_method" not in detail and "people" not in detail

    rows = results(api.get(f"{BASE}/metrics/members/", {"view": "organisations", "ordering": "-betweenness"}))
    assert [r["label"] for r in rows] == ["School", "Clinic", "Library"]
    assert {r["kind"] for r in rows} == {"organisation"}
    school = rows[0]
    assert school["degree"] == 2 and school["betweenness"] > 0 and school["is_gatekeeper"]
    assert [r["degree"] for r in rows[1:]] == [1, 1]
    everyone = {r["label"]: r for r in results(api.get(f"{BASE}/metrics/members/", {"page_size": 50}))}
    assert len(everyone) == 7
    assert everyone["School"]["degree"] == 0  # no ties of its own in the all-members graph
    assert (school["x"], school["y"]) == (everyone["School"]["x"], everyone["School"]["y"])
    in_people_view = results(api.get(f"{BASE}/metrics/members/", {"view": "people", "role": "gatekeeper"}))
    assert [r["label"] for r in in_people_view] == ["Cai"]


def test_an_unknown_view_of_member_rows_is_refused(api, snapshot):
    response = api.get(f"{BASE}/metrics/members/", {"view": "everyone"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "view"


def test_a_running_or_failed_snapshot_never_replaces_the_latest_done_one(api, network, snapshot):
    Snapshot.objects.create(network=network, status=Snapshot.Status.RUNNING)
    Snapshot.objects.create(network=network, status=Snapshot.Status.FAILED, finished_at=timezone.now())
    assert api.get(f"{BASE}/metrics/").json()["snapshot"] == snapshot.pk


@pytest.mark.parametrize("path", ["/metrics/", "/metrics/members/", "/suggestions/"])
def test_metrics_answer_404_with_a_clear_message_before_any_snapshot_is_done(api, network, people, path):
    Snapshot.objects.create(network=network)  # queued: not done yet
    response = api.get(BASE + path)
    assert response.status_code == 404
    assert "not been computed yet" in error_detail(response)


# metrics/members/


def test_member_rows_carry_the_member_every_metric_roles_and_explanation(api, people, snapshot):
    rows = {row["label"]: row for row in results(api.get(f"{BASE}/metrics/members/"))}
    cai = rows["Cai"]
    assert cai["member"] == people["Cai"].pk
    assert cai["email"] == people["Cai"].email
    assert cai["kind"] == "person"
    assert cai["degree"] == 3 and cai["triangles"] == 1 and cai["is_gatekeeper"] is True
    assert "gatekeeper" in cai["roles"]
    assert "Cai" in cai["explanation"]
    assert set(cai) >= {
        "betweenness",
        "closeness",
        "clustering",
        "core_number",
        "community",
        "reach2",
        "constraint",
        "effective_size",
        "open_triads",
        "x",
        "y",
    }
    assert rows["Fay"]["community"] is None and rows["Fay"]["roles"] == ["isolate"]
    assert rows["Valley Clinic"]["kind"] == "organisation"


@pytest.fixture
def crafted(network):
    """A done snapshot with hand-made rows, so filters and sorting are checked against known values."""
    snapshot = Snapshot.objects.create(
        network=network, status=Snapshot.Status.DONE, progress=100, finished_at=timezone.now()
    )
    rows = [
        ("Ana", "person", 5, 0.5, 0, ["hub", "broker"], 0.2),
        ("Ben", "person", 5, 0.1, 0, ["hub", "hub_and_spoke"], None),
        ("Cai", "organisation", 2, 0.3, 1, ["bridge_builder"], 0.7),
        ("Dee", "person", 1, 0.0, 1, ["peripheral"], 1.0),
        ("Eve", "person", 0, 0.0, None, ["isolate"], None),
    ]
    members = {}
    for name, kind, degree, betweenness, community, roles, constraint in rows:
        member = MemberFactory(network=network, name=name, kind=kind)
        members[name] = member
        MemberMetric.objects.create(
            snapshot=snapshot,
            member=member,
            degree=degree,
            betweenness=betweenness,
            community=community,
            roles=roles,
            constraint=constraint,
        )
    return members


def labels(response) -> list[str]:
    return [row["label"] for row in results(response)]


def test_member_rows_are_sorted_by_degree_by_default_ties_broken_by_member_id(api, crafted):
    assert labels(api.get(f"{BASE}/metrics/members/")) == ["Ana", "Ben", "Cai", "Dee", "Eve"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-betweenness", ["Ana", "Cai", "Ben", "Dee", "Eve"]),
        ("betweenness", ["Eve", "Dee", "Ben", "Cai", "Ana"]),
        ("degree", ["Eve", "Dee", "Cai", "Ben", "Ana"]),
        ("-constraint", ["Dee", "Cai", "Ana", "Ben", "Eve"]),  # nulls last, either way
        ("constraint", ["Ana", "Cai", "Dee", "Eve", "Ben"]),
        ("label", ["Ana", "Ben", "Cai", "Dee", "Eve"]),
        ("-label", ["Eve", "Dee", "Cai", "Ben", "Ana"]),
    ],
)
def test_member_rows_sort_by_any_metric(api, crafted, ordering, expected):
    assert labels(api.get(f"{BASE}/metrics/members/", {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"role": "hub"}, ["Ana", "Ben"]),
        ({"role": "hub_and_spoke"}, ["Ben"]),  # "hub" must not match inside "hub_and_spoke", nor the reverse
        ({"role": "isolate"}, ["Eve"]),
        ({"community": 1}, ["Cai", "Dee"]),
        ({"kind": "organisation"}, ["Cai"]),
        ({"role": "hub", "community": 1}, []),
    ],
)
def test_member_rows_filter_by_role_community_and_type(api, crafted, params, expected):
    assert labels(api.get(f"{BASE}/metrics/members/", params)) == expected


def test_member_rows_are_paginated(api, crafted):
    first = api.get(f"{BASE}/metrics/members/", {"page_size": 2}).json()
    assert first["count"] == 5
    assert [row["label"] for row in first["results"]] == ["Ana", "Ben"]
    second = api.get(first["next"]).json()
    assert [row["label"] for row in second["results"]] == ["Cai", "Dee"]


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "password"},
        {"role": "king"},
        {"community": "north"},
        {"community": str(2**40)},
        {"kind": "robot"},
        {"page": "99"},
    ],
)
def test_bad_member_row_queries_are_refused_not_crashed(api, crafted, params):
    response = api.get(f"{BASE}/metrics/members/", params)
    assert response.status_code in (400, 404), response.content
    assert response.json()["type"] in ("validation_error", "client_error")


def _member_rows_queries(api, network, size) -> int:
    snapshot = Snapshot.objects.create(
        network=network, status=Snapshot.Status.DONE, progress=100, finished_at=timezone.now()
    )
    members = MemberFactory.create_batch(size, network=network)
    MemberMetric.objects.bulk_create(
        [MemberMetric(snapshot=snapshot, member=m, degree=i, roles=["hub"]) for i, m in enumerate(members)]
    )
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{BASE}/metrics/members/", {"ordering": "-betweenness", "role": "hub"})
    assert response.status_code == 200
    assert response.json()["count"] == size
    return len(queries.captured_queries)


def test_a_page_of_member_rows_takes_the_same_few_queries_whatever_the_networks_size(
    api, network, django_assert_max_num_queries, real_broker
):
    # With a worker, as in production: in-process, each read also looks for a debounced snapshot to compute.
    small = _member_rows_queries(api, network, 3)
    large = _member_rows_queries(api, network, 120)
    assert small == large
    with django_assert_max_num_queries(4):  # network, current snapshot, count, the page with its members
        api.get(f"{BASE}/metrics/members/", {"ordering": "closeness"})


# suggestions/


def test_suggestions_list_the_latest_snapshots_suggestions_best_first(api, people, snapshot):
    rows = results(api.get(f"{BASE}/suggestions/", {"kind": "introduce"}))
    pairs = [{row["a_label"], row["b_label"]} for row in rows]
    assert {"Dee", "Ana"} in pairs and {"Dee", "Ben"} in pairs  # both share Cai
    assert all(row["shared_labels"] and row["reason"] for row in rows)


def test_suggestions_filter_by_kind_and_member(api, people, snapshot):
    dee = people["Dee"].pk
    rows = results(api.get(f"{BASE}/suggestions/", {"member": dee}))
    assert rows and all(dee in (row["a"], row["b"]) for row in rows)
    kinds = {row["kind"] for row in results(api.get(f"{BASE}/suggestions/", {"kind": "connect_periphery"}))}
    assert kinds <= {"connect_periphery"}
    assert api.get(f"{BASE}/suggestions/", {"kind": "nonsense"}).status_code == 400
    assert api.get(f"{BASE}/suggestions/", {"member": "x"}).status_code == 400


def test_accepting_a_suggestion_ties_the_pair_and_hides_it(api, people, snapshot):
    ana, dee = people["Ana"], people["Dee"]
    response = api.post(f"{BASE}/suggestions/accept/", {"a": dee.pk, "b": ana.pk, "note": "Met at lunch"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["decision"] == "accepted" and data["a"] == min(ana.pk, dee.pk)
    tie = Relationship.objects.get(pk=data["relationship"])
    assert tie.provenance == Relationship.Provenance.SUGGESTION and tie.notes == "Met at lunch"
    rows = results(api.get(f"{BASE}/suggestions/"))
    assert not any({row["a"], row["b"]} == {ana.pk, dee.pk} for row in rows)
    again = api.post(f"{BASE}/suggestions/accept/", {"a": ana.pk, "b": dee.pk})
    assert again.status_code == 400
    assert error_detail(again) == "This suggestion has already been answered."


def test_dismissing_a_suggestion_hides_it_and_is_idempotent(api, people, snapshot):
    ben, dee = people["Ben"], people["Dee"]
    for _ in range(2):
        response = api.post(f"{BASE}/suggestions/dismiss/", {"a": ben.pk, "b": dee.pk, "kind": "introduce"})
        assert response.status_code == 200, response.content
        assert response.json()["decision"] == "dismissed"
    assert SuggestionDecision.objects.filter(decision="dismissed").count() == 1
    rows = results(api.get(f"{BASE}/suggestions/"))
    assert not any({row["a"], row["b"]} == {ben.pk, dee.pk} for row in rows)


def test_answering_a_suggestion_needs_two_different_members_of_this_network(api, people, other_network):
    ana = people["Ana"]
    stranger = MemberFactory(network=other_network, name="Stranger")
    same = api.post(f"{BASE}/suggestions/dismiss/", {"a": ana.pk, "b": ana.pk})
    assert same.status_code == 400
    assert error_detail(same) == "A suggestion needs two different members."
    elsewhere = api.post(f"{BASE}/suggestions/accept/", {"a": ana.pk, "b": stranger.pk})
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["attr"] == "b"
    assert not SuggestionDecision.objects.exists()


# snapshots/ and recompute


@pytest.mark.parametrize("path", ["/metrics/recompute/", "/snapshots/"])
def test_recompute_answers_with_the_queued_snapshot_and_polling_shows_it_done(
    api, people, path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(BASE + path)
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["figures"] is None
    assert response["Location"] == queued["url"]
    assert queued["url"].endswith(f"/snapshots/{queued['id']}/")
    assert Snapshot.objects.get(pk=queued["id"]).trigger == Snapshot.Trigger.API

    polled = api.get(response["Location"]).json()
    assert (polled["status"], polled["progress"], polled["method"]) == ("queued", 0, None)

    for callback in callbacks:  # what the commit would enqueue; tests run tasks in-process
        callback()
    done = api.get(response["Location"]).json()
    assert done["status"] == "done" and done["progress"] == 100
    assert done["figures"]["members"] == 7


def test_a_second_recompute_joins_the_queued_snapshot(api, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = api.post(f"{BASE}/metrics/recompute/").json()
        second = api.post(f"{BASE}/snapshots/").json()
    assert first["id"] == second["id"]


def test_snapshots_are_listed_newest_first_with_their_key_figures(api, network, people):
    older = compute(network)
    failed = Snapshot.objects.create(
        network=network, status=Snapshot.Status.FAILED, error="MemoryError: boom"
    )
    rows = results(api.get(f"{BASE}/snapshots/"))
    assert [row["id"] for row in rows] == [failed.pk, older.pk]
    assert rows[0]["error"] == "MemoryError: boom" and rows[0]["figures"] is None
    assert rows[1]["figures"] == {
        "members": 7,
        "ties": 6,
        "density": pytest.approx(6 / 21),
        "average_clustering": pytest.approx(older.figures["average_clustering"]),
        "unclosed_pairs": older.figures["unclosed_pairs"],
        "periphery_share": pytest.approx(older.figures["periphery_share"]),
        "communities": older.figures["communities"],
    }


def test_a_snapshot_shows_everything_it_holds_with_members_named(api, people, snapshot):
    data = api.get(f"{BASE}/snapshots/{snapshot.pk}/").json()
    assert data["figures"]["triangles"] == 1
    assert data["method"]["seed"] == snapshot.method["seed"]
    assert data["views"]["people"]["members"] == 6
    assert {"Cai", "Dee"} in [{b["a_label"], b["b_label"]} for b in data["bridges"]]
    assert {g["label"] for g in data["gatekeepers"]} >= {"Cai", "Dee"}
    assert data["communities"] and data["communities"][0]["size"] >= 1
    assert data["suggestions"] == snapshot.suggestions


@pytest.mark.parametrize("pk", ["0", "abc", str(2**70)])
def test_a_snapshot_that_does_not_exist_is_a_404(api, snapshot, pk):
    assert api.get(f"{BASE}/snapshots/{pk}/").status_code == 404


def test_another_networks_snapshot_is_a_404(api, other_network):
    theirs = Snapshot.objects.create(network=other_network)
    assert api.get(f"{BASE}/snapshots/{theirs.pk}/").status_code == 404


# graph exports


def test_graph_json_is_node_link_data_networkx_reads_back(api, people, snapshot):
    response = api.get(f"{BASE}/graph.json")
    assert response["Content-Type"] == "application/json"
    assert 'filename="healthy-valleys-network.json"' in response["Content-Disposition"]
    graph = nx.node_link_graph(response.json(), edges="links")
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 6
    cai = graph.nodes[people["Cai"].pk]
    assert cai["label"] == "Cai" and cai["degree"] == 3 and "gatekeeper" in cai["roles"].split("|")
    assert graph.nodes[people["Ana"].pk]["organisations"] == str(people["Clinic"].pk)
    assert "community" not in graph.nodes[people["Fay"].pk]  # None is left out, not invented
    assert graph.graph == {"name": "Healthy Valleys", "snapshot": snapshot.pk}


def test_graph_gexf_is_read_back_by_networkx_with_metrics_and_positions(api, people, snapshot):
    response = api.get(f"{BASE}/graph.gexf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/gexf+xml")
    assert response["Content-Disposition"] == 'attachment; filename="healthy-valleys-network.gexf"'
    graph = nx.read_gexf(io.BytesIO(response.content), node_type=int)
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 6
    cai = graph.nodes[people["Cai"].pk]
    assert cai["label"] == "Cai" and cai["degree"] == 3 and cai["is_gatekeeper"] is True
    assert cai["viz"]["position"]["x"] == pytest.approx(cai["x"])


def test_graph_graphml_is_read_back_by_networkx_and_igraph(api, people, snapshot, tmp_path):
    response = api.get(f"{BASE}/graph.graphml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/graphml+xml")
    assert response["Content-Disposition"] == 'attachment; filename="healthy-valleys-network.graphml"'
    graph = nx.read_graphml(io.BytesIO(response.content), node_type=int)
    assert graph.number_of_edges() == 6
    assert (
        graph.nodes[people["Cai"].pk]["roles"].split("|")
        == MemberMetric.objects.get(snapshot=snapshot, member=people["Cai"]).roles
    )

    path = tmp_path / "network.graphml"
    path.write_bytes(response.content)
    g = igraph.Graph.Read_GraphML(str(path))
    assert (g.vcount(), g.ecount()) == (7, 6)
    by_label = {v["label"]: v for v in g.vs}
    assert by_label["Cai"]["degree"] == 3
    assert by_label["Cai"].degree() == 3
    assert sorted(g.es["weight"]) == [3] * 6


@pytest.mark.parametrize("extension", ["json", "gexf", "graphml"])
def test_graph_exports_work_before_any_snapshot_without_metrics(api, people, extension):
    response = api.get(f"{BASE}/graph.{extension}")
    assert response.status_code == 200, response.content
    assert b"Valley Clinic" in response.content
    assert b"betweenness" not in response.content


def test_an_outsider_asking_for_gexf_gets_a_json_404(client_as, people):
    response = client_as("charlie").get(f"{BASE}/graph.gexf", HTTP_ACCEPT="application/gexf+xml")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "Ana" not in response.content.decode()


# who may do what


READS = [
    "/metrics/",
    "/metrics/members/",
    "/suggestions/",
    "/snapshots/",
    "/snapshots/{snapshot}/",
    "/graph.json",
    "/graph.gexf",
    "/graph.graphml",
]


@pytest.mark.parametrize(
    ("user", "status"), [("alice", 200), ("bob", 200), ("charlie", 404), ("anonymous", 401)]
)
@pytest.mark.parametrize("path", READS)
def test_reads(client_as, snapshot, user, status, path):
    response = client_as(user).get(BASE + path.format(snapshot=snapshot.pk))
    assert response.status_code == status, response.content
    if status != 200:
        assert "Cai" not in response.content.decode()


WRITES = [
    ("/metrics/recompute/", None, 202),
    ("/snapshots/", None, 202),
    ("/suggestions/accept/", {"a": "Ana", "b": "Dee"}, 201),
    ("/suggestions/dismiss/", {"a": "Ana", "b": "Dee"}, 200),
]


def _state():
    return (
        list(Snapshot.objects.order_by("pk").values_list("pk", "status")),
        list(Relationship.objects.order_by("pk").values_list("pk", flat=True)),
        list(SuggestionDecision.objects.values_list("pk", flat=True)),
    )


@pytest.mark.parametrize(
    ("user", "allowed"), [("alice", True), ("bob", 403), ("charlie", 404), ("anonymous", 401)]
)
@pytest.mark.parametrize(("path", "payload", "created"), WRITES)
def test_writes(client_as, people, snapshot, user, allowed, path, payload, created):
    body = {key: people[name].pk for key, name in payload.items()} if payload else None
    before = _state()
    response = client_as(user).post(BASE + path, body, format="json")
    if allowed is True:
        assert response.status_code == created, response.content
    else:
        assert response.status_code == allowed, response.content
        assert _state() == before


def test_bob_is_told_why_he_cannot_recompute(client_as, people):
    response = client_as("bob").post(f"{BASE}/metrics/recompute/")
    assert error_detail(response) == "Only the network's coordinators can change this."


def test_token_auth_reads_metrics(alice, snapshot):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    data = json.loads(client.get(f"{BASE}/metrics/").content)
    assert data["snapshot"] == snapshot.pk
