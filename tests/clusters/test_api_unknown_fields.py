"""Clusters over the API: unknown fields are refused by name; a cluster can be read and sent back."""

import pytest
from rest_framework.test import APIClient

from tests.clusters.factories import SessionFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/networks/healthy-valleys"


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_a_misspelt_cluster_field_is_a_400_naming_it(api, cluster):
    response = api.patch(f"{BASE}/clusters/{cluster.pk}/", {"nmae": "Walking"})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("non_field_errors", "unknown_field")
    assert "“nmae”" in error["detail"] and "Did you mean “name”?" in error["detail"]
    cluster.refresh_from_db()
    assert cluster.name == "Walking groups"


def test_a_cluster_read_and_sent_back_whole_is_accepted(api, cluster):
    url = f"{BASE}/clusters/{cluster.pk}/"
    data = api.get(url).json()
    data["description"] = "Walk and talk."
    response = api.put(url, data)
    assert response.status_code == 200, response.content
    assert response.json()["description"] == "Walk and talk."


def test_a_session_s_attendance_refuses_an_unknown_field(api, cluster):
    session = SessionFactory(cluster=cluster)
    response = api.post(f"{BASE}/sessions/{session.pk}/attendance/", {"attended": [], "absnt": []})
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "unknown_field" and "Did you mean “absent”?" in error["detail"]


def test_proposing_candidates_without_a_tag_is_a_400_as_the_schema_says_the_tag_is_required(api):
    response = api.get(f"{BASE}/clusters/propose/")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["attr"], error["code"]) == ("tag", "required")
