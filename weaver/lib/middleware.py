"""Request guards that apply to every URL."""

from django.http import JsonResponse


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
