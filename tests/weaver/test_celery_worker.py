import uuid

import pytest
from django_celery_results.models import TaskResult

from tests.workers import celery_worker, wait_for
from weaver.tasks import ping

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_runs_a_task_from_redis_and_its_result_lands_in_postgresql(real_broker):
    token = uuid.uuid4().hex
    with celery_worker() as (_proc, queue):
        result = ping.apply_async(args=[token], queue=queue)
        assert result.get(timeout=60)["token"] == token

        row = wait_for(lambda: TaskResult.objects.filter(task_id=result.id, status="SUCCESS").first())
    assert token in row.result
    assert row.task_name == "weaver.tasks.ping"
