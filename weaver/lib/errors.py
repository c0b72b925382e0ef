"""The API's exception handler: drf-standardized-errors', keeping the reason a service gives for a 403."""

from django.core.exceptions import PermissionDenied
from drf_standardized_errors.handler import ExceptionHandler as StandardizedErrorsHandler
from rest_framework import exceptions


class ExceptionHandler(StandardizedErrorsHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        # drf-standardized-errors answers every Django PermissionDenied with DRF's generic sentence;
        # a service's own ("Only the applicant can submit this proposal.") tells the client why.
        if isinstance(exc, PermissionDenied) and str(exc):
            return exceptions.PermissionDenied(str(exc))
        return super().convert_known_exceptions(exc)
