"""Shared REST API plumbing: pagination, service errors as 400 responses, JSON 404s under /api/."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def api_validation_error(exc: DjangoValidationError) -> ValidationError:
    """The DRF 400 equivalent of a Django ValidationError raised by a service, field by field."""
    if hasattr(exc, "error_dict"):
        detail = {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): [
                ErrorDetail(message, code="invalid") for message in DjangoValidationError(errors).messages
            ]
            for field, errors in exc.error_dict.items()
        }
    else:
        detail = {
            api_settings.NON_FIELD_ERRORS_KEY: [
                ErrorDetail(message, code="invalid") for message in exc.messages
            ]
        }
    return ValidationError(detail)


@contextmanager
def service_errors() -> Iterator[None]:
    """Run a service call so that its validation errors answer 400 instead of 500."""
    try:
        yield
    except DjangoValidationError as exc:
        raise api_validation_error(exc) from exc


def handler404(request, exception):
    """404 for any unmatched address: JSON in the API's error shape under /api/, the usual page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"type": "client_error", "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}]},
            status=404,
        )
    return page_not_found(request, exception)
