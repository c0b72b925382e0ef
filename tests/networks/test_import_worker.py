"""A large import through the pages with a real Celery worker on Redis + PostgreSQL, killed mid-confirm.

SMALLER THAN THE ISSUE'S 200,000 ROWS, to keep CI under budget: 8,000 members and 32,000 ties
(40,000 rows). The 200,000-row run through the same pages is benchmarks/import_bench.py --page,
with its figures in benchmarks/README.md.
"""

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from networks.importing import import_batches_reconcile
from networks.models import ImportBatch, Member, Relationship
from tests.fixtures.spreadsheets import csv_bytes
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MEMBERS = 8_000
TIES_EACH = 4  # each member ties to the next four: 32,000 ties
ROWS = MEMBERS + MEMBERS * TIES_EACH


def large_files() -> list[SimpleUploadedFile]:
    members = [["Label", "Email", "Community"]] + [
        [f"Person {i}", f"person{i}@example.org", f"C{i % 7}"] for i in range(MEMBERS)
    ]
    ties = [["From", "To", "Strength"]] + [
        [f"person{i}@example.org", f"person{(i + k) % MEMBERS}@example.org", str(1 + k)]
        for i in range(MEMBERS)
        for k in range(1, TIES_EACH + 1)
    ]
    return [
        SimpleUploadedFile("members.csv", csv_bytes(members)),
        SimpleUploadedFile("ties.csv", csv_bytes(ties)),
    ]


def batch_of(network) -> ImportBatch:
    return ImportBatch.objects.get(network=network)


def upload_and_preview(client, network, alice) -> ImportBatch:
    client.force_login(alice)
    response = client.post(reverse("networks:import-upload", args=[network.slug]), {"files": large_files()})
    assert response.status_code == 302
    wait_for(lambda: batch_of(network).status == ImportBatch.Status.PREVIEWED, timeout=120, interval=0.1)
    return batch_of(network)


def test_a_large_import_through_the_pages_answers_at_once_shows_moving_progress_and_the_result(
    client, network, alice, real_broker
):
    with celery_worker(queue="celery"):
        batch = upload_and_preview(client, network, alice)
        assert (batch.rows_done, batch.rows_total) == (ROWS, ROWS)

        response = client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk]))
        # The request came back while the worker had not finished: nothing is saved yet.
        answered = batch_of(network)
        members_when_answered = Member.objects.filter(network=network).count()

        progress_url = reverse("networks:import-progress", args=[network.slug, batch.pk])
        seen = []

        def finished():
            card = client.get(progress_url, headers={"HX-Request": "true"})
            current = batch_of(network)
            seen.append((current.status, current.stage, current.rows_done, current.rows_total))
            return "hx-trigger" not in card.content.decode()

        wait_for(finished, timeout=120, interval=0.1)

    assert response.status_code == 302
    assert answered.status == ImportBatch.Status.CONFIRMING
    assert members_when_answered == 0
    moving = {done for status, stage, done, total in seen if status == "confirming" and 0 < done < total}
    assert len(moving) >= 2, seen
    result = client.get(response.url).content.decode()
    assert f"Members: {MEMBERS} added, 0 updated." in " ".join(result.split())
    assert f"Ties: {MEMBERS * TIES_EACH} added, 0 updated." in " ".join(result.split())
    assert Member.objects.filter(network=network).count() == MEMBERS
    assert Relationship.objects.filter(network=network).count() == MEMBERS * TIES_EACH


def test_killing_the_worker_mid_confirm_leaves_nothing_and_the_reconciler_completes_the_import(
    client, network, alice, real_broker, settings
):
    with celery_worker(queue="celery") as (proc, _queue):
        batch = upload_and_preview(client, network, alice)
        client.post(reverse("networks:import-confirm", args=[network.slug, batch.pk]))

        def mid_confirm():
            current = batch_of(network)
            return current.status == "confirming" and 0 < current.rows_done < current.rows_total // 2

        wait_for(mid_confirm, timeout=120, interval=0.02)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    killed = batch_of(network)
    assert killed.status == ImportBatch.Status.CONFIRMING
    assert Member.objects.filter(network=network).count() == 0
    assert Relationship.objects.filter(network=network).count() == 0

    settings.WEAVER_IMPORT_STALE_SECONDS = 0  # the beat reconciler's wait, shortened; run here at once
    with celery_worker(queue="celery"):
        assert import_batches_reconcile() == [batch.pk]
        wait_for(lambda: not batch_of(network).is_working, timeout=120, interval=0.2)

    done = batch_of(network)
    assert done.status == ImportBatch.Status.APPLIED
    assert done.attempts == 2
    assert Member.objects.filter(network=network).count() == MEMBERS
    assert Relationship.objects.filter(network=network).count() == MEMBERS * TIES_EACH
    assert Member.history.filter(network=network).count() == MEMBERS
