"""The Content-Security-Policy, with the few per-page exceptions kept in one place."""

import base64
import hashlib
import re

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts

# The browsable API and Swagger UI are third-party pages that style with inline <style>
# blocks and style attributes; scripts stay as strict as everywhere else.
THIRD_PARTY_UI_PREFIXES = ("/api/",)
THIRD_PARTY_UI_UPDATE = {"style-src": ["'unsafe-inline'"]}

_STYLE_BLOCK = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def allow_inline_styles_of(response) -> None:
    """Allow exactly the <style> blocks of a self-contained HTML document (one meant to work offline)."""
    hashes = [
        "'sha256-{}'".format(base64.b64encode(hashlib.sha256(block).digest()).decode("ascii"))
        for block in _STYLE_BLOCK.findall(response.content)
    ]
    if hashes:
        response._csp_update = {"style-src": hashes}
        response._csp_update_ro = {"style-src": hashes}


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.update is None and request.path_info.startswith(THIRD_PARTY_UI_PREFIXES):
            parts.update = THIRD_PARTY_UI_UPDATE
        return parts
