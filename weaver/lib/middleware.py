"""Request guards that apply to every URL."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path or query string.

    PostgreSQL refuses NUL in text, so a `?q=%00` that reached a query would be a 500.
    The body follows drf-standardized-errors' parse-error shape, as the API documents for 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return JsonResponse(
                {
                    "type": "client_error",
                    "errors": [
                        {
                            "code": "parse_error",
                            "detail": "The address contains a NUL character, which is not allowed.",
                            "attr": None,
                        }
                    ],
                },
                status=400,
            )
        return self.get_response(request)


class ProbeMiddleware:
    """Answer /healthz and /readyz before host checks and HTTPS redirects.

    Container and load-balancer probes call the process by its own address over plain HTTP, which
    production settings (ALLOWED_HOSTS, SECURE_SSL_REDIRECT) would otherwise refuse or redirect.
    """

    def __init__(self, get_response):
        from weaver import health

        self.get_response = get_response
        self.probes = {"/healthz": health.healthz, "/readyz": health.readyz}

    def __call__(self, request):
        probe = self.probes.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class UploadSizeMiddleware:
    """Refuse a request body far over the upload limit from its Content-Length, before reading it.

    Django streams uploaded files to disk whatever their size; the import form gives the friendly
    message for files just over the limit, this stops a multi-gigabyte body from being received.
    """

    SLACK_BYTES = 1024 * 1024  # room for the form's other fields around a file at the limit

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.WEAVER_MAX_UPLOAD_MB * 1024 * 1024 + self.SLACK_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            size_mb, limit_mb = length / 1024 / 1024, settings.WEAVER_MAX_UPLOAD_MB
            if request.path_info.startswith("/api/"):
                detail = f"The request body is {size_mb:.1f} MB; the limit is {limit_mb} MB."
                error = {"code": "request_too_large", "detail": detail, "attr": None}
                response = JsonResponse({"type": "client_error", "errors": [error]}, status=413)
            else:
                body = render_to_string("413.html", {"size_mb": size_mb, "limit_mb": limit_mb})
                response = HttpResponse(body, status=413)
            # The body was not read, so the connection cannot carry another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
