"""The site's page URL patterns, walked from the URLconf, for tests that visit every page."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Django's admin and the REST API (its own tests and schema checks) are not pages of ours.
NOT_PAGES = ("admin/", "api/v1/")
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Page:
    route: str
    name: str
    callback: object
    default_kwargs: dict

    @property
    def parameters(self) -> list[tuple[str, str, str]]:
        """(converter, name, the path segment before it) for each parameter of the route."""
        found = []
        for match in _PARAMETER.finditer(self.route):
            before = self.route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            found.append((match["converter"] or "str", match["name"], before))
        return found

    def url(self, values: dict) -> str:
        return "/" + _PARAMETER.sub(lambda m: str(values[m["name"]]), self.route)


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}{entry.name}" if entry.name else route
            yield Page(route, name, entry.callback, entry.default_args)


def pages() -> list[Page]:
    return [page for page in _walk(get_resolver().url_patterns) if not page.route.startswith(NOT_PAGES)]


def declared_methods(callback) -> set[str] | None:
    """The HTTP methods a view says it handles, or None when it does not say (it answers them all)."""
    function = callback
    while function is not None:
        code = getattr(function, "__code__", None)
        # django.views.decorators.http.require_http_methods keeps the list in its wrapper's closure.
        if code is not None and "request_method_list" in code.co_freevars:
            cell = function.__closure__[code.co_freevars.index("request_method_list")]
            return set(cell.cell_contents)
        function = getattr(function, "__wrapped__", None)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return {m.upper() for m in view_class.http_method_names if hasattr(view_class, m)}
    return None
