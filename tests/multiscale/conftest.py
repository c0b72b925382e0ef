import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    def make(user=None):
        client = APIClient()
        client.default_format = "json"  # the API reads JSON bodies only
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
