"""Data migrations of networks: existing snapshots keep what they showed."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE, AFTER = ("networks", "0006_text_length_caps"), ("networks", "0007_snapshot_small_rows")


@pytest.mark.django_db(transaction=True)
def test_existing_snapshots_views_are_split_into_small_figures_and_the_organisations_ties_table():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    network = apps.get_model("networks", "Network").objects.create(name="Old", slug="old", purpose="x")
    views = {
        "people": {"network": {"members": 3}, "method": {"betweenness": "exact"}, "bridges": [[1, 2]],
                   "gatekeepers": [2], "communities": []},
        "organisations": {"network": {"members": 2}, "method": {"betweenness": "exact"}, "bridges": [],
                          "gatekeepers": [], "communities": [], "ties": [[4, 5, 3]]},
    }  # fmt: skip
    old = apps.get_model("networks", "Snapshot").objects.create(network=network, status="done", views=views)

    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])
    apps = executor.loader.project_state([AFTER]).apps
    snapshot = apps.get_model("networks", "Snapshot").objects.get(pk=old.pk)
    assert snapshot.view_figures == {
        "people": {"members": 3, "method": {"betweenness": "exact"}},
        "organisations": {"members": 2, "method": {"betweenness": "exact"}},
    }
    assert snapshot.views == {
        "people": {"bridges": [[1, 2]], "gatekeepers": [2], "communities": []},
        "organisations": {"bridges": [], "gatekeepers": [], "communities": []},
    }
    ties = apps.get_model("networks", "SnapshotTies").objects.get(snapshot_id=old.pk)
    assert (ties.view, ties.ties) == ("organisations", [[4, 5, 3]])

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    assert apps.get_model("networks", "Snapshot").objects.get(pk=old.pk).views == views
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
