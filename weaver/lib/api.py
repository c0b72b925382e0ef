"""Shared REST API plumbing: pagination, service errors as 400 responses, JSON 404s under /api/."""

import difflib
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import django_filters
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse, QueryDict
from django.urls import reverse
from django.views import defaults
from rest_framework import parsers, renderers, serializers
from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with too deeply nested input a 400 (Python's decoder raises RecursionError)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class Metadata(SimpleMetadata):
    """OPTIONS answers what a view is, renders and parses; its fields are in the OpenAPI schema.

    DRF's default also describes "the" serializer of POST and PUT, which a viewset with actions
    does not have (a 500 on metrics/recompute/) or gets wrong (proposals' submit takes no body).
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": request.build_absolute_uri(reverse("api-schema")),
        }


NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
FORM_ONLY_FIELDS = {"csrfmiddlewaretoken"}  # sent by HTML forms (the browsable API), never data


class StrictFieldsMixin:
    """A serializer that refuses input fields it does not know, with a 400 naming each of them.

    DRF ignores unknown fields, so a typo (`{"commnity": …}`) answered 200 and changed nothing.
    Read-only fields a client echoes back from a GET are accepted and ignored when their value is the
    one the API sent; a changed value is refused (it would be silently ignored otherwise). Errors are
    non-field errors with code `unknown_field` or `read_only`, as the schema documents for every write.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self.input_field_errors(data)
            detail = {NON_FIELD: errors} if errors else {}
            if not isinstance(data, QueryDict):  # a form's values are all text; JSON's have types
                detail.update(self.input_type_errors(data))
            if detail:
                raise ValidationError(detail)
        return super().to_internal_value(data)

    def input_type_errors(self, data: Mapping) -> dict[str, list[ErrorDetail]]:
        """A JSON value of another type than the schema documents (DRF would read 1 as "1", "1" as 1)."""
        errors = {}
        for name, field in self.fields.items():
            if name in data and not field.read_only:
                error = json_type_error(field, data[name])
                if error:
                    errors[name] = [error]
        return errors

    def input_field_errors(self, data: Mapping) -> list[ErrorDetail]:
        writable = [name for name, field in self.fields.items() if not field.read_only]
        errors, current = [], None
        for name in data:
            if name in writable or name in FORM_ONLY_FIELDS:
                continue
            field = self.fields.get(name)
            shown = name[:60]
            if field is None:
                close = difflib.get_close_matches(name, writable, n=1)
                hint = f" Did you mean “{close[0]}”?" if close else ""
                message = (
                    f"Unknown field “{shown}”.{hint} Fields you can send: {', '.join(writable) or 'none'}."
                )
                errors.append(ErrorDetail(message, code="unknown_field"))
                continue
            if self.instance is None or self.parent is not None:
                continue  # nothing to compare with (a creation, or a nested item): ignored, as DRF does
            if current is None:
                current = self.to_representation(self.instance)
            if data[name] != current.get(name):
                message = f"“{shown}” is read-only: send it unchanged or leave it out."
                errors.append(ErrorDetail(message, code="read_only"))
        return errors


JSON_TYPE_NAMES = {
    bool: "true or false",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


def _expected_json_type(field) -> tuple[tuple[type, ...], str, str] | None:
    """(JSON types, their name, error code) a writable field's value must have, as the schema says."""
    if isinstance(field, serializers.ListField | serializers.ListSerializer | serializers.ManyRelatedField):
        return (list,), "a list", "not_a_list"
    if isinstance(field, serializers.MultipleChoiceField):
        return (list,), "a list", "not_a_list"
    if isinstance(field, serializers.DictField):
        return (dict,), "an object", "not_a_dict"
    if isinstance(field, serializers.Serializer):
        return (dict,), "an object", "invalid"
    if isinstance(field, serializers.BooleanField):
        return (bool,), "true or false", "invalid"
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(key, str) for key in field.choices):
            return (str,), "a string", "invalid_choice"
        return None
    if isinstance(field, serializers.IntegerField):
        return (int,), "a whole number", "invalid"
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return (int,), "an id (a whole number)", "incorrect_type"
    if isinstance(field, serializers.FloatField):
        return (int, float), "a number", "invalid"
    if isinstance(
        field,
        serializers.CharField
        | serializers.DecimalField
        | serializers.DateField
        | serializers.DateTimeField
        | serializers.TimeField
        | serializers.DurationField
        | serializers.SlugRelatedField,
    ):
        return (str,), "a string", "invalid"
    return None


def json_type_error(field, value) -> ErrorDetail | None:
    """Why a JSON value does not have the type the schema gives `field` (null is the field's own rule)."""
    if value is None:
        return None
    expected = _expected_json_type(field)
    if expected is None:
        return None
    types, name, code = expected
    wrong = (isinstance(value, bool) and bool not in types) or not isinstance(value, types)
    if not wrong and isinstance(value, list):
        child = getattr(field, "child", None) or getattr(field, "child_relation", None)
        errors = [json_type_error(child, item) for item in value] if child is not None else []
        for index, error in enumerate(errors):
            if error:
                return ErrorDetail(f"Item {index + 1}: {error}", code=expected[2])
        return None
    if not wrong and isinstance(value, dict) and isinstance(field, serializers.DictField):
        for key, item in value.items():
            error = json_type_error(field.child, item)
            if error:
                return ErrorDetail(f"“{str(key)[:40]}”: {error}", code=code)
        return None
    if wrong:
        return ErrorDetail(f"Expected {name}, not {JSON_TYPE_NAMES.get(type(value), 'that')}.", code=code)
    return None


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass


class NoBodySerializer(StrictSerializer):
    """The request of an action that takes no body (metrics/recompute/): what OPTIONS and forms show."""


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for the API, asking a view for its queryset only when it has filters to show.

    DRF asks every list for a queryset to build its filter form, so a view that reads stored JSON
    (suggestions/) and has no filter backends failed with a 500 when a browser asked for HTML.
    """

    def get_filter_form(self, data, view, request):
        if not getattr(view, "filter_backends", None):
            return None
        return super().get_filter_form(data, view, request)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        # DRF silently ignores a malformed page_size; the schema promises an integer, so say so.
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and raw.strip():
            try:
                int(raw)
            except ValueError:
                raise ParseError("page_size must be a whole number.") from None
        return super().get_page_size(request)


class StrictBooleanField(forms.NullBooleanField):
    """true or false (1 or 0); anything else is an error instead of being silently ignored."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Enter true or false."}

    def to_python(self, value):
        if value is None or str(value).strip() == "":
            return None
        normalized = str(value).strip().lower()
        if normalized in ("true", "1"):
            return True
        if normalized in ("false", "0"):
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    """A boolean API filter that answers 400 to `?archived=maybe` (the schema says boolean)."""

    field_class = StrictBooleanField


def api_validation_error(exc: DjangoValidationError, fields=frozenset()) -> ValidationError:
    """The DRF 400 equivalent of a Django ValidationError raised by a service, field by field.

    A service names the model's fields; those that are not among the request's `fields` (the round of a
    proposal being declined) become non-field errors, so that every error names what the client sent,
    as the schema documents.
    """
    detail: dict[str, list[ErrorDetail]] = {}
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(NON_FIELD_ERRORS, exc.error_list)]
    for field, errors in items:
        key = field if field in fields else NON_FIELD
        detail.setdefault(key, []).extend(
            ErrorDetail(message, code="invalid") for message in DjangoValidationError(errors).messages
        )
    return ValidationError(detail)


@contextmanager
def service_errors(serializer: serializers.BaseSerializer | None = None, *, fields=()) -> Iterator[None]:
    """Run a service call so that its validation errors answer 400 instead of 500.

    Pass the serializer that read the request (or the `fields` a body-less action's errors are
    documented on), so that errors on those fields stay on them; the others become non-field errors.
    """
    if serializer is not None:
        fields = [*fields, *(name for name, field in serializer.fields.items() if not field.read_only)]
    try:
        yield
    except DjangoValidationError as exc:
        raise api_validation_error(exc, frozenset(fields)) from exc


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def api_error_response(*, status: int, code: str, detail: str) -> JsonResponse:
    """An error in drf-standardized-errors' shape (the one the schema documents), for answers outside DRF."""
    kind = "server_error" if status >= 500 else "client_error"
    error = {"code": code, "detail": detail, "attr": None}
    return JsonResponse({"type": kind, "errors": [error]}, status=status)


def handler400(request, exception):
    """A request Django refuses before any view (a bad Host, too many fields): JSON under /api/."""
    if _is_api(request):
        return api_error_response(status=400, code="parse_error", detail="Bad request.")
    return defaults.bad_request(request, exception)


def handler403(request, exception):
    if _is_api(request):
        detail = "You do not have permission to perform this action."
        return api_error_response(status=403, code="permission_denied", detail=detail)
    return defaults.permission_denied(request, exception)


def handler404(request, exception):
    """404 for any unmatched address: JSON in the API's error shape under /api/, the usual page elsewhere."""
    if _is_api(request):
        return api_error_response(status=404, code="not_found", detail="Not found.")
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return api_error_response(status=500, code="error", detail="Server Error (500)")
    return defaults.server_error(request)


def schema_list_index_attrs(result, generator, request, public):
    """drf-spectacular hook: documented error attributes like `criteria.INDEX.name` match `criteria.0.name`.

    drf-standardized-errors names list items `INDEX` in the schema but by position in responses.
    """
    for component in result.get("components", {}).get("schemas", {}).values():
        attr = component.get("properties", {}).get("attr")
        if not attr or not any(".INDEX" in str(value) for value in attr.get("enum", [])):
            continue
        patterns = [re.escape(value).replace(re.escape(".INDEX"), r"\.\d+") for value in attr.pop("enum")]
        attr["pattern"] = "^(" + "|".join(patterns) + ")$"
        if "description" in attr:
            attr["description"] = attr["description"].replace(".INDEX", ".<n>")
    return result


def schema_optional_query_enums_take_empty(result, generator, request, public):
    """drf-spectacular hook: an optional query parameter with choices also takes an empty value.

    Django forms, django-filter and DRF read `?kind=` as `kind` not given (what an HTML form sends for
    an untouched select), so the schema says so rather than promising a 400.
    """
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") != "query" or parameter.get("required"):
                    continue
                schema = parameter.get("schema", {})
                for node in (schema, schema.get("items", {})):
                    if "enum" in node and "" not in node["enum"]:
                        node["enum"] = [*node["enum"], ""]
                        node.pop("minLength", None)
    return result
