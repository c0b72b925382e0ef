"""A snapshot's member rows are written in bulk (COPY on PostgreSQL) and read back as they were given."""

import pytest

from networks import snapshots
from networks.models import MemberMetric, MemberViewMetric, Snapshot
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

FIELDS = [f.attname for f in MemberMetric._meta.concrete_fields if not f.primary_key]


def _rows(snapshot, members):
    return [
        MemberMetric(
            snapshot=snapshot,
            member=members[0],
            degree=3,
            betweenness=0.1234567890123456,
            closeness=1e-12,
            community=None,
            constraint=None,
            effective_size=2.5,
            is_gatekeeper=True,
            roles=["hub", "broker"],
            explanation="",
            x=None,
            y=-0.75,
        ),
        MemberMetric(
            snapshot=snapshot,
            member=members[1],
            community=0,
            roles=[],
            explanation='Knows "everyone", and more,\nacross lines',
            x=1.0,
            y=2.0,
        ),
    ]


def test_member_rows_written_in_bulk_read_back_exactly_as_given(network):
    snapshot = Snapshot.objects.create(network=network)
    members = [MemberFactory(network=network), MemberFactory(network=network)]
    given = _rows(snapshot, members)
    snapshots._write_rows(MemberMetric, given)
    stored = list(MemberMetric.objects.filter(snapshot=snapshot).order_by("member_id").values(*FIELDS))
    expected = [{name: getattr(row, name) for name in FIELDS} for row in given]
    assert stored == sorted(expected, key=lambda row: row["member_id"])
    snapshots._write_rows(
        MemberViewMetric,
        [MemberViewMetric(snapshot=snapshot, view="people", member=members[0], explanation="")],
    )
    assert MemberViewMetric.objects.get(snapshot=snapshot).explanation == ""
