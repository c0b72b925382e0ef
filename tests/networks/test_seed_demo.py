import io

import networkx as nx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from simple_history.utils import get_history_model_for_model

from networks import permissions
from networks.management.commands.seed_demo import SLUG
from networks.models import Member, Network, Relationship, Role

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, seeded once for this module inside a transaction rolled back at its end
    (as Django's TestCase.setUpTestData does); each test still runs in its own savepoint."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        output = seed()
        yield output
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


def active_graph(network: Network) -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(network.members.active().values_list("pk", flat=True))
    ties = Relationship.objects.active().filter(
        network=network, source__archived_at__isnull=True, target__archived_at__isnull=True
    )
    graph.add_edges_from(ties.values_list("source_id", "target_id"))
    return graph


def fingerprint() -> tuple:
    return (
        Network.objects.count(),
        Member.objects.count(),
        Relationship.objects.count(),
        get_history_model_for_model(Member).objects.count(),
        get_history_model_for_model(Relationship).objects.count(),
        get_user_model().objects.count(),
        list(get_user_model().objects.values_list("username", "password").order_by("username")),
    )


def test_the_demo_network_has_the_promised_size_and_shape(demo, db):
    network = Network.objects.get(slug=SLUG)
    members = network.members.active()
    assert 60 <= members.people().count() <= 80
    assert 10 <= members.organisations().count() <= 14
    assert set(members.values_list("community", flat=True)) == {"Upper Valley", "Lower Valley", "Riverside"}
    assert 150 <= network.relationships.active().count() <= 250
    assert network.relationships.filter(ended_on__isnull=False).exists()
    assert network.members.filter(archived_at__isnull=False).exists()
    assert network.tags.filter(name="food-access").exists() and network.tags.count() >= 10
    emails = list(members.people().values_list("email", flat=True))
    assert len(set(emails)) == len(emails) and all(emails)


def test_seeding_twice_changes_nothing(demo, db):
    before = fingerprint()
    output = seed()
    assert fingerprint() == before
    assert "already loaded" in output


def test_the_two_clusters_are_joined_through_one_bridge_person(demo, db):
    graph = active_graph(Network.objects.get(slug=SLUG))
    assert nx.is_connected(graph)
    splitters = []
    for person in nx.articulation_points(graph):
        rest = graph.copy()
        rest.remove_node(person)
        sizes = sorted((len(part) for part in nx.connected_components(rest)), reverse=True)
        if sizes[1] >= 20:
            splitters.append(person)
    assert len(splitters) == 1
    assert Member.objects.get(pk=splitters[0]).kind == Member.Kind.PERSON


def test_there_are_hubs_whose_contacts_mostly_do_not_know_each_other_and_a_periphery(demo, db):
    graph = active_graph(Network.objects.get(slug=SLUG))
    clustering = nx.clustering(graph)
    hubs = [n for n, degree in graph.degree() if degree >= 12 and clustering[n] < 0.2]
    assert len(hubs) >= 2
    assert sum(1 for _, degree in graph.degree() if degree == 1) >= 8


def test_the_demo_logins_have_the_right_roles_and_are_printed(demo, db):
    network = Network.objects.get(slug=SLUG)
    coordinator = get_user_model().objects.get(username="coordinator")
    member = get_user_model().objects.get(username="member")
    assert coordinator.check_password("weaver-demo") and member.check_password("weaver-demo")
    assert permissions.can_edit(coordinator, network)
    assert permissions.has_role(member, network, Role.MEMBER) and not permissions.can_edit(member, network)
    assert "coordinator / weaver-demo" in demo and "http://127.0.0.1:8000/" in demo


def test_missing_demo_users_come_back_with_the_password_from_the_environment(demo, db, monkeypatch):
    get_user_model().objects.filter(username__in=["coordinator", "member"]).delete()
    monkeypatch.setenv("WEAVER_DEMO_PASSWORD", "s3cret-demo")
    output = seed()
    coordinator = get_user_model().objects.get(username="coordinator")
    assert coordinator.check_password("s3cret-demo")
    assert permissions.can_edit(coordinator, Network.objects.get(slug=SLUG))
    assert "coordinator / s3cret-demo" in output


def test_the_demo_is_the_same_on_every_run(demo, db):
    first = sorted(Member.objects.values_list("name", "email", "community", "location"))
    Network.objects.all().delete()
    seed()
    assert sorted(Member.objects.values_list("name", "email", "community", "location")) == first
