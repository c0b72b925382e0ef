"""The OpenAPI schema describes the errors as they are sent (drf-standardized-errors, completed)."""

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework.settings import api_settings

WRITES = ("POST", "PUT", "PATCH", "DELETE")
NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class AutoSchema(StandardizedErrorsAutoSchema):
    """drf-standardized-errors' schema, plus what Weaver's writes can answer on top of field checks.

    - Every write may answer 400: services refuse a request's value (code `invalid`, on the field
      sent, see weaver.lib.api.service_errors, or as a non-field error), and serializers refuse unknown
      fields and changed read-only ones (`unknown_field`, `read_only`).
    - Every write may answer 403: coordinators-only changes, and session clients without a CSRF token;
      a read may too where the view says so (`extend_schema(responses={403: ...})`).
    """

    def _should_add_validation_error_response(self) -> bool:
        return self.method in WRITES or super()._should_add_validation_error_response()

    def _should_add_http403_error_response(self) -> bool:
        return self.method in WRITES or super()._should_add_http403_error_response()

    def _determine_fields_with_error_codes(self):
        if self.method in WRITES and self.get_request_serializer() is None:
            return []
        return super()._determine_fields_with_error_codes()

    def _get_validation_error_codes_by_field(self, data_fields):
        codes = super()._get_validation_error_codes_by_field(data_fields)
        if self.method not in WRITES:
            return codes
        for name in list(codes):
            if "." not in name:
                codes[name].add("invalid")
            if name.endswith(NON_FIELD):
                codes[name].update({"unknown_field", "read_only"})
        codes[NON_FIELD].update({"invalid", "unknown_field", "read_only"})
        return codes
