"""The post-commit enqueue helper: a task it cannot send is kept, counted on /readyz, and sent again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from weaver.celery import app
from weaver.lib.enqueue import enqueue_on_commit, unsent_tasks_count, unsent_tasks_resend
from weaver.models import UnsentTask
from weaver.tasks import ping

pytestmark = pytest.mark.django_db


def test_a_task_the_broker_refuses_is_kept_and_counted_on_readyz(
    client, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping, "hello", countdown=30)

    kept = UnsentTask.objects.get()
    assert (kept.name, kept.args, kept.kwargs) == ("weaver.tasks.ping", ["hello"], {})
    assert timedelta(seconds=25) < kept.eta - kept.created_at < timedelta(seconds=35)
    assert "OperationalError" in kept.error
    body = client.get("/readyz").json()
    assert body["failing"] == ["broker"] and body["unsent_tasks"] == 1


def test_nothing_is_sent_before_the_transaction_commits(django_capture_on_commit_callbacks, broker_down):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue_on_commit(ping, "later")
    assert len(callbacks) == 1 and not UnsentTask.objects.exists()


def test_in_process_the_task_runs_and_its_own_error_is_not_hidden(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping, "in-process")
    assert not UnsentTask.objects.exists()

    with pytest.raises(TypeError), django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(ping, "one", "too many")


def test_resending_stops_at_the_first_failure_while_the_broker_is_down(broker_down):
    rows = UnsentTask.objects.bulk_create(UnsentTask(name="weaver.tasks.ping", args=[n]) for n in "ab")
    assert unsent_tasks_resend() == 0
    attempts = dict(UnsentTask.objects.values_list("pk", "attempts"))
    assert attempts == {rows[0].pk: 2, rows[1].pk: 1}
    assert unsent_tasks_count() == 2


def test_resending_marks_sent_tasks_and_forgets_them_after_a_week():
    old = UnsentTask.objects.create(name="weaver.tasks.ping", args=["old"], sent_at=timezone.now())
    UnsentTask.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=8))
    waiting = UnsentTask.objects.create(name="weaver.tasks.ping", args=["now"])
    gone = UnsentTask.objects.create(name="weaver.tasks.renamed_since", args=[])

    assert unsent_tasks_resend() == 1  # in-process here: ping ran

    assert UnsentTask.objects.get(pk=waiting.pk).sent_at is not None
    assert not UnsentTask.objects.filter(pk=old.pk).exists()
    assert "No task called" in UnsentTask.objects.get(pk=gone.pk).error
    assert unsent_tasks_count() == 1


def test_the_beat_schedule_resends_kept_tasks_every_minute():
    entry = app.conf.beat_schedule["weaver-resend-unsent-tasks"]
    assert entry == {"task": "weaver.tasks.resend_unsent_tasks", "schedule": 60.0}
