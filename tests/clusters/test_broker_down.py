"""With the broker down, cluster writes that send a task (invitations, learning ties) answer once saved."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from clusters.models import Attendance, SessionInvitation
from networks.models import Relationship
from tests.brokers import assert_answered_and_kept
from tests.clusters.factories import ClusterPersonFactory, SessionFactory
from tests.factories import MemberFactory
from tests.workers import celery_worker, wait_for
from weaver.lib.enqueue import unsent_tasks_resend
from weaver.models import UnsentTask

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

API = "/api/v1/networks/healthy-valleys"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def api(alice):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(alice)
    return client


@pytest.fixture
def web(alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    return client


@pytest.fixture
def session(cluster):
    return SessionFactory(cluster=cluster)


@pytest.fixture
def people(network, cluster):
    people = [MemberFactory(network=network, email=f"p{i}@example.org") for i in range(3)]
    for person in people:
        ClusterPersonFactory(cluster=cluster, person=person)
    return people


def _page(name, network, cluster, session):
    return reverse(f"clusters:{name}", args=[network.slug, cluster.pk, session.pk])


@pytest.mark.parametrize("over", ["api", "page"])
def test_sending_invitations_answers_while_the_broker_is_down_and_keeps_the_task(
    over, api, web, network, cluster, session, people, broker_down
):
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    if over == "api":
        response = api.post(f"{API}/sessions/{session.pk}/invite/")
    else:
        response = web.post(_page("session-invite", network, cluster, session))
    assert_answered_and_kept(response, sends="clusters.tasks.send_session_invitations", before=before)


@pytest.mark.parametrize("over", ["api", "page"])
def test_recording_attendance_answers_once_saved_while_the_broker_is_down(
    over, api, web, network, cluster, session, people, broker_down
):
    before = set(UnsentTask.objects.values_list("pk", flat=True))
    ids = [p.pk for p in people]
    if over == "api":
        response = api.post(f"{API}/sessions/{session.pk}/attendance/", {"attended": ids}, format="json")
    else:
        response = web.post(
            _page("session-detail", network, cluster, session), {"action": "attendance", "present": ids}
        )
    assert_answered_and_kept(response, sends="networks.tasks.compute_snapshot", before=before)
    assert Attendance.objects.filter(session=session, attended=True).count() == 3
    assert Relationship.objects.filter(network=network, kind="learning").count() == 3


def test_invitations_kept_while_the_broker_was_down_are_delivered_once_it_is_back(
    api, network, cluster, session, people, private_redis
):
    private_redis.stop()
    assert api.post(f"{API}/sessions/{session.pk}/invite/").status_code < 400
    assert UnsentTask.objects.filter(name="clusters.tasks.send_session_invitations").exists()

    private_redis.start()
    worker_env = {"CELERY_BROKER_URL": private_redis.url, "EMAIL_BACKEND": LOCMEM}
    with celery_worker(queue="celery", extra_env=worker_env):
        assert unsent_tasks_resend() == 1
        wait_for(lambda: SessionInvitation.objects.filter(session=session).count() == 3, timeout=120)
    assert UnsentTask.objects.get().sent_at is not None
