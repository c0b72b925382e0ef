"""The API's documentation pages (kept apart from weaver.lib.api, which DRF's settings import)."""

from django.views.generic import View
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView


class SwaggerView(SpectacularSwaggerView):
    """The interactive docs; OPTIONS answers as any Django view does (their renderer needs a template)."""

    options = View.options


class RedocView(SpectacularRedocView):
    options = View.options
