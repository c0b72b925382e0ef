import pytest
from django.apps import apps
from django.contrib import admin


@pytest.mark.parametrize("app_label", ["accounts", "networks", "funds", "clusters", "surveys", "weaver"])
def test_every_model_is_in_the_admin(app_label):
    missing = [
        model.__name__
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical") and not admin.site.is_registered(model)
    ]
    assert missing == []


def test_the_admin_index_lists_the_apps(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    for name in (b"Networks", b"Funds", b"Clusters", b"Surveys"):
        assert name in response.content
