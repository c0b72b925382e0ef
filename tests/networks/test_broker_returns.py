"""After the broker was down, what a saved write asked for still happens once it is back, on a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from networks import snapshots
from networks.models import Member, MemberMetric, Snapshot
from tests.factories import MemberFactory, RelationshipFactory
from tests.workers import celery_worker, wait_for
from weaver.lib.enqueue import unsent_tasks_resend
from weaver.models import UnsentTask

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

API = "/api/v1/networks/healthy-valleys"


@pytest.fixture
def api(alice):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(alice)
    return client


@pytest.fixture
def triangle(network):
    ana, ben, cai = (MemberFactory(network=network, name=n) for n in ("Ana", "Ben", "Cai"))
    for a, b in [(ana, ben), (ben, cai), (cai, ana)]:
        RelationshipFactory(network=network, source=a, target=b)
    return ana, ben, cai


def _done(snapshot_id: int):
    return Snapshot.objects.filter(pk=snapshot_id, status="done").first()


def _add_a_member_while_the_broker_is_down(api, private_redis, settings) -> Snapshot:
    settings.WEAVER_SNAPSHOT_DEBOUNCE_SECONDS = 0
    private_redis.stop()
    response = api.post(f"{API}/members/", {"name": "Dee"})
    assert response.status_code == 201
    assert Member.objects.filter(name="Dee").exists()
    return Snapshot.objects.get(status="queued")


def test_a_kept_snapshot_task_is_sent_again_and_computed_once_the_broker_is_back(
    api, network, triangle, private_redis, settings
):
    snapshot = _add_a_member_while_the_broker_is_down(api, private_redis, settings)
    assert unsent_tasks_resend() == 0  # still down: kept, tried again later
    kept = UnsentTask.objects.get(name="networks.tasks.compute_snapshot")
    assert kept.args == [snapshot.pk] and kept.attempts == 2 and kept.sent_at is None

    private_redis.start()
    with celery_worker(queue="celery", extra_env={"CELERY_BROKER_URL": private_redis.url}):
        assert unsent_tasks_resend() == 1  # what beat runs every minute
        done = wait_for(lambda: _done(snapshot.pk), timeout=120)
    assert MemberMetric.objects.filter(snapshot=done).count() == 4
    assert UnsentTask.objects.get(pk=kept.pk).sent_at is not None


def test_the_reconciler_resends_a_snapshot_left_queued_by_the_broker_outage(
    api, network, triangle, private_redis, settings
):
    snapshot = _add_a_member_while_the_broker_is_down(api, private_redis, settings)
    # Minutes pass: the snapshot is overdue. The kept task is dropped to show the reconciler alone suffices.
    Snapshot.objects.filter(pk=snapshot.pk).update(not_before=timezone.now() - timedelta(minutes=3))
    UnsentTask.objects.all().delete()

    private_redis.start()
    with celery_worker(queue="celery", extra_env={"CELERY_BROKER_URL": private_redis.url}):
        assert snapshots.snapshots_reconcile() == [snapshot.pk]  # what beat runs every minute
        done = wait_for(lambda: _done(snapshot.pk), timeout=120)
    assert MemberMetric.objects.filter(snapshot=done).count() == 4
