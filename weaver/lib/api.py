"""Shared REST API plumbing: pagination and turning service errors into 400 responses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
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
