"""Every serializer of the apps refuses unknown input fields (weaver.lib.api.StrictFieldsMixin)."""

from django.apps import apps
from rest_framework import serializers

from weaver.lib.api import StrictFieldsMixin

# Serializers that read query parameters, where the page's own parameters (page, page_size) also live.
QUERY_PARAMETER_SERIALIZERS = {
    "networks.serializers_metrics.SuggestionQuerySerializer",
    "funds.api_rounds.ConflictFilterSerializer",
    "funds.serializers.PreviewParamsSerializer",
}


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def project_serializers():
    apps.get_app_configs()  # every app's modules are imported by then (their urls import their APIs)
    from weaver import urls  # noqa: F401

    ours = ("networks.", "funds.", "clusters.", "surveys.", "accounts.", "weaver.", "multiscale.")
    return {
        f"{c.__module__}.{c.__qualname__}": c
        for c in subclasses(serializers.Serializer)
        if c.__module__.startswith(ours)
    }


def test_every_serializer_of_the_apps_refuses_unknown_fields():
    found = project_serializers()
    assert len(found) > 60
    lax = sorted(name for name, cls in found.items() if not issubclass(cls, StrictFieldsMixin))
    assert lax == sorted(QUERY_PARAMETER_SERIALIZERS)
