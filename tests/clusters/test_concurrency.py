import threading

import pytest
from django.db import connection

from clusters.models import SessionTieEffect
from clusters.services import attendance_record
from networks.models import Relationship
from tests.clusters.factories import ClusterFactory, ClusterPersonFactory, SessionFactory
from tests.factories import MemberFactory, NetworkFactory


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_facilitators_saving_the_same_checklist_at_once_tie_each_pair_once():
    network = NetworkFactory(slug="race")
    cluster = ClusterFactory(network=network)
    session = SessionFactory(cluster=cluster)
    people = [MemberFactory(network=network) for _ in range(4)]
    for person in people:
        ClusterPersonFactory(cluster=cluster, person=person)
    barrier = threading.Barrier(4)
    errors = []

    def save():
        try:
            barrier.wait()
            attendance_record(user=None, session=session, attended=people)
        except Exception as exc:  # reported below: a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert SessionTieEffect.objects.filter(session=session).count() == 6
    assert Relationship.objects.filter(kind="learning").count() == 6
    assert set(Relationship.objects.filter(kind="learning").values_list("strength", flat=True)) == {1}
