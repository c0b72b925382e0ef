"""With the broker down, every network write that sends a task answers once its data is committed.

The task is kept (weaver.UnsentTask) and sent again when the broker answers; the snapshot row itself
stays queued for the reconciler. Tests are transactional so that on-commit sends run as in a request.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from networks.models import Member, NetworkRole, Relationship, Snapshot, SuggestionDecision
from tests.brokers import assert_answered_and_kept
from tests.factories import MemberFactory, RelationshipFactory
from weaver.models import UnsentTask

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

API = "/api/v1/networks/healthy-valleys"
COMPUTE = "networks.tasks.compute_snapshot"
INVITE = "networks.tasks.send_access_invitation"


@pytest.fixture
def api(alice):
    client = APIClient(raise_request_exception=False)  # a 500 is an answer here, not an exception
    client.force_authenticate(alice)
    return client


@pytest.fixture
def web(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def ana(network):
    return MemberFactory(network=network, name="Ana", email="ana@example.org")


@pytest.fixture
def ben(network):
    return MemberFactory(network=network, name="Ben")


@pytest.fixture
def tie(network, ana, ben):
    return RelationshipFactory(network=network, source=ana, target=ben)


def page(name, network, *args):
    return reverse(f"networks:{name}", args=[network.slug, *args])


# Each write: (what it sends, the request, the proof that its data was committed).
WRITES = {
    "API member create": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/members/", {"name": "Zoe"}),
        lambda n, a, b, t: Member.objects.filter(network=n, name="Zoe").exists(),
    ),
    "API member update": (
        None,  # names and communities are not part of the metric graph
        lambda c, n, a, b, t: c.api.patch(f"{API}/members/{a.pk}/", {"community": "North"}),
        lambda n, a, b, t: Member.objects.get(pk=a.pk).community == "North",
    ),
    "API member archive": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/members/{a.pk}/archive/"),
        lambda n, a, b, t: Member.objects.get(pk=a.pk).archived_at is not None,
    ),
    "API relationship create": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/relationships/", {"source": a.pk, "target": b.pk}),
        lambda n, a, b, t: Relationship.objects.filter(source=a, target=b).exists(),
    ),
    "API relationship end": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/relationships/{t.pk}/end/", {}),
        lambda n, a, b, t: Relationship.objects.get(pk=t.pk).ended_on is not None,
    ),
    "API recompute": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/metrics/recompute/"),
        lambda n, a, b, t: Snapshot.objects.filter(network=n, status="queued").exists(),
    ),
    "API suggestion accept": (
        COMPUTE,
        lambda c, n, a, b, t: c.api.post(f"{API}/suggestions/accept/", {"a": a.pk, "b": b.pk}),
        lambda n, a, b, t: SuggestionDecision.objects.filter(decision="accepted").exists(),
    ),
    "API suggestion dismiss": (
        None,
        lambda c, n, a, b, t: c.api.post(f"{API}/suggestions/dismiss/", {"a": a.pk, "b": b.pk}),
        lambda n, a, b, t: SuggestionDecision.objects.filter(decision="dismissed").exists(),
    ),
    "API access grant": (
        INVITE,
        lambda c, n, a, b, t: c.api.post(f"{API}/access/", {"member": a.pk, "roles": ["member"]}),
        lambda n, a, b, t: NetworkRole.objects.filter(network=n, user__email="ana@example.org").exists(),
    ),
    "page member create": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(page("member-create", n), {"kind": "person", "name": "Zoe"}),
        lambda n, a, b, t: Member.objects.filter(network=n, name="Zoe").exists(),
    ),
    "page member edit": (
        None,
        lambda c, n, a, b, t: c.web.post(
            page("member-edit", n, a.pk), {"kind": "person", "name": "Ana", "community": "North"}
        ),
        lambda n, a, b, t: Member.objects.get(pk=a.pk).community == "North",
    ),
    "page member archive": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(page("member-archive", n, a.pk), {"action": "archive"}),
        lambda n, a, b, t: Member.objects.get(pk=a.pk).archived_at is not None,
    ),
    "page relationship create": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(
            page("relationship-create", n, a.pk),
            {"target": b.pk, "kind": "knows", "strength": 3, "direction": "undirected"},
        ),
        lambda n, a, b, t: Relationship.objects.filter(source=a, target=b).exists(),
    ),
    "page relationship end": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(page("relationship-end", n, t.pk), {}),
        lambda n, a, b, t: Relationship.objects.get(pk=t.pk).ended_on is not None,
    ),
    "page recompute": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(page("snapshot-recompute", n)),
        lambda n, a, b, t: Snapshot.objects.filter(network=n, status="queued").exists(),
    ),
    "page suggestion accept": (
        COMPUTE,
        lambda c, n, a, b, t: c.web.post(page("suggestion-accept", n), {"a": a.pk, "b": b.pk}),
        lambda n, a, b, t: SuggestionDecision.objects.filter(decision="accepted").exists(),
    ),
    "page access grant": (
        INVITE,
        lambda c, n, a, b, t: c.web.post(page("access-list", n), {"member": a.pk, "roles": ["member"]}),
        lambda n, a, b, t: NetworkRole.objects.filter(network=n, user__email="ana@example.org").exists(),
    ),
}


class Clients:
    def __init__(self, api, web):
        self.api, self.web = api, web


@pytest.mark.parametrize("write", list(WRITES))
def test_a_network_write_answers_once_saved_while_the_broker_is_down(
    write, api, web, network, ana, ben, tie, broker_down
):
    sends, send_request, saved = WRITES[write]
    if write.endswith("relationship create") or write.endswith("suggestion accept"):
        Relationship.objects.filter(pk=tie.pk).delete()  # Ana and Ben not tied yet

    before = set(UnsentTask.objects.values_list("pk", flat=True))

    response = send_request(Clients(api, web), network, ana, ben, tie)

    assert_answered_and_kept(response, sends=sends, before=before)
    assert saved(network, ana, ben, tie)
    if sends == COMPUTE and write.startswith("API"):
        # The answer says the metrics update is pending, and where to follow it.
        queued = Snapshot.objects.get(network=network, status="queued")
        assert response["Weaver-Metrics-Pending"].endswith(f"{API}/snapshots/{queued.pk}/")
