"""Imports through the pages as tasks over a stored batch: states, progress, the reconciler (in-process)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from networks.importing import (
    batches,
    import_batch_apply,
    import_batch_confirm,
    import_batch_create,
    import_batches_reconcile,
    planning,
)
from networks.models import ImportBatch, Member, Relationship
from tests.fixtures.spreadsheets import MEMBERS, TIES, csv_files, kumu_files

ROWS = len(MEMBERS) - 1 + len(TIES) - 1


def create(network, user, files=None, *, run, capture):
    with capture(execute=run):
        return import_batch_create(user=user, network=network, files=files or kumu_files())


def confirm(batch, user, *, run, capture):
    with capture(execute=run):
        return import_batch_confirm(user=user, batch=batch)


@pytest.mark.django_db
def test_an_upload_is_stored_as_uploaded_before_its_check_runs(
    network, alice, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)

    assert batch.status == ImportBatch.Status.UPLOADED
    assert batch.files.count() == 1
    assert Member.objects.filter(network=network).count() == 0


@pytest.mark.django_db
def test_the_check_records_previewed_with_counts_and_every_row_done(
    network, alice, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert (batch.rows_done, batch.rows_total) == (ROWS, ROWS)
    assert batch.summary["members"]["create"] == 5
    assert batch.attempts == 1


@pytest.mark.django_db
def test_confirm_records_confirming_then_the_apply_records_applied(
    network, alice, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)

    confirmed = confirm(batch, alice, run=False, capture=django_capture_on_commit_callbacks)
    assert confirmed.status == ImportBatch.Status.CONFIRMING
    assert Member.objects.filter(network=network).count() == 0

    applied = import_batch_apply(batch_id=batch.pk)
    assert applied.status == ImportBatch.Status.APPLIED
    assert applied.applied_at is not None
    assert applied.confirmed_by == alice
    assert Member.objects.filter(network=network).count() == 5
    assert Relationship.objects.filter(network=network).count() == 3


@pytest.mark.django_db
def test_a_second_delivery_of_the_apply_changes_nothing(network, alice, django_capture_on_commit_callbacks):
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)
    confirm(batch, alice, run=True, capture=django_capture_on_commit_callbacks)

    again = import_batch_apply(batch_id=batch.pk)

    assert again.status == ImportBatch.Status.APPLIED
    assert Member.objects.filter(network=network).count() == 5
    assert Member.history.filter(network=network).count() == 5


@pytest.mark.django_db
def test_a_task_for_a_deleted_batch_returns_quietly(network, alice, django_capture_on_commit_callbacks):
    batch = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)
    batch_id = batch.pk
    batch.delete()

    assert batches.import_batch_preview(batch_id=batch_id) is None
    assert import_batch_apply(batch_id=batch_id) is None


@pytest.mark.django_db
def test_a_file_with_bad_rows_is_rejected_row_by_row_and_cannot_be_confirmed(
    network, alice, django_capture_on_commit_callbacks
):
    files = csv_files(ties=[*TIES, ["Ana Lopez", "Nobody", "", "7"]])
    batch = create(network, alice, files, run=True, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    reasons = {(row["sheet"], row["line"]): row["reason"] for row in batch.summary["bad_rows"]}
    assert "Unknown member “Nobody”" in reasons[("ties.csv", 5)]
    assert "Strength must be a whole number from 1 to 5, not 7." in reasons[("ties.csv", 5)]
    with pytest.raises(Exception, match="has problems and cannot be applied"):
        confirm(batch, alice, run=True, capture=django_capture_on_commit_callbacks)
    assert Member.objects.filter(network=network).count() == 0


@pytest.mark.django_db
def test_an_upload_over_the_row_limit_is_refused_with_the_limit_named(
    network, alice, settings, django_capture_on_commit_callbacks
):
    settings.WEAVER_IMPORT_MAX_ROWS = 7

    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.REJECTED
    [bad] = batch.summary["bad_rows"]
    assert bad["reason"] == (
        "The upload has 8 rows (members and ties together); the limit is 7. Split it into smaller imports."
    )


@pytest.mark.django_db
def test_an_error_in_the_apply_marks_the_batch_failed_with_the_reason_and_writes_nothing(
    network, alice, monkeypatch, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("networks.importing.applying._history_copied", broken)
    confirm(batch, alice, run=True, capture=django_capture_on_commit_callbacks)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "nothing was imported" in batch.error and "RuntimeError: disk full" in batch.error
    assert Member.objects.filter(network=network).count() == 0


@pytest.mark.django_db
def test_the_reconciler_resends_a_stale_batch_and_leaves_a_fresh_one(
    network, alice, settings, django_capture_on_commit_callbacks
):
    settings.WEAVER_IMPORT_STALE_SECONDS = 300
    stale = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)
    fresh = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)
    ImportBatch.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - timedelta(seconds=301))

    with django_capture_on_commit_callbacks(execute=True):
        resent = import_batches_reconcile()

    assert resent == [stale.pk]
    assert ImportBatch.objects.get(pk=stale.pk).status == ImportBatch.Status.PREVIEWED
    assert ImportBatch.objects.get(pk=fresh.pk).status == ImportBatch.Status.UPLOADED


@pytest.mark.django_db
def test_the_reconciler_resends_a_confirm_whose_worker_died_and_it_completes(
    network, alice, settings, django_capture_on_commit_callbacks
):
    settings.WEAVER_IMPORT_STALE_SECONDS = 0
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)
    confirm(batch, alice, run=False, capture=django_capture_on_commit_callbacks)
    # The task was delivered once and its worker died mid-way: one attempt, nothing written.
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=1, stage="saving")

    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_reconcile() == [batch.pk]

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.APPLIED
    assert batch.attempts == 2
    assert Member.objects.filter(network=network).count() == 5


@pytest.mark.django_db
def test_the_reconciler_gives_up_on_a_batch_after_its_attempts_with_the_reason(
    network, alice, settings, django_capture_on_commit_callbacks
):
    settings.WEAVER_IMPORT_STALE_SECONDS = 0
    batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)
    confirm(batch, alice, run=False, capture=django_capture_on_commit_callbacks)
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=batches.MAX_ATTEMPTS)

    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_reconcile() == []

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error.startswith(f"Gave up after {batches.MAX_ATTEMPTS} attempts")
    assert Member.objects.filter(network=network).count() == 0


@pytest.mark.django_db
def test_the_reconciler_task_is_listed_with_the_periodic_jobs():
    from weaver.celery import app

    jobs = {job["task"] for job in app.conf.beat_schedule.values()}
    assert "networks.tasks.reconcile_imports" in jobs


@pytest.mark.django_db
def test_the_progress_card_polls_while_working_and_stops_when_done(
    client, network, alice, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)
    client.force_login(alice)
    url = reverse("networks:import-progress", args=[network.slug, batch.pk])

    working = client.get(url, headers={"HX-Request": "true"})
    batches.import_batch_preview(batch_id=batch.pk)
    finished = client.get(url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in working.content.decode()
    assert "Checking the file" in working.content.decode()
    assert "hx-trigger" not in finished.content.decode()
    assert finished["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_bob_cannot_poll_an_imports_progress_and_charlie_gets_404(
    client, network, alice, bob, charlie, django_capture_on_commit_callbacks
):
    batch = create(network, alice, run=False, capture=django_capture_on_commit_callbacks)
    url = reverse("networks:import-progress", args=[network.slug, batch.pk])

    client.force_login(bob)
    assert client.get(url).status_code == 403
    client.force_login(charlie)
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_progress_written_during_the_confirm_is_seen_by_other_sessions_before_it_commits(
    network, alice, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes progress with the transaction (in-process tasks only)")
    monkeypatch.setattr(batches, "PROGRESS_INTERVAL", 0)
    monkeypatch.setattr(planning, "PROGRESS_EVERY", 1)
    seen = []
    observer = connection.copy()
    real = batches._progress_reporter

    @contextmanager
    def watched(batch_id):
        with real(batch_id) as report:

            def report_and_look(stage, done, total, force=False):
                report(stage, done, total, force)
                with observer.cursor() as cursor:
                    cursor.execute(
                        "SELECT status, stage, rows_done, rows_total FROM networks_importbatch WHERE id = %s",
                        [batch_id],
                    )
                    seen.append(cursor.fetchone())
                    cursor.execute("SELECT count(*) FROM networks_member WHERE network_id = %s", [network.pk])
                    seen[-1] += cursor.fetchone()

            yield report_and_look

    monkeypatch.setattr(batches, "_progress_reporter", watched)
    batch = import_batch_create(user=alice, network=network, files=kumu_files())
    seen.clear()
    try:
        import_batch_confirm(user=alice, batch=batch)
    finally:
        observer.close()

    checking = [done for status, stage, done, total, _ in seen if stage == "checking rows" and total == ROWS]
    saving = [(done, total) for status, stage, done, total, _ in seen if stage == "saving"]
    assert {status for status, *_ in seen} == {"confirming"}
    assert checking == sorted(checking) and 0 in checking and any(0 < d < ROWS for d in checking)
    assert saving and saving[-1] == (8, 8)  # 5 members and 3 ties written
    assert {members for *_, members in seen} == {0}  # nothing visible before the commit
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED
    assert Member.objects.filter(network=network).count() == 5


@pytest.mark.django_db(transaction=True)
def test_an_apply_that_finishes_after_the_reconciler_gave_up_writes_nothing(network, alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs a second session writing while the apply's transaction is open")
    batch = import_batch_create(user=alice, network=network, files=kumu_files())
    real_run = batches.import_run

    def run_then_reconciler_gives_up(**kwargs):
        plan = real_run(**kwargs)
        reconciler = connection.copy()
        with reconciler.cursor() as cursor:
            cursor.execute("UPDATE networks_importbatch SET status = 'failed' WHERE id = %s", [batch.pk])
        reconciler.close()
        return plan

    monkeypatch.setattr(batches, "import_run", run_then_reconciler_gives_up)
    import_batch_confirm(user=alice, batch=batch)

    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.FAILED
    assert Member.objects.filter(network=network).count() == 0


@pytest.mark.django_db
def test_a_broker_down_at_upload_still_stores_the_batch_and_the_reconciler_sends_it_later(
    network, alice, settings, django_capture_on_commit_callbacks
):
    from tests.brokers import broker_at, free_port
    from weaver.celery import app
    from weaver.models import UnsentTask

    app.conf.task_always_eager = False  # the autouse fixture puts it back
    with broker_at(f"redis://127.0.0.1:{free_port()}/0"):
        batch = create(network, alice, run=True, capture=django_capture_on_commit_callbacks)
    app.conf.task_always_eager = True
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.UPLOADED
    assert UnsentTask.objects.get().name == "networks.tasks.preview_import"

    settings.WEAVER_IMPORT_STALE_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        assert import_batches_reconcile() == [batch.pk]
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED
