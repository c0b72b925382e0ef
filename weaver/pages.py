"""Project-level answers that belong to no app."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the page links: send them to the static icon."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
