"""The API's documentation page (kept apart from weaver.lib.api, which DRF's settings import)."""

from django.views.generic import View
from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """The interactive docs; OPTIONS answers as any Django view does (their renderer needs a template)."""

    options = View.options
